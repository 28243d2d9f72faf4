/**
 * Small state files under the data folder, written so that a crash or a power cut leaves
 * either the old file or the new one, never half of each: write a temporary file beside it,
 * flush it to disk, rename it over the old one, and flush the folder.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { makeFolder } from "./pathChecks.js";

export type JsonReadResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: "missing" | "unreadable" | "invalid"; message: string };

export function readJsonFile(path: string): JsonReadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      return { ok: false, reason: "missing", message: `${path} does not exist yet` };
    return {
      ok: false,
      reason: "unreadable",
      message: `cannot read ${path}: ${(error as Error).message}`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      reason: "invalid",
      message: `${path} is not valid JSON: ${(error as Error).message}`,
    };
  }
}

export function writeJsonFileAtomic(path: string, value: unknown): void {
  makeFolder(dirname(path)); // not mkdir's recursive mode, which never returns under /proc
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(value)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const folder = openSync(dirname(path), "r");
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}

/**
 * A state file written a moment after the last change instead of on every change, and off the
 * event loop (the flush to disk runs in libuv's thread pool): the path from a ring to the
 * announcement never waits for a disk. `flush()` writes what is pending (at stop); a crash
 * loses at most the last `delayMs` of changes.
 */
export function createDebouncedJsonWriter(
  path: string,
  delayMs: number,
  onError: (error: Error) => void,
): { save(value: unknown): void; flush(): Promise<void> } {
  let pending: { value: unknown } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending) {
      const { value } = pending;
      pending = null;
      writing = writing
        .then(() => writeJsonFileAtomicAsync(path, value))
        .catch((error: Error) => onError(error));
    }
    return writing;
  };
  return {
    save(value) {
      pending = { value };
      timer ??= setTimeout(() => void flush(), delayMs);
    },
    flush,
  };
}

/** writeJsonFileAtomic without blocking the event loop. */
export async function writeJsonFileAtomicAsync(path: string, value: unknown): Promise<void> {
  makeFolder(dirname(path)); // a few stat calls; mkdir's recursive mode hangs under /proc
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(value)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const folder = await open(dirname(path), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
