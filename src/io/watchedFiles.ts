/**
 * Files named in the options, read and kept current while the add-on runs, so an edited list
 * needs no restart (peers.md §5.2: "restart needed", "manual reload"). The phonebook files
 * and the nuisance files are both kept this way; what a file's bytes mean, and how the files'
 * reads make one whole, is the caller's.
 *
 * Each file's directory is watched, not the file: editors and `cp` replace a file by writing a
 * new one and renaming it over the old, and a watch on the file itself dies with the old
 * inode. Events are debounced (an editor's save is a burst of them), changed files are
 * re-read, and a new whole is swapped in. A file that is bad on reload keeps the entries of
 * its last good read, with a warning naming it: a phone that rings during a save should not
 * lose its names. Bad is: it cannot be read (deleted, no permission, a directory, over 16
 * MiB), it is not text (a NUL byte: a photo, an archive), or it yields no entry at all where
 * its last good read had some (a half-written or wrong file; to empty a list, take it out of
 * the options). Problems are reported once per change.
 *
 * A large file is read a slice at a time, yielding to the event loop every few milliseconds,
 * and the whole is built in steps too: a call that rings during the reload is reported at
 * once, from the old whole, instead of after seconds of parsing.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { constants, type FSWatcher, watch } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { PieceReader } from "../core/caller/phonebook.js";
import type { PhonebookProblem } from "../core/caller/phonebookEntries.js";
import { errnoCode } from "./errno.js";

/** What a file of a list reads into: its entries (counted) and its problems. */
export interface ParsedFile {
  readonly problems: readonly PhonebookProblem[];
}

export interface WatchedFilesOptions<Parsed extends ParsedFile, Whole> {
  files: readonly string[];
  /** What the files are, in messages: "phonebook" → "is a directory, not a phonebook file". */
  noun: string;
  /** A reader for a file's text, chosen by its path and its first 64 KiB of text. */
  reader: (path: string, opening: string) => PieceReader<Parsed>;
  /** Entries in a read; a file that had some and has none now keeps its last good read. */
  count: (parsed: Parsed) => number;
  /** The whole from the files' last good reads, in the configured order, built in steps. */
  build: (reads: readonly Parsed[], slicer: Slicer) => Promise<Whole>;
  onProblem: (problem: PhonebookProblem) => void;
  /** Called after a change was read and a new whole swapped in. */
  onReload?: (whole: Whole) => void;
  debounceMs?: number;
  /** How long reading may hold the event loop before it lets other work run (default 5 ms). */
  sliceMs?: number;
}

export interface WatchedFiles<Whole> {
  current(): Whole;
  close(): void;
}

/** Far above any household's address book; guards against pointing at a disk image. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

interface FileState<Parsed> {
  readonly path: string;
  readonly dir: string;
  readonly name: string;
  lastGood: Parsed | null;
  /** The digest of the bytes last read, so that an unchanged file is not parsed again. */
  lastDigest: string | null;
  lastError: string | null;
}

type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; message: string };

/** Bytes decoded and parsed between two looks at the clock. */
const PIECE_BYTES = 4 * 1024;

/** Lets timers and I/O (a ringing call) run before the work goes on. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Spends at most `sliceMs` of the event loop at a time, then yields. */
export class Slicer {
  readonly #sliceMs: number;
  #since = performance.now();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  async pause(): Promise<void> {
    if (performance.now() - this.#since < this.#sliceMs) return;
    await yieldToLoop();
    this.#since = performance.now();
  }

  /** Runs a generator to its end, letting other work run between its steps. */
  async run<T>(steps: Generator<void, T, void>): Promise<T> {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await this.pause();
    }
  }
}

