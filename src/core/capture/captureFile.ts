/*
 * Incremental reader for capture files: classic pcap and pcapng, fed in chunks of any size.
 *
 * The first four bytes, read big-endian, tell the format; the rest is parsed by pcap.ts or
 * pcapng.ts, each opening with its own wire layout:
 *
 *   a1b2c3d4 / d4c3b2a1   pcap, µs timestamps, big- / little-endian    -> PcapParser
 *   a1b23c4d / 4d3cb2a1   pcap, ns timestamps, big- / little-endian    -> PcapParser
 *   0a0d0d0a              pcapng section header block (either order)   -> PcapngParser
 *
 * Chunks are parsed in place: a frame's data is a view into the chunk (zero copy). Only a record
 * that straddles two chunks is assembled in a carry-over buffer, which holds at most one record.
 * The buffer is filled only up to the length the record is known to need, so a record is never
 * parsed twice and no byte is lost across chunk boundaries.
 *
 *   chunk n:    ... whole records ... | record k, first part  -> copied to the carry-over
 *   chunk n+1:  rest of record k (up to `need`) | whole records ...
 */

import type { CaptureFileErrorCode } from "../errors.js";
import type { Frame, FramePrefilter } from "./frame.js";
import { PcapParser } from "./pcap.js";
import { PCAPNG_MAGIC, PcapngParser } from "./pcapng.js";

export type CaptureFormat = "pcap" | "pcapng";

export interface CaptureFileError {
  code: CaptureFileErrorCode;
  detail: string;
}

/** Larger records or blocks are corrupt, not real: refusing them keeps the carry-over bounded. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * What PcapParser and PcapngParser share: parse() returns where the first incomplete record
 * starts (its full length then in `need`), or -1 with `error` set.
 */
interface FormatParser {
  readonly framesRead: number;
  readonly need: number;
  readonly error: CaptureFileError | null;
  parse(bytes: Uint8Array, view: DataView, offset: number, end: number, fileOffset: number): number;
}

export class CaptureFileReader {
  readonly #onFrame: (frame: Frame) => void;
  readonly #prefilter: FramePrefilter | undefined;
  /** Null until the magic number has been read. */
  #parser: FormatParser | null = null;
  #format: CaptureFormat | null = null;
  #error: CaptureFileError | null = null;

  /** The unfinished record copied from the end of earlier chunks, from its first byte. */
  #carry = new Uint8Array(0);
  #carryView = new DataView(this.#carry.buffer);
  #carryLength = 0;
  /** Bytes the carried record is known to need; always more than #carryLength while carrying. */
  #need = 0;
  /** File offset of the carried record, and of byte 0 of the buffer being parsed (for messages). */
  #carryFileOffset = 0;
  #bufferFileOffset = 0;
  #bytesPushed = 0;

  /** `prefilter`, when given, drops uninteresting records before a Frame is made for them. */
  constructor(onFrame: (frame: Frame) => void, prefilter?: FramePrefilter) {
    this.#onFrame = onFrame;
    this.#prefilter = prefilter;
  }

  get format(): CaptureFormat | null {
    return this.#format;
  }

  /**
   * A pcap file's LINKTYPE, from its header, once read; null before and for pcapng, where each
   * interface block names its own.
   */
  get linkType(): number | null {
    return this.#parser instanceof PcapParser ? this.#parser.linkType : null;
  }

  /** Frames read so far, prefiltered ones included; inside onFrame it counts the frame delivered. */
  get framesRead(): number {
    return this.#parser === null ? 0 : this.#parser.framesRead;
  }

