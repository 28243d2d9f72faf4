/**
 * The file edge of the phonebook: reads the configured phonebook files, merges them with the
 * option entries, and keeps the result current while the add-on runs, so an edited phonebook
 * needs no restart (peers.md §5.2: "restart needed", "manual reload").
 *
 * Each file's directory is watched, not the file: editors and `cp` replace a file by writing a
 * new one and renaming it over the old, and a watch on the file itself dies with the old
 * inode. Events are debounced (an editor's save is a burst of them), changed files are
 * re-read, and a new Phonebook is swapped in whole. A file that is bad on reload keeps the
 * entries of its last good read, with a warning naming it: a phone that rings during a save
 * should not lose its names. Bad is: it cannot be read (deleted, no permission, a directory,
 * over 16 MiB), it is not text (a NUL byte: a photo, an archive), or it yields no entry at
 * all where its last good read had some (a half-written or wrong file; to empty a phonebook,
 * take it out of the options). Problems are reported once per change.
 *
 * A large file is read a slice at a time, yielding to the event loop every few milliseconds,
 * and the new book is merged in steps too: a call that rings during the reload is reported
 * at once, from the old book, instead of after seconds of parsing.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { constants, type FSWatcher, watch } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { CountryCode } from "../core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  Phonebook,
  type PhonebookProblem,
  phonebookFromOptions,
  phonebookReader,
} from "../core/caller/phonebook.js";

export interface PhonebookSourceOptions {
  files: string[];
  entries: { number: string; name: string }[];
  country: CountryCode;
  onProblem: (problem: PhonebookProblem) => void;
  /** Called after a change was read and a new phonebook swapped in. */
  onReload?: (phonebook: Phonebook) => void;
  debounceMs?: number;
  /** How long reading may hold the event loop before it lets other work run (default 5 ms). */
  sliceMs?: number;
}

export interface PhonebookSource {
  current(): Phonebook;
  close(): void;
}

/** Far above any household's address book; guards against pointing at a disk image. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

interface FileState {
  readonly path: string;
  readonly dir: string;
  readonly name: string;
  lastGood: ParsedPhonebook | null;
  /** The digest of the bytes last read, so that an unchanged file is not parsed again. */
  lastDigest: string | null;
  lastError: string | null;
}

type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; message: string };

/** Bytes decoded and parsed between two looks at the clock. */
const PIECE_BYTES = 4 * 1024;
/** Entries merged into the new book between two looks at the clock. */
const MERGE_STEP = 2000;

/** Lets timers and I/O (a ringing call) run before the work goes on. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Spends at most `sliceMs` of the event loop at a time, then yields. */
class Slicer {
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
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

function readFailure(error: unknown): string {
  switch (errnoCode(error)) {
    case "ENOENT":
    case "ENOTDIR":
      return "file not found";
    case "EACCES":
    case "EPERM":
      return "cannot read the file: permission denied";
    case "EISDIR":
      return "is a directory, not a phonebook file";
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
async function parseInPieces(
  bytes: Buffer,
  path: string,
  country: CountryCode,
  slicer: Slicer,
): Promise<ParsedPhonebook> {
  const decoder = new StringDecoder(isUtf8(bytes) ? "utf8" : "latin1");
  // The format shows in the first lines (a vCard's BEGIN, a CSV's header row).
  const opening = new StringDecoder(isUtf8(bytes) ? "utf8" : "latin1");
  const format = detectPhonebookFormat(path, opening.write(bytes.subarray(0, 64 * 1024)));
  const reader = phonebookReader(path, format, country);
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
    reader.push(decoder.write(bytes.subarray(at, at + PIECE_BYTES)));
    await slicer.pause();
  }
  reader.push(decoder.end());
  return reader.end();
}

async function readPhonebookFile(path: string): Promise<ReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO someone named by mistake must not hang the add-on.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (info.isDirectory()) return { ok: false, message: readFailure({ code: "EISDIR" }) };
    if (!info.isFile()) return { ok: false, message: "is not a regular file" };
    if (info.size > MAX_FILE_BYTES) {
      return { ok: false, message: `is ${info.size} bytes, more than the ${MAX_FILE_BYTES} read` };
    }
    return { ok: true, bytes: await handle.readFile() };
  } catch (error) {
    return { ok: false, message: readFailure(error) };
  } finally {
    await handle?.close().catch(() => undefined); // nothing to do about a failed close of a read
  }
}

export async function openPhonebook(options: PhonebookSourceOptions): Promise<PhonebookSource> {
  const { country, onProblem, onReload } = options;
  const debounceMs = options.debounceMs ?? 200;
  const sliceMs = options.sliceMs ?? 5;
  const fromOptions = phonebookFromOptions(options.entries, country);
  for (const problem of fromOptions.problems) onProblem(problem);

  const files: FileState[] = [];
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

  let phonebook = Phonebook.empty;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let reloading: Promise<void> = Promise.resolve();
  const dirty = new Set<FileState>();
  const watchers: FSWatcher[] = [];

  /** The options and the files' last good entries merged, a step at a time. */
  async function build(): Promise<Phonebook> {
    const parts = [fromOptions, ...files.flatMap((f) => (f.lastGood ? [f.lastGood] : []))];
    const steps = Phonebook.buildInSteps(parts, MERGE_STEP);
    const slicer = new Slicer(sliceMs);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await slicer.pause();
    }
  }

  /** Reads one file; whether its entries changed. Problems are reported only when new. */
  async function load(file: FileState): Promise<boolean> {
    const slicer = new Slicer(sliceMs);
    const read = await readPhonebookFile(file.path);
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
    const parsed = await parseInPieces(read.bytes, file.path, country, slicer);
    if (closed) return false;
    for (const problem of parsed.problems) onProblem(problem);
    const before = file.lastGood;
    const hadEntries = before !== null && (before.entries.length > 0 || before.anonymousName);
    if (hadEntries && parsed.entries.length === 0 && parsed.anonymousName === null) {
      return keepLastGood(file, "has no phonebook entry in it now");
    }
    file.lastGood = parsed;
    return true;
  }

  /** A file that is bad now: said once per change, and its last good entries stay. */
  function keepLastGood(file: FileState, message: string): false {
    if (message === file.lastError) return false;
    file.lastError = message;
    const kept = file.lastGood
      ? `; keeping the ${file.lastGood.entries.length} entries read before`
      : "";
    onProblem({ source: file.path, line: null, message: `${file.path}: ${message}${kept}` });
    return false;
  }

  async function reload(batch: readonly FileState[]): Promise<void> {
    let changed = false;
    for (const file of batch) changed = (await load(file)) || changed;
    if (!changed || closed) return;
    phonebook = await build();
    if (closed) return;
    onReload?.(phonebook);
  }

  function schedule(changedFiles: readonly FileState[]): void {
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
    phonebook = await build();
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
  return { current: () => phonebook, close };
}

/** One watch for all phonebook files of a directory; null (reported) when it cannot be had. */
function watchDirectory(
  dir: string,
  inDir: readonly FileState[],
  schedule: (files: readonly FileState[]) => void,
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