function readFailure(error: unknown, noun: string): string {
  switch (errnoCode(error)) {
    case "ENOENT":
    case "ENOTDIR":
      return "file not found";
    case "EACCES":
    case "EPERM":
      return "cannot read the file: permission denied";
    case "EISDIR":
      return `is a directory, not a ${noun} file`;
    default:
      return `cannot read the file: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function digestOf(bytes: Buffer, slicer: Slicer): Promise<string> {
  const hash = createHash("sha256");
  for (let at = 0; at < bytes.length; at += 1024 * 1024) {
    hash.update(bytes.subarray(at, at + 1024 * 1024));
    await slicer.pause();
  }
  return hash.digest("hex");
}

/**
 * Parses the bytes a piece at a time. UTF-8, else Latin-1: older Windows exports (Outlook
 * CSV) are not UTF-8; the decoder keeps a character cut by a piece boundary whole.
 */
async function parseInPieces<Parsed>(
  bytes: Buffer,
  path: string,
  readerFor: (path: string, opening: string) => PieceReader<Parsed>,
  slicer: Slicer,
): Promise<Parsed> {
  const encoding = isUtf8(bytes) ? "utf8" : "latin1"; // one scan of the whole file
  const decoder = new StringDecoder(encoding);
  // The format shows in the first lines (a vCard's BEGIN, a CSV's header row).
  const opening = new StringDecoder(encoding);
  const reader = readerFor(path, opening.write(bytes.subarray(0, 64 * 1024)));
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
    reader.push(decoder.write(bytes.subarray(at, at + PIECE_BYTES)));
    await slicer.pause();
  }
  reader.push(decoder.end());
  return reader.endInSteps ? slicer.run(reader.endInSteps()) : reader.end();
}

async function readListFile(path: string, noun: string): Promise<ReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO someone named by mistake must not hang the add-on.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (info.isDirectory()) return { ok: false, message: readFailure({ code: "EISDIR" }, noun) };
    if (!info.isFile()) return { ok: false, message: "is not a regular file" };
    if (info.size > MAX_FILE_BYTES) {
      return { ok: false, message: `is ${info.size} bytes, more than the ${MAX_FILE_BYTES} read` };
    }
    return { ok: true, bytes: await handle.readFile() };
  } catch (error) {
    return { ok: false, message: readFailure(error, noun) };
  } finally {
    await handle?.close().catch(() => undefined); // nothing to do about a failed close of a read
  }
}

export async function openWatchedFiles<Parsed extends ParsedFile, Whole>(
  options: WatchedFilesOptions<Parsed, Whole>,
): Promise<WatchedFiles<Whole>> {
  const { noun, onProblem, onReload } = options;
  const debounceMs = options.debounceMs ?? 200;
  const sliceMs = options.sliceMs ?? 5;

  const files: FileState<Parsed>[] = [];
  for (const path of options.files) {
    if (files.some((f) => resolve(f.path) === resolve(path))) continue; // listed twice
    const absolute = resolve(path);
    files.push({
      path,
      dir: dirname(absolute),
      name: basename(absolute),
      lastGood: null,
      lastDigest: null,
      lastError: null,
    });
  }

  let whole: Whole | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let reloading: Promise<void> = Promise.resolve();
  const dirty = new Set<FileState<Parsed>>();
  const watchers: FSWatcher[] = [];

  /** The files' last good reads made one whole, a step at a time. */
  const build = (): Promise<Whole> =>
    options.build(
      files.flatMap((f) => (f.lastGood ? [f.lastGood] : [])),
      new Slicer(sliceMs),
    );

  /** Reads one file; whether its entries changed. Problems are reported only when new. */
  async function load(file: FileState<Parsed>): Promise<boolean> {
    const slicer = new Slicer(sliceMs);
    const read = await readListFile(file.path, noun);
    if (closed) return false;
    if (!read.ok) return keepLastGood(file, read.message);
    file.lastError = null;
    const digest = await digestOf(read.bytes, slicer);
    if (closed || digest === file.lastDigest) return false;
    file.lastDigest = digest;
    if (read.bytes.includes(0)) {
      return keepLastGood(
        file,
        "is not UTF-8 or Latin-1 text (it has NUL bytes: a binary file, or UTF-16)",
      );
    }
    const parsed = await parseInPieces(read.bytes, file.path, options.reader, slicer);
    if (closed) return false;
    for (const problem of parsed.problems) onProblem(problem);
    const before = file.lastGood;
    if (before !== null && options.count(before) > 0 && options.count(parsed) === 0) {
      return keepLastGood(file, `has no ${noun} entry in it now`);
    }
    file.lastGood = parsed;
    return true;
  }

  /** A file that is bad now: said once per change, and its last good entries stay. */
  function keepLastGood(file: FileState<Parsed>, message: string): false {
    if (message === file.lastError) return false;
    file.lastError = message;
    const kept = file.lastGood
      ? `; keeping the ${options.count(file.lastGood)} entries read before`
      : "";
    onProblem({ source: file.path, line: null, message: `${file.path}: ${message}${kept}` });
    return false;
  }

  async function reload(batch: readonly FileState<Parsed>[]): Promise<void> {
    let changed = false;
    for (const file of batch) changed = (await load(file)) || changed;
    if (!changed || closed) return;
    const next = await build();
    if (closed) return;
    whole = next;
    onReload?.(next);
  }

  function schedule(changedFiles: readonly FileState<Parsed>[]): void {
    if (closed || changedFiles.length === 0) return;
    for (const file of changedFiles) dirty.add(file);
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const batch = [...dirty];
      dirty.clear();
      // One reload at a time, in order; a callback that throws surfaces as an uncaught error
      // instead of silently stopping all later reloads.
      reloading = reloading
        .then(() => reload(batch))
        .catch((error: unknown) => {
          setImmediate(() => {
            throw error;
          });
        });
    }, debounceMs);
  }

  // Watch before the first read, so a change made during it is not missed.
  for (const dir of new Set(files.map((f) => f.dir))) {
    const watcher = watchDirectory(
      dir,
      files.filter((f) => f.dir === dir),
      schedule,
      onProblem,
    );
    if (watcher !== null) watchers.push(watcher);
  }

  // Reloads queue behind the first read, so they never see a half-read set of files.
  const firstRead = (async () => {
    for (const file of files) await load(file);
    whole = await build();
  })();
  reloading = firstRead;
  const close = () => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const watcher of watchers) watcher.close();
    watchers.length = 0;
  };
  try {
    await firstRead;
  } catch (error) {
    close(); // only a throwing callback gets here; leave no watcher behind
    throw error;
  }
  // The first read has built the whole: `whole` is set from here on.
  return { current: () => whole as Whole, close };
}

/** One watch for all the listed files of a directory; null (reported) when it cannot be had. */
function watchDirectory<Parsed>(
  dir: string,
  inDir: readonly FileState<Parsed>[],
  schedule: (files: readonly FileState<Parsed>[]) => void,
  onProblem: (problem: PhonebookProblem) => void,
): FSWatcher | null {
  const report = (reason: string) => {
    for (const f of inDir) {
      onProblem({
        source: f.path,
        line: null,
        message: `${f.path}: ${reason}; restart the add-on to reload it`,
      });
    }
  };
  try {
    const watcher = watch(dir, { persistent: true }, (_event, filename) => {
      // No name (some platforms): any file of the directory may have changed.
      schedule(filename ? inDir.filter((f) => f.name === filename.toString()) : inDir);
    });
    watcher.on("error", (error) => {
      watcher.close();
      report(`no longer watched for changes (${error.message})`);
    });
    return watcher;
  } catch (error) {
    const detail = errnoCode(error) === "ENOENT" ? "no such directory" : String(error);
    report(`cannot watch ${dir} for changes (${detail})`);
    return null;
  }
}