  /** Feed the next bytes of the file. Returns an error once the file is unusable; after an error further pushes are ignored and return the same error. */
  push(chunk: Uint8Array): CaptureFileError | null {
    if (this.#error !== null) return this.#error;
    const chunkFileOffset = this.#bytesPushed;
    this.#bytesPushed += chunk.byteLength;
    let offset = 0;
    if (this.#carryLength > 0) {
      offset = this.#completeCarry(chunk);
      if (this.#error !== null || this.#carryLength > 0) return this.#error;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#bufferFileOffset = chunkFileOffset;
    const stop = this.#parse(chunk, view, offset, chunk.byteLength);
    if (stop < 0) return this.#error;
    if (stop < chunk.byteLength) {
      // Copy now: the caller may reuse the chunk's memory for the next read.
      this.#reserveCarry(this.#need);
      this.#carry.set(chunk.subarray(stop), 0);
      this.#carryLength = chunk.byteLength - stop;
      this.#carryFileOffset = chunkFileOffset + stop;
    }
    return null;
  }

  /** End of file: returns file-truncated if a partial header/record is left over (frames before it were delivered). */
  end(): CaptureFileError | null {
    if (this.#error !== null) return this.#error;
    if (this.#parser === null) {
      this.#fail(
        "not-a-capture-file",
        `only ${this.#bytesPushed} bytes: too short for a capture file`,
      );
    } else if (this.#carryLength > 0) {
      this.#fail(
        "file-truncated",
        `file ends inside the record at byte ${this.#carryFileOffset}: ` +
          `${this.#carryLength} of at least ${this.#need} bytes present`,
      );
    }
    return this.#error;
  }

  /** Tops up the carried record from the chunk, parses it once complete; returns bytes taken. */
  #completeCarry(chunk: Uint8Array): number {
    let taken = 0;
    for (;;) {
      const take = Math.min(this.#need - this.#carryLength, chunk.byteLength - taken);
      this.#carry.set(chunk.subarray(taken, taken + take), this.#carryLength);
      this.#carryLength += take;
      taken += take;
      if (this.#carryLength < this.#need) return taken;
      this.#bufferFileOffset = this.#carryFileOffset;
      const stop = this.#parse(this.#carry, this.#carryView, 0, this.#carryLength);
      if (stop < 0) return taken;
      if (stop === this.#carryLength) {
        this.#carryLength = 0;
        return taken;
      }
      // Only the record's header was complete; it has now told the full length (#need grew).
      // Anything else would loop forever: unreachable, but stop rather than hang.
      if (stop !== 0 || this.#need <= this.#carryLength) {
        this.#fail("bad-block", `reader lost its place at byte ${this.#carryFileOffset}`);
        return taken;
      }
      this.#reserveCarry(this.#need);
    }
  }

  #reserveCarry(bytes: number): void {
    if (this.#carry.byteLength >= bytes) return;
    const grown = new Uint8Array(Math.max(bytes, this.#carry.byteLength * 2, 4096));
    grown.set(this.#carry.subarray(0, this.#carryLength));
    this.#carry = grown;
    this.#carryView = new DataView(grown.buffer);
  }

  /** Parses whole records from offset; returns where the first incomplete one starts, or -1. */
  #parse(bytes: Uint8Array, view: DataView, offset: number, end: number): number {
    let parser = this.#parser;
    if (parser === null) {
      if (end - offset < 4) {
        this.#need = 4;
        return offset;
      }
      parser = this.#detectFormat(view.getUint32(offset, false));
      if (parser === null) return -1;
      this.#parser = parser;
    }
    const stop = parser.parse(bytes, view, offset, end, this.#bufferFileOffset);
    if (stop < 0) this.#error = parser.error;
    else this.#need = parser.need;
    return stop;
  }

  #detectFormat(magic: number): FormatParser | null {
    if (magic === PCAPNG_MAGIC) {
      this.#format = "pcapng";
      return new PcapngParser(this.#onFrame, MAX_RECORD_BYTES, this.#prefilter);
    }
    const pcap = PcapParser.forMagic(magic, this.#onFrame, MAX_RECORD_BYTES, this.#prefilter);
    if (pcap === null) {
      const hex = magic.toString(16).padStart(8, "0");
      this.#fail("not-a-capture-file", `unknown magic number 0x${hex}`);
      return null;
    }
    this.#format = "pcap";
    return pcap;
  }

  #fail(code: CaptureFileErrorCode, detail: string): void {
    this.#error = { code, detail };
  }
}
