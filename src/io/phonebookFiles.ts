/**
 * The file edge of the phonebook: reads the configured phonebook files, merges them with the
 * option entries, and keeps the result current while the add-on runs, so an edited phonebook
 * needs no restart (peers.md §5.2: "restart needed", "manual reload").
 *
 * Each file's directory is watched, not the file: editors and `cp` replace a file by writing a
 * new one and renaming it over the old, and a watch on the file itself dies with the old
 * inode. Events are debounced (an editor's save is a burst of them), changed files are
 * re-read, and a new Phonebook is swapped in whole. A file that cannot be read on reload —
 * deleted, half-replaced, no permission — keeps the entries of its last good read: a phone
 * that rings during a save should not lose its names. Problems are reported once per change.
 */
import { constants, type FSWatcher, watch } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { CountryCode } from "../core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  Phonebook,
  type PhonebookProblem,
  parsePhonebook,
  phonebookFromOptions,
} from "../core/caller/phonebook.js";

export interface PhonebookSourceOptions {
  files: string[];
  entries: { number: string; name: string }[];
  country: CountryCode;
  onProblem: (problem: PhonebookProblem) => void;
  /** Called after a change was read and a new phonebook swapped in. */
  onReload?: (phonebook: Phonebook) => void;
  debounceMs?: number;
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
  lastText: string | null;
  lastError: string | null;
}

type ReadOutcome = { ok: true; text: string } | { ok: false; message: string };

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

/** UTF-8, else Latin-1: older Windows exports (Outlook CSV) are not UTF-8. */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString("latin1");
  }
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
    return { ok: true, text: decodeText(await handle.readFile()) };
  } catch (error) {
    return { ok: false, message: readFailure(error) };
  } finally {
    await handle?.close().catch(() => undefined); // nothing to do about a failed close of a read
  }
}

export async function openPhonebook(options: PhonebookSourceOptions): Promise<PhonebookSource> {
  const { country, onProblem, onReload } = options;
  const debounceMs = options.debounceMs ?? 200;
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
      lastText: null,
      lastError: null,
    });
  }

  let phonebook = Phonebook.empty;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let reloading: Promise<void> = Promise.resolve();
  const dirty = new Set<FileState>();
  const watchers: FSWatcher[] = [];

  const build = () =>
    Phonebook.build([fromOptions, ...files.flatMap((f) => (f.lastGood ? [f.lastGood] : []))]);

  /** Reads one file; whether its entries changed. Problems are reported only when new. */
  async function load(file: FileState): Promise<boolean> {
    const read = await readPhonebookFile(file.path);
    if (closed) return false;
    if (!read.ok) {
      if (read.message === file.lastError) return false;
      file.lastError = read.message;
      const kept = file.lastGood
        ? `; keeping the ${file.lastGood.entries.length} entries read before`
        : "";
      onProblem({ source: file.path, line: null, message: `${file.path}: ${read.message}${kept}` });
      return false;
    }
    file.lastError = null;
    if (read.text === file.lastText) return false;
    file.lastText = read.text;
    const format = detectPhonebookFormat(file.path, read.text);
    file.lastGood = parsePhonebook(read.text, file.path, format, country);
    for (const problem of file.lastGood.problems) onProblem(problem);
    return true;
  }

  async function reload(batch: readonly FileState[]): Promise<void> {
    let changed = false;
    for (const file of batch) changed = (await load(file)) || changed;
    if (!changed || closed) return;
    phonebook = build();
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
    phonebook = build();
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
