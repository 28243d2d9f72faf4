/*
 * pcapng: sections, interfaces and packet blocks, for CaptureFileReader.
 *
 * draft-ietf-opsawg-pcapng: §3.1 general block structure, §4.1 SHB, §4.2 IDB
 * (§4.2 options if_tsresol = 9, if_tsoffset = 14), §4.3 EPB, §4.4 SPB, Appendix A OPB.
 * Fields are in the byte order of the enclosing section, told by the SHB's byte-order magic.
 *
 *   every block:  +0 block type | +4 block total length | +8 body ... | total length again
 *   SHB 0a0d0d0a  +8 byte-order magic 1a2b3c4d | +12 major 1 (u16), minor | +16 section len (64) | options
 *   IDB 1         +8 link type (u16), reserved (u16) | +12 snaplen | +16 options
 *   EPB 6         +8 interface id | +12 ts high | +16 ts low | +20 captured len | +24 original len
 *                 | +28 data, padded to 32 bits | options
 *   OPB 2         as EPB, but +8 is interface id (u16) and drops count (u16)
 *   SPB 3         +8 original len | +12 data; captured = min(original, snaplen, total - 16)
 *   any other type (NRB, ISB, DSB, custom, ...) is skipped by its total length.
 *
 *   option (IDB): +0 code (u16) | +2 length (u16) | +4 value, padded to 32 bits; code 0 ends the list
 */

import type { CaptureFileErrorCode } from "../errors.js";
import type { CaptureFileError } from "./captureFile.js";
import type { Frame, FramePrefilter } from "./frame.js";

/** The SHB's block type, which is also the file's magic number (the same in both byte orders). */
export const PCAPNG_MAGIC = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_SHB = PCAPNG_MAGIC;
const BLOCK_IDB = 1;
const BLOCK_OPB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

const TWO_POW_32 = 4_294_967_296;
/** Above this many units per second the exact split in `unitsToMs` could exceed 2^53. */
const MAX_EXACT_DIVISOR = 2 ** 36;

interface PcapngInterface {
  readonly linkType: number;
  /** 0 means "no limit", as in the IDB. */
  readonly snapLen: number;
  /** Timestamp units per second (10^n or 2^n from if_tsresol). */
  readonly divisor: number;
  /** divisor / 1000: dividing the sub-second units by it yields milliseconds. */
  readonly fracDivisor: number;
  /** if_tsoffset, in milliseconds. */
  readonly offsetMs: number;
}

/**
 * Milliseconds for a 64-bit timestamp (high * 2^32 + low) counted in 1/divisor seconds. The
 * count itself can exceed 2^53 (nanoseconds since 1970 do), so seconds and the sub-second
 * remainder are split out with 16-bit long division, each step staying below 2^53 and exact.
 */
function unitsToMs(high: number, low: number, divisor: number, fracDivisor: number): number {
  if (divisor > MAX_EXACT_DIVISOR) return ((high * TWO_POW_32 + low) / divisor) * 1000;
  const highSeconds = Math.floor(high / divisor);
  const rest1 = (high - highSeconds * divisor) * 65_536 + (low >>> 16);
  const seconds1 = Math.floor(rest1 / divisor);
  const rest2 = (rest1 - seconds1 * divisor) * 65_536 + (low & 0xffff);
  const seconds2 = Math.floor(rest2 / divisor);
  const seconds = highSeconds * TWO_POW_32 + seconds1 * 65_536 + seconds2;
  // Same formula as for pcap records, so a pcap and its pcapng conversion agree to the bit.
  return seconds * 1000 + (rest2 - seconds2 * divisor) / fracDivisor;
}

/** Units per second for an if_tsresol byte: 10^n, or 2^n when the top bit is set. */
function resolutionDivisor(tsresol: number): number {
  return tsresol & 0x80 ? 2 ** (tsresol & 0x7f) : 10 ** tsresol;
}

