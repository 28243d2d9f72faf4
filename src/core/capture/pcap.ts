/*
 * Classic pcap: the file header and the records after it, for CaptureFileReader.
 *
 * https://www.tcpdump.org/manpages/pcap-savefile.5.txt, draft-ietf-opsawg-pcap §4 and §5.
 * All fields are in the writer's byte order, told by the magic number.
 *
 *   file header (24 bytes)                       record header (16 bytes), then incl_len bytes
 *   +0  magic a1b2c3d4 (µs) / a1b23c4d (ns)      +0  timestamp seconds
 *   +4  major 2 (u16) | minor 4 (u16)            +4  timestamp fraction (µs or ns)
 *   +8  thiszone (ignored, always 0)             +8  incl_len: captured bytes that follow
 *   +12 sigfigs (ignored)                        +12 orig_len: length on the wire
 *   +16 snaplen
 *   +20 network: LINKTYPE in the low 16 bits, FCS flags above (ignored)
 */

import type { CaptureFileErrorCode } from "../errors.js";
import type { CaptureFileError } from "./captureFile.js";
import type { Frame, FramePrefilter } from "./frame.js";

/** libpcap's own limit for incl_len when the header's snaplen is smaller (MAXIMUM_SNAPLEN). */
const PCAP_MIN_RECORD_LIMIT = 262_144;

const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
const PCAP_MICRO_SWAPPED = 0xd4c3b2a1;
const PCAP_NANO_SWAPPED = 0x4d3cb2a1;

/**
 * Parses the header and then whole records of one pcap file, in place. parse() returns where the
 * first incomplete unit starts (its full length then in `need`), or -1 with `error` set.
 */
export class PcapParser {
  framesRead = 0;
  need = 0;
  error: CaptureFileError | null = null;

  readonly #onFrame: (frame: Frame) => void;
  readonly #littleEndian: boolean;
  readonly #fracDivisor: number;
  /** The reader's bound on any record, whatever the snaplen says. */
  readonly #recordLimit: number;
  #headerRead = false;
  #linkType = 0;
  #maxRecord = 0;
  /** File offset of byte 0 of the buffer being parsed (for messages). */
  #fileOffset = 0;

  /** The file's LINKTYPE (its header's `network`), or null until the header has been read. */
  get linkType(): number | null {
    return this.#headerRead ? this.#linkType : null;
  }

  /** The parser for a file opening with `magic` (read big-endian), or null if that is not pcap. */
  static forMagic(
    magic: number,
    onFrame: (frame: Frame) => void,
    recordLimit: number,
    prefilter?: FramePrefilter,
  ): PcapParser | null {
    let littleEndian: boolean;
    if (magic === PCAP_MICRO || magic === PCAP_NANO) littleEndian = false;
    else if (magic === PCAP_MICRO_SWAPPED || magic === PCAP_NANO_SWAPPED) littleEndian = true;
    else return null;
    const fracDivisor = magic === PCAP_NANO || magic === PCAP_NANO_SWAPPED ? 1e6 : 1000;
    return new PcapParser(onFrame, littleEndian, fracDivisor, recordLimit, prefilter);
  }

  readonly #prefilter: FramePrefilter | undefined;

  private constructor(
    onFrame: (frame: Frame) => void,
    littleEndian: boolean,
    fracDivisor: number,
    recordLimit: number,
    prefilter: FramePrefilter | undefined,
  ) {
    this.#onFrame = onFrame;
    this.#prefilter = prefilter;
    this.#littleEndian = littleEndian;
    this.#fracDivisor = fracDivisor;
    this.#recordLimit = recordLimit;
  }

  /** `offset` is at the file header until it has been read, then at a record. */
  parse(
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    end: number,
    fileOffset: number,
  ): number {
    this.#fileOffset = fileOffset;
    if (!this.#headerRead) {
      if (end - offset < 24) return this.#wait(offset, 24);
      if (!this.#readHeader(view, offset)) return -1;
      offset += 24;
    }
    return this.#readRecords(bytes, view, offset, end);
  }

  #readHeader(view: DataView, offset: number): boolean {
    const le = this.#littleEndian;
    const major = view.getUint16(offset + 4, le);
    if (major !== 2) {
      const minor = view.getUint16(offset + 6, le);
      this.error = {
        code: "unsupported-version",
        detail: `pcap version ${major}.${minor} (need 2.x)`,
      };
      return false;
    }
    const snapLen = view.getUint32(offset + 16, le);
    this.#maxRecord = Math.min(Math.max(snapLen, PCAP_MIN_RECORD_LIMIT), this.#recordLimit);
    this.#linkType = view.getUint32(offset + 20, le) & 0xffff;
    this.#headerRead = true;
    return true;
  }

  // The hot loop: kept free of allocations apart from the frame and its view.
  #readRecords(bytes: Uint8Array, view: DataView, offset: number, end: number): number {
    const le = this.#littleEndian;
    const linkType = this.#linkType;
    const fracDivisor = this.#fracDivisor;
    const maxRecord = this.#maxRecord;
    const onFrame = this.#onFrame;
    const prefilter = this.#prefilter;
    while (end - offset >= 16) {
      const included = view.getUint32(offset + 8, le);
      if (included > maxRecord) {
        return this.#fail("bad-block", offset, `pcap record claims ${included} bytes`);
      }
      const dataStart = offset + 16;
      const next = dataStart + included;
      if (next > end) return this.#wait(offset, 16 + included);
      this.framesRead++;
      if (prefilter?.(linkType, bytes, dataStart, next)) {
        offset = next;
        continue;
      }
      const timestampMs =
        view.getUint32(offset, le) * 1000 + view.getUint32(offset + 4, le) / fracDivisor;
      const originalLength = view.getUint32(offset + 12, le);
      onFrame({ linkType, data: bytes.subarray(dataStart, next), timestampMs, originalLength });
      offset = next;
    }
    return offset < end ? this.#wait(offset, 16) : offset;
  }

  /** Records that the unit at offset needs `bytes` bytes in all; returns offset. */
  #wait(offset: number, bytes: number): number {
    this.need = bytes;
    return offset;
  }

  #fail(code: CaptureFileErrorCode, offset: number, detail: string): -1 {
    this.error = { code, detail: `${detail} at byte ${this.#fileOffset + offset}` };
    return -1;
  }
}
