/*
 * Incremental reader for capture files: classic pcap and pcapng, fed in chunks of any size.
 *
 * pcap — https://www.tcpdump.org/manpages/pcap-savefile.5.txt, draft-ietf-opsawg-pcap §4 and §5.
 * All fields are in the writer's byte order, told by the magic number.
 *
 *   file header (24 bytes)                       record header (16 bytes), then incl_len bytes
 *   +0  magic a1b2c3d4 (µs) / a1b23c4d (ns)      +0  timestamp seconds
 *   +4  major 2 (u16) | minor 4 (u16)            +4  timestamp fraction (µs or ns)
 *   +8  thiszone (ignored, always 0)             +8  incl_len: captured bytes that follow
 *   +12 sigfigs (ignored)                        +12 orig_len: length on the wire
 *   +16 snaplen
 *   +20 network: LINKTYPE in the low 16 bits, FCS flags above (ignored)
 *
 * pcapng — draft-ietf-opsawg-pcapng: §3.1 general block structure, §4.1 SHB, §4.2 IDB
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
 * Chunks are parsed in place: a frame's data is a view into the chunk (zero copy). Only a record
 * that straddles two chunks is assembled in a carry-over buffer, which holds at most one record.
 * The buffer is filled only up to the length the record is known to need, so a record is never
 * parsed twice and no byte is lost across chunk boundaries.
 */

import type { CaptureFileErrorCode } from "../errors.js";
import type { Frame } from "./frame.js";

export type CaptureFormat = "pcap" | "pcapng";

export interface CaptureFileError {
  code: CaptureFileErrorCode;
  detail: string;
}

/** Larger records or blocks are corrupt, not real: refusing them keeps the carry-over bounded. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** libpcap's own limit for incl_len when the header's snaplen is smaller (MAXIMUM_SNAPLEN). */
const PCAP_MIN_RECORD_LIMIT = 262_144;

const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
const PCAP_MICRO_SWAPPED = 0xd4c3b2a1;
const PCAP_NANO_SWAPPED = 0x4d3cb2a1;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_SHB = 0x0a0d0d0a;
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

/** Where the reader is in the file; the format is fixed once the magic is read. */
const AWAIT_MAGIC = 0;
const AWAIT_PCAP_HEADER = 1;
const PCAP_RECORDS = 2;
const PCAPNG_BLOCKS = 3;

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

export class CaptureFileReader {
  readonly #onFrame: (frame: Frame) => void;
  #state = AWAIT_MAGIC;
  #format: CaptureFormat | null = null;
  #error: CaptureFileError | null = null;
  #framesRead = 0;
  /** Byte order of the pcap file or of the current pcapng section. */
  #littleEndian = true;

  #pcapLinkType = 0;
  #pcapFracDivisor = 1000;
  #pcapMaxRecord = 0;

  #interfaces: PcapngInterface[] = [];
  #sectionsSeen = 0;
  /** Simple packet blocks carry no timestamp; they inherit the previous frame's. */
  #lastTimestampMs = 0;

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

  constructor(onFrame: (frame: Frame) => void) {
    this.#onFrame = onFrame;
  }

  get format(): CaptureFormat | null {
    return this.#format;
  }

