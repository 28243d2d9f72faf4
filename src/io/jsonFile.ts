/**
 * Small state files under the data folder, written so that a crash or a power cut leaves
 * either the old file or the new one, never half of each: write a temporary file beside it,
 * flush it to disk, rename it over the old one, and flush the folder.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

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
  mkdirSync(dirname(path), { recursive: true });
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
