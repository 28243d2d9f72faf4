/**
 * The file edge for capture files: reads a pcap or pcapng file from disk in fixed-size chunks
 * into one reused buffer (memory stays flat however large the file) and feeds the pure
 * CaptureFileReader. File-system errors become reasons a user can act on.
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
  type CaptureFileError,
  CaptureFileReader,
  type CaptureFormat,
} from "../core/capture/captureFile.js";
import type { Frame, FramePrefilter } from "../core/capture/frame.js";

export type ReadCaptureFailure = {
  ok: false;
  reason: "missing" | "not-readable" | "is-directory" | "not-a-capture-file";
  message: string;
};

export type ReadCaptureOutcome =
  | { ok: true; frames: number; format: CaptureFormat; error: CaptureFileError | null }
  | ReadCaptureFailure;

function errnoCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

function fileSystemFailure(path: string, error: unknown): ReadCaptureFailure {
  switch (errnoCode(error)) {
    case "ENOENT":
    case "ENOTDIR":
      return { ok: false, reason: "missing", message: `capture file not found: ${path}` };
    case "EISDIR":
      return {
        ok: false,
        reason: "is-directory",
        message: `${path} is a directory, not a capture file`,
      };
    case "EACCES":
    case "EPERM":
      return {
        ok: false,
        reason: "not-readable",
        message: `cannot read capture file ${path}: permission denied`,
      };
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        reason: "not-readable",
        message: `cannot read capture file ${path}: ${detail}`,
      };
    }
  }
}

/**
 * Reads the whole file, calling onFrame for every frame (synchronously; frame.data is only valid
 * during the call). A later error, such as a truncated last record, is returned with ok: true
 * because the frames before it were delivered.
 */
export function readCaptureFileSync(
  path: string,
  onFrame: (frame: Frame) => void,
  chunkSize = 1 << 18,
  prefilter?: FramePrefilter,
): ReadCaptureOutcome {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    return fileSystemFailure(path, error);
  }
  try {
    // On Linux a directory opens fine for reading; only the read fails.
    if (fstatSync(fd).isDirectory()) return fileSystemFailure(path, { code: "EISDIR" });
    const reader = new CaptureFileReader(onFrame, prefilter);
    // A plain Uint8Array, not a Buffer: every frame is a view into it, and a Uint8Array view
    // costs a fraction of a Buffer slice (a million frames a run make that visible in memory).
    const chunk = new Uint8Array(Math.max(1, Math.floor(chunkSize)));
    let error: CaptureFileError | null = null;
    for (;;) {
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      error = bytesRead === 0 ? reader.end() : reader.push(chunk.subarray(0, bytesRead));
      if (bytesRead === 0 || error !== null) break;
    }
    // An unknown magic number can only be met at the very start of the file.
    if (reader.format === null || error?.code === "not-a-capture-file") {
      return {
        ok: false,
        reason: "not-a-capture-file",
        message: `${path} is not a pcap or pcapng capture file`,
      };
    }
    return { ok: true, frames: reader.framesRead, format: reader.format, error };
  } catch (error) {
    return fileSystemFailure(path, error);
  } finally {
    closeSync(fd);
  }
}