const BLOCK_NAMES: Record<number, string> = {
  [BLOCK_SHB]: "section header block",
  [BLOCK_IDB]: "interface description block",
  [BLOCK_OPB]: "packet block",
  [BLOCK_SPB]: "simple packet block",
  [BLOCK_EPB]: "enhanced packet block",
};

/**
 * Parses whole blocks of one pcapng file, in place, from its first SHB on. parse() returns where
 * the first incomplete block starts (its full length then in `need`), or -1 with `error` set.
 */
export class PcapngParser {
  framesRead = 0;
  need = 0;
  error: CaptureFileError | null = null;

  readonly #onFrame: (frame: Frame) => void;
  /** The reader's bound on any block. */
  readonly #blockLimit: number;
  /** Byte order of the current section. */
  #littleEndian = true;
  #interfaces: PcapngInterface[] = [];
  #sectionsSeen = 0;
  /** Simple packet blocks carry no timestamp; they inherit the previous frame's. */
  #lastTimestampMs = 0;
  /** File offset of byte 0 of the buffer being parsed (for messages). */
  #fileOffset = 0;

  readonly #prefilter: FramePrefilter | undefined;

  constructor(onFrame: (frame: Frame) => void, blockLimit: number, prefilter?: FramePrefilter) {
    this.#onFrame = onFrame;
    this.#prefilter = prefilter;
    this.#blockLimit = blockLimit;
  }

