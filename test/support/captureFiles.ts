/**
 * What the capture-file tests share: a scratch folder for the files they write (gone after
 * the test file), and frames printed as one string each, straight from memory for reference.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { CaptureFileReader } from "../../src/core/capture/captureFile.js";
import type { Frame } from "../../src/core/capture/frame.js";

/** A fresh folder, removed after the calling test file; `file` writes bytes into it. */
export function scratchFolder(prefix: string): {
  folder: string;
  file(name: string, bytes: Uint8Array): string;
} {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return {
    folder,
    file(name, bytes) {
      const path = join(folder, name);
      writeFileSync(path, bytes);
      return path;
    },
  };
}

/** One string per frame; the chunk buffer is reused, so the bytes must be taken during the call. */
export function printFrame(f: Frame): string {
  return `${f.linkType} ${f.timestampMs} ${f.originalLength} ${Buffer.from(f.data).toString("hex")}`;
}

/** Frames straight from memory, the reference for reads through the file source. */
export function framesInMemory(bytes: Uint8Array): string[] {
  const frames: string[] = [];
  const reader = new CaptureFileReader((f) => frames.push(printFrame(f)));
  reader.push(bytes);
  reader.end();
  return frames;
}
