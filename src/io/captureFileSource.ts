/**
 * The file edge for capture files: reads a pcap or pcapng file from disk in fixed-size chunks
 * into one reused buffer (memory stays flat however large the file) and feeds the pure
 * CaptureFileReader. File-system errors become reasons a user can act on.
 *
 * Two ways to read: all frames pushed at once (`replay`, which handles each in its callback),
 * or pulled one at a time (`run --replay`, which waits between frames to keep the packets'
 * pace): only the frames of one chunk are held then, never the file.
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
  type CaptureFileError,
  CaptureFileReader,
  type CaptureFormat,
} from "../core/capture/captureFile.js";
import type { Frame, FramePrefilter } from "../core/capture/frame.js";
import { errnoCode } from "./errno.js";

export type ReadCaptureFailure = {
  ok: false;
  reason: "missing" | "not-readable" | "is-directory" | "not-a-capture-file";
  message: string;
};

export type ReadCaptureOutcome =
  | { ok: true; frames: number; format: CaptureFormat; error: CaptureFileError | null }
  | ReadCaptureFailure;

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
  // A plain Uint8Array, not a Buffer: every frame is a view into it, and a Uint8Array view
  // costs a fraction of a Buffer slice (a million frames a run make that visible in memory).
  const chunk = new Uint8Array(Math.max(1, Math.floor(chunkSize)));
  return scanCaptureFile(path, chunk, onFrame, prefilter, () => false);
}

/**
 * Opens `path` and feeds its bytes, a chunk at a time, to a capture reader until `enough()`,
 * an error or the end; closes it again. Fails for what is not a capture file at all; a later
 * error, such as a truncated last record, comes with ok: true (the frames before it count).
 */
function scanCaptureFile(
  path: string,
  chunk: Uint8Array,
  onFrame: (frame: Frame) => void,
  prefilter: FramePrefilter | undefined,
  enough: () => boolean,
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
    let error: CaptureFileError | null = null;
    while (error === null && !enough()) {
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      error = bytesRead === 0 ? reader.end() : reader.push(chunk.subarray(0, bytesRead));
      if (bytesRead === 0) break;
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

const CHUNK_BYTES = 1 << 18;

/** Files opened for a paced replay: checked up front, read while they are played. */
export interface CaptureReplay {
  /** The first packet's time (the replay's clock starts there), or null when there is none. */
  readonly firstTimestampMs: number | null;
  /** Bytes read from the files so far: at most one chunk ahead of the frame last handed out. */
  readonly bytesRead: number;
  /**
   * The frames of all files, in order. A frame's data is valid until the next frame is asked
   * for (the chunk's memory is reused). A file that turns bad on the way (a truncated last
   * record, a corrupt block, gone since it was checked) is warned about, and the next follows.
   */
  frames(onWarning: (message: string) => void): Generator<Frame, void, undefined>;
}

/**
 * Opens capture files for `run --replay`. Each is checked before anything plays — it opens,
 * is no directory, and starts as a pcap or pcapng file — so that a wrong path is reported
 * at once rather than after the files before it were played.
 */
export function openCaptureReplay(
  files: readonly string[],
  chunkSize = CHUNK_BYTES,
): ({ ok: true } & CaptureReplay) | ReadCaptureFailure {
  const chunk = new Uint8Array(Math.max(1, Math.floor(chunkSize)));
  let firstTimestampMs: number | null = null;
  for (const path of files) {
    const checked = checkCaptureFile(path, chunk);
    if (!checked.ok) return checked;
    firstTimestampMs ??= checked.firstTimestampMs;
  }
  let bytesRead = 0;
  function* frames(onWarning: (message: string) => void): Generator<Frame, void, undefined> {
    for (const path of files) {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch (error) {
        onWarning(`${fileSystemFailure(path, error).message}; skipped`);
        continue;
      }
      const pending: Frame[] = [];
      // A record that straddled two chunks is a view into the reader's carry-over, which the
      // same push may refill before the frame is handed out: that one frame is copied.
      const reader = new CaptureFileReader((frame) =>
        pending.push(
          frame.data.buffer === chunk.buffer ? frame : { ...frame, data: frame.data.slice() },
        ),
      );
      try {
        for (;;) {
          const count = readSync(fd, chunk, 0, chunk.length, null);
          bytesRead += count;
          const error = count === 0 ? reader.end() : reader.push(chunk.subarray(0, count));
          // Handed out before the next read overwrites the chunk they are views into.
          yield* pending;
          pending.length = 0;
          if (error !== null) {
            onWarning(`${path}: ${error.detail}; the packets before it were replayed`);
            break;
          }
          if (count === 0) break;
        }
      } catch (error) {
        onWarning(`${fileSystemFailure(path, error).message}; the packets before it were replayed`);
      } finally {
        closeSync(fd);
      }
    }
  }
  return {
    ok: true,
    firstTimestampMs,
    get bytesRead() {
      return bytesRead;
    },
    frames,
  };
}

/** Reads a file's start, up to its first frame: whether it can be replayed, and when it begins. */
function checkCaptureFile(
  path: string,
  chunk: Uint8Array,
): { ok: true; firstTimestampMs: number | null } | ReadCaptureFailure {
  let first: number | null = null;
  const scanned = scanCaptureFile(
    path,
    chunk,
    (frame) => {
      first ??= frame.timestampMs;
    },
    undefined,
    () => first !== null,
  );
  return scanned.ok ? { ok: true, firstTimestampMs: first } : scanned;
}