  parse(
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    end: number,
    fileOffset: number,
  ): number {
    this.#fileOffset = fileOffset;
    while (offset < end) {
      const available = end - offset;
      if (available < 8) return this.#wait(offset, 8);
      // The SHB type reads the same in both byte orders; its own order follows it.
      const type = view.getUint32(offset, this.#littleEndian);
      let le = this.#littleEndian;
      if (type === BLOCK_SHB) {
        if (available < 12) return this.#wait(offset, 12);
        const byteOrderMagic = view.getUint32(offset + 8, true);
        if (byteOrderMagic === PCAPNG_BYTE_ORDER_MAGIC) le = true;
        else if (view.getUint32(offset + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
        else {
          const code = this.#sectionsSeen === 0 ? "not-a-capture-file" : "bad-block";
          return this.#fail(code, offset, "section header without byte-order magic");
        }
      }
      const total = view.getUint32(offset + 4, le);
      if (total < 12 || total % 4 !== 0 || total > this.#blockLimit) {
        return this.#fail("bad-block", offset, `block total length ${total}`);
      }
      if (available < total) return this.#wait(offset, total);
      if (view.getUint32(offset + total - 4, le) !== total) {
        return this.#fail("bad-block", offset, "block's trailing length differs");
      }
      let ok = true; // NRB, ISB, DSB, custom and unknown blocks: skipped by their length.
      if (type === BLOCK_EPB || type === BLOCK_OPB || type === BLOCK_SPB) {
        ok = this.#readPacketBlock(bytes, view, offset, total, type);
      } else if (type === BLOCK_IDB) ok = this.#readInterface(bytes, view, offset, total);
      else if (type === BLOCK_SHB) ok = this.#startSection(view, offset, total, le);
      if (!ok) return -1;
      offset += total;
    }
    return offset;
  }

  #startSection(view: DataView, offset: number, total: number, le: boolean): boolean {
    if (total < 28) return this.#badBlock(offset, BLOCK_SHB, total);
    const major = view.getUint16(offset + 12, le);
    if (major !== 1) {
      const version = `${major}.${view.getUint16(offset + 14, le)}`;
      return this.#refuse("unsupported-version", offset, `pcapng version ${version}`);
    }
    this.#littleEndian = le;
    this.#interfaces = [];
    this.#sectionsSeen++;
    return true;
  }

  #readInterface(bytes: Uint8Array, view: DataView, offset: number, total: number): boolean {
    if (total < 20) return this.#badBlock(offset, BLOCK_IDB, total);
    const le = this.#littleEndian;
    let tsresol = 6;
    let offsetSeconds = 0;
    const optionsEnd = offset + total - 4;
    let option = offset + 16;
    while (optionsEnd - option >= 4) {
      const code = view.getUint16(option, le);
      const length = view.getUint16(option + 2, le);
      const value = option + 4;
      if (code === OPTION_END) break;
      // A bad option list could hide the interface's resolution: refuse it rather than guess.
      if (length > optionsEnd - value) {
        return this.#refuse("bad-block", offset, `option ${code} overruns its block`);
      }
      if (code === OPTION_IF_TSRESOL && length >= 1) tsresol = bytes[value] ?? 6;
      else if (code === OPTION_IF_TSOFFSET && length >= 8) {
        const high = view.getInt32(value + (le ? 4 : 0), le);
        offsetSeconds = high * TWO_POW_32 + view.getUint32(value + (le ? 0 : 4), le);
      }
      option = value + ((length + 3) & ~3);
    }
    const divisor = resolutionDivisor(tsresol);
    this.#interfaces.push({
      linkType: view.getUint16(offset + 8, le),
      snapLen: view.getUint32(offset + 12, le),
      divisor,
      fracDivisor: divisor / 1000,
      offsetMs: offsetSeconds * 1000,
    });
    return true;
  }

  #readPacketBlock(
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    total: number,
    type: number,
  ): boolean {
    const le = this.#littleEndian;
    let interfaceId = 0;
    let captured: number;
    let originalLength: number;
    let dataStart: number;
    let timestampMs: number;
    if (type === BLOCK_SPB) {
      if (total < 16) return this.#badBlock(offset, type, total);
      originalLength = view.getUint32(offset + 8, le);
      dataStart = offset + 12;
      captured = Math.min(originalLength, total - 16);
      timestampMs = this.#lastTimestampMs;
    } else {
      if (total < 32) return this.#badBlock(offset, type, total);
      interfaceId =
        type === BLOCK_EPB ? view.getUint32(offset + 8, le) : view.getUint16(offset + 8, le);
      captured = view.getUint32(offset + 20, le);
      originalLength = view.getUint32(offset + 24, le);
      dataStart = offset + 28;
      // total - 32 is a multiple of 4, so this also leaves room for the padding.
      if (captured > total - 32) return this.#badBlock(offset, type, total);
      timestampMs = 0;
    }
    const iface = this.#interfaces[interfaceId];
    if (iface === undefined) {
      const detail = `${BLOCK_NAMES[type]} names interface ${interfaceId}, which is not defined`;
      return this.#refuse("bad-block", offset, detail);
    }
    if (type === BLOCK_SPB) {
      if (iface.snapLen !== 0 && iface.snapLen < captured) captured = iface.snapLen;
    } else {
      const high = view.getUint32(offset + 12, le);
      const low = view.getUint32(offset + 16, le);
      timestampMs = unitsToMs(high, low, iface.divisor, iface.fracDivisor) + iface.offsetMs;
      this.#lastTimestampMs = timestampMs;
    }
    this.framesRead++;
    if (this.#prefilter?.(iface.linkType, bytes, dataStart, dataStart + captured)) return true;
    this.#onFrame({
      linkType: iface.linkType,
      data: bytes.subarray(dataStart, dataStart + captured),
      timestampMs,
      originalLength,
    });
    return true;
  }

  #badBlock(offset: number, type: number, total: number): boolean {
    const detail = `${BLOCK_NAMES[type]} too short for its contents (${total} bytes)`;
    return this.#refuse("bad-block", offset, detail);
  }

  /** Records that the block at offset needs `bytes` bytes in all; returns offset. */
  #wait(offset: number, bytes: number): number {
    this.need = bytes;
    return offset;
  }

  #fail(code: CaptureFileErrorCode, offset: number, detail: string): -1 {
    this.error = { code, detail: `${detail} at byte ${this.#fileOffset + offset}` };
    return -1;
  }

  #refuse(code: CaptureFileErrorCode, offset: number, detail: string): false {
    this.#fail(code, offset, detail);
    return false;
  }
}