  /** Frames delivered so far; inside onFrame it already counts the frame being delivered. */
  get framesRead(): number {
    return this.#framesRead;
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
    if (this.#state === AWAIT_MAGIC) {
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
    if (this.#state === AWAIT_MAGIC) {
      if (end - offset < 4) return this.#wait(offset, 4);
      if (!this.#detectFormat(view.getUint32(offset, false))) return -1;
    }
    if (this.#state === AWAIT_PCAP_HEADER) {
      if (end - offset < 24) return this.#wait(offset, 24);
      if (!this.#readPcapHeader(view, offset)) return -1;
      offset += 24;
    }
    return this.#state === PCAP_RECORDS
      ? this.#readPcapRecords(bytes, view, offset, end)
      : this.#readPcapngBlocks(bytes, view, offset, end);
  }

  #detectFormat(magic: number): boolean {
    if (magic === BLOCK_SHB) {
      this.#format = "pcapng";
      this.#state = PCAPNG_BLOCKS;
      return true;
    }
    if (magic === PCAP_MICRO || magic === PCAP_NANO) this.#littleEndian = false;
    else if (magic === PCAP_MICRO_SWAPPED || magic === PCAP_NANO_SWAPPED) this.#littleEndian = true;
    else {
      const hex = magic.toString(16).padStart(8, "0");
      return this.#refuse("not-a-capture-file", `unknown magic number 0x${hex}`);
    }
    this.#pcapFracDivisor = magic === PCAP_NANO || magic === PCAP_NANO_SWAPPED ? 1e6 : 1000;
    this.#format = "pcap";
    this.#state = AWAIT_PCAP_HEADER;
    return true;
  }

  #readPcapHeader(view: DataView, offset: number): boolean {
    const le = this.#littleEndian;
    const major = view.getUint16(offset + 4, le);
    if (major !== 2) {
      const minor = view.getUint16(offset + 6, le);
      return this.#refuse("unsupported-version", `pcap version ${major}.${minor} (need 2.x)`);
    }
    const snapLen = view.getUint32(offset + 16, le);
    this.#pcapMaxRecord = Math.min(Math.max(snapLen, PCAP_MIN_RECORD_LIMIT), MAX_RECORD_BYTES);
    this.#pcapLinkType = view.getUint32(offset + 20, le) & 0xffff;
    this.#state = PCAP_RECORDS;
    return true;
  }

  // The hot loop: kept free of allocations apart from the frame and its view.
  #readPcapRecords(bytes: Uint8Array, view: DataView, offset: number, end: number): number {
    const le = this.#littleEndian;
    const linkType = this.#pcapLinkType;
    const fracDivisor = this.#pcapFracDivisor;
    const maxRecord = this.#pcapMaxRecord;
    const onFrame = this.#onFrame;
    while (end - offset >= 16) {
      const included = view.getUint32(offset + 8, le);
      if (included > maxRecord) {
        return this.#fail("bad-block", this.#at(offset, `pcap record claims ${included} bytes`));
      }
      const dataStart = offset + 16;
      const next = dataStart + included;
      if (next > end) return this.#wait(offset, 16 + included);
      const timestampMs =
        view.getUint32(offset, le) * 1000 + view.getUint32(offset + 4, le) / fracDivisor;
      const originalLength = view.getUint32(offset + 12, le);
      this.#framesRead++;
      onFrame({ linkType, data: bytes.subarray(dataStart, next), timestampMs, originalLength });
      offset = next;
    }
    return offset < end ? this.#wait(offset, 16) : offset;
  }

  #readPcapngBlocks(bytes: Uint8Array, view: DataView, offset: number, end: number): number {
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
          return this.#fail(code, this.#at(offset, "section header without byte-order magic"));
        }
      }
      const total = view.getUint32(offset + 4, le);
      if (total < 12 || total % 4 !== 0 || total > MAX_RECORD_BYTES) {
        return this.#fail("bad-block", this.#at(offset, `block total length ${total}`));
      }
      if (available < total) return this.#wait(offset, total);
      if (view.getUint32(offset + total - 4, le) !== total) {
        return this.#fail("bad-block", this.#at(offset, "block's trailing length differs"));
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
      return this.#refuse("unsupported-version", this.#at(offset, `pcapng version ${version}`));
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
        return this.#refuse("bad-block", this.#at(offset, `option ${code} overruns its block`));
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
      return this.#refuse("bad-block", this.#at(offset, detail));
    }
    if (type === BLOCK_SPB) {
      if (iface.snapLen !== 0 && iface.snapLen < captured) captured = iface.snapLen;
    } else {
      const high = view.getUint32(offset + 12, le);
      const low = view.getUint32(offset + 16, le);
      timestampMs = unitsToMs(high, low, iface.divisor, iface.fracDivisor) + iface.offsetMs;
      this.#lastTimestampMs = timestampMs;
    }
    this.#framesRead++;
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
    return this.#refuse("bad-block", this.#at(offset, detail));
  }

  #at(offset: number, detail: string): string {
    return `${detail} at byte ${this.#bufferFileOffset + offset}`;
  }

  /** Records that the unit at offset needs `bytes` bytes in all; returns offset. */
  #wait(offset: number, bytes: number): number {
    this.#need = bytes;
    return offset;
  }

  #fail(code: CaptureFileErrorCode, detail: string): -1 {
    this.#error = { code, detail };
    return -1;
  }

  #refuse(code: CaptureFileErrorCode, detail: string): false {
    this.#fail(code, detail);
    return false;
  }
}
