/*
 * Capture file writers for tests, fixture generators and the benchmark.
 *
 * pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.txt):
 *   24-byte file header  magic | major 2, minor 4 | thiszone 0 | sigfigs 0 | snaplen | link type
 *   per frame            seconds | fraction (µs or ns) | incl_len | orig_len | data
 *
 * pcapng (draft-ietf-opsawg-pcapng §3.1, §4.1–4.4, Appendix A):
 *   block = type | total length | body padded to 32 bits | total length
 *   SHB, then one IDB per interface, then one EPB per frame. The block builders are exported so
 *   tests can assemble unusual files (SPB, OPB, unknown blocks, several sections) by hand.
 *
 * Timestamps are taken to the microsecond (a double of milliseconds holds no more for today's
 * dates) and rounded to the interface's resolution.
 */

import { closeSync, openSync, writeSync } from "node:fs";

export interface WrittenFrame {
  data: Uint8Array;
  timestampMs: number;
  originalLength?: number;
  interfaceId?: number;
}

export type ByteOrder = "le" | "be";

export interface PcapOptions {
  linkType?: number;
  byteOrder?: ByteOrder;
  resolution?: "us" | "ns";
  snapLen?: number;
}

export interface PcapngInterfaceOptions {
  linkType: number;
  /** Raw if_tsresol byte: 10^-n seconds, or 2^-(n & 0x7f) when the top bit is set. */
  tsresol?: number;
  /** if_tsoffset in seconds, added by readers to every timestamp. */
  tsoffset?: number;
  snapLen?: number;
}

export interface PcapngOptions {
  byteOrder?: ByteOrder;
  interfaces?: PcapngInterfaceOptions[];
}

const DEFAULT_SNAPLEN = 262_144;

/** Splits a millisecond timestamp into whole seconds and units of 1/unitsPerSecond. */
export function splitTimestamp(timestampMs: number, unitsPerSecond: bigint): [bigint, bigint] {
  const micros = BigInt(Math.round(timestampMs * 1000));
  const seconds = micros >= 0n ? micros / 1_000_000n : (micros - 999_999n) / 1_000_000n;
  const fracMicros = micros - seconds * 1_000_000n;
  // Round half up to the nearest unit; a carry into the next second is allowed by the formats.
  const units = (fracMicros * unitsPerSecond * 2n + 1_000_000n) / 2_000_000n;
  return [seconds, units];
}

function pcapRecordHeader(frame: WrittenFrame, nano: boolean): [number, number] {
  const [seconds, units] = splitTimestamp(frame.timestampMs, nano ? 1_000_000_000n : 1_000_000n);
  return [Number(seconds), Number(units)];
}

export function writePcap(frames: Iterable<WrittenFrame>, options: PcapOptions = {}): Buffer {
  const le = (options.byteOrder ?? "le") === "le";
  const nano = options.resolution === "ns";
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, at: number) =>
    le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at);
  const u16 = (b: Buffer, v: number, at: number) =>
    le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
  u32(header, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, options.snapLen ?? DEFAULT_SNAPLEN, 16);
  u32(header, options.linkType ?? 1, 20);
  parts.push(header);
  for (const frame of frames) {
    const record = Buffer.alloc(16 + frame.data.length);
    const [seconds, fraction] = pcapRecordHeader(frame, nano);
    u32(record, seconds, 0);
    u32(record, fraction, 4);
    u32(record, frame.data.length, 8);
    u32(record, frame.originalLength ?? frame.data.length, 12);
    record.set(frame.data, 16);
    parts.push(record);
  }
  return Buffer.concat(parts);
}

/** One pcapng block: type, total length, body padded to 32 bits, total length again. */
export function pcapngBlock(type: number, body: Uint8Array, byteOrder: ByteOrder = "le"): Buffer {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const block = Buffer.alloc(total);
  const le = byteOrder === "le";
  const u32 = (v: number, at: number) =>
    le ? block.writeUInt32LE(v >>> 0, at) : block.writeUInt32BE(v >>> 0, at);
  u32(type, 0);
  u32(total, 4);
  block.set(body, 8);
  u32(total, total - 4);
  return block;
}

/** An options list (code, length, value padded to 32 bits), ended by opt_endofopt. */
export function pcapngOptions(options: [number, Uint8Array][], byteOrder: ByteOrder): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const [code, value] of [...options, [0, new Uint8Array(0)] as [number, Uint8Array]]) {
    const option = Buffer.alloc(4 + ((value.length + 3) & ~3));
    if (byteOrder === "le") {
      option.writeUInt16LE(code, 0);
      option.writeUInt16LE(value.length, 2);
    } else {
      option.writeUInt16BE(code, 0);
      option.writeUInt16BE(value.length, 2);
    }
    option.set(value, 4);
    parts.push(option);
  }
  return Buffer.concat(parts);
}

export function sectionHeaderBlock(byteOrder: ByteOrder = "le", major = 1): Buffer {
  const body = Buffer.alloc(16);
  if (byteOrder === "le") {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(major, 4);
  } else {
    body.writeUInt32BE(0x1a2b3c4d, 0);
    body.writeUInt16BE(major, 4);
  }
  body.writeBigInt64LE(-1n, 8); // section length unknown: same bytes in either order
  return pcapngBlock(0x0a0d0d0a, body, byteOrder);
}

export function interfaceDescriptionBlock(
  iface: PcapngInterfaceOptions,
  byteOrder: ByteOrder = "le",
): Buffer {
  const le = byteOrder === "le";
  const fixed = Buffer.alloc(8);
  if (le) {
    fixed.writeUInt16LE(iface.linkType, 0);
    fixed.writeUInt32LE(iface.snapLen ?? 0, 4);
  } else {
    fixed.writeUInt16BE(iface.linkType, 0);
    fixed.writeUInt32BE(iface.snapLen ?? 0, 4);
  }
  const options: [number, Uint8Array][] = [];
  if (iface.tsresol !== undefined) options.push([9, Uint8Array.of(iface.tsresol)]);
  if (iface.tsoffset !== undefined) {
    const value = Buffer.alloc(8);
    if (le) value.writeBigInt64LE(BigInt(iface.tsoffset));
    else value.writeBigInt64BE(BigInt(iface.tsoffset));
    options.push([14, value]);
  }
  const body = Buffer.concat([fixed, pcapngOptions(options, byteOrder)]);
  return pcapngBlock(1, body, byteOrder);
}

/** Timestamp units per second for a raw if_tsresol byte (default 6: microseconds). */
export function unitsPerSecond(tsresol = 6): bigint {
  return tsresol & 0x80 ? 2n ** BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
}

function packetBody(
  frame: WrittenFrame,
  tsresol: number | undefined,
  tsoffset: number | undefined,
  byteOrder: ByteOrder,
  obsolete: boolean,
): Buffer {
  const perSecond = unitsPerSecond(tsresol);
  // A reader adds if_tsoffset, so the writer takes it away.
  const [seconds, units] = splitTimestamp(frame.timestampMs - (tsoffset ?? 0) * 1000, perSecond);
  const timestamp = BigInt.asUintN(64, seconds * perSecond + units);
  const body = Buffer.alloc(20 + frame.data.length);
  const le = byteOrder === "le";
  const u32 = (v: number, at: number) =>
    le ? body.writeUInt32LE(v >>> 0, at) : body.writeUInt32BE(v >>> 0, at);
  const interfaceId = frame.interfaceId ?? 0;
  if (obsolete) {
    if (le) body.writeUInt16LE(interfaceId, 0);
    else body.writeUInt16BE(interfaceId, 0);
  } else {
    u32(interfaceId, 0);
  }
  u32(Number(timestamp >> 32n), 4);
  u32(Number(timestamp & 0xffffffffn), 8);
  u32(frame.data.length, 12);
  u32(frame.originalLength ?? frame.data.length, 16);
  body.set(frame.data, 20);
  return body;
}

export function enhancedPacketBlock(
  frame: WrittenFrame,
  iface: Pick<PcapngInterfaceOptions, "tsresol" | "tsoffset"> = {},
  byteOrder: ByteOrder = "le",
): Buffer {
  return pcapngBlock(
    6,
    packetBody(frame, iface.tsresol, iface.tsoffset, byteOrder, false),
    byteOrder,
  );
}

/** Obsolete Packet Block (type 2): an EPB with a 16-bit interface id and a drops count. */
export function obsoletePacketBlock(
  frame: WrittenFrame,
  iface: Pick<PcapngInterfaceOptions, "tsresol" | "tsoffset"> = {},
  byteOrder: ByteOrder = "le",
): Buffer {
  return pcapngBlock(
    2,
    packetBody(frame, iface.tsresol, iface.tsoffset, byteOrder, true),
    byteOrder,
  );
}

/** Simple Packet Block (type 3): original length and data, no interface id or timestamp. */
export function simplePacketBlock(
  data: Uint8Array,
  originalLength = data.length,
  byteOrder: ByteOrder = "le",
): Buffer {
  const body = Buffer.alloc(4 + data.length);
  if (byteOrder === "le") body.writeUInt32LE(originalLength, 0);
  else body.writeUInt32BE(originalLength, 0);
  body.set(data, 4);
  return pcapngBlock(3, body, byteOrder);
}

export function writePcapng(frames: Iterable<WrittenFrame>, options: PcapngOptions = {}): Buffer {
  const byteOrder = options.byteOrder ?? "le";
  const interfaces = options.interfaces ?? [{ linkType: 1 }];
  const parts: Buffer[] = [sectionHeaderBlock(byteOrder)];
  for (const iface of interfaces) parts.push(interfaceDescriptionBlock(iface, byteOrder));
  for (const frame of frames) {
    const iface = interfaces[frame.interfaceId ?? 0];
    if (iface === undefined)
      throw new Error(`frame names undefined interface ${frame.interfaceId}`);
    parts.push(enhancedPacketBlock(frame, iface, byteOrder));
  }
  return Buffer.concat(parts);
}

/**
 * Streams a little-endian microsecond pcap to a file: records are packed into a 1 MiB batch
 * buffer and written with writeSync, so a million-frame file costs a few hundred syscalls.
 */
export class PcapFileWriter {
  readonly #fd: number;
  readonly #batch = Buffer.allocUnsafe(1 << 20);
  #used = 0;
  #closed = false;

  constructor(path: string, options: { linkType?: number; snapLen?: number } = {}) {
    this.#fd = openSync(path, "w");
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(options.snapLen ?? DEFAULT_SNAPLEN, 16);
    header.writeUInt32LE(options.linkType ?? 1, 20);
    this.#append(header);
  }

  write(frame: WrittenFrame): void {
    if (this.#closed) throw new Error("PcapFileWriter: write after close");
    const micros = Math.round(frame.timestampMs * 1000);
    const seconds = Math.floor(micros / 1e6);
    const needed = 16 + frame.data.length;
    if (this.#used + needed > this.#batch.length) this.#flush();
    if (needed > this.#batch.length) {
      const record = Buffer.alloc(needed);
      this.#fillRecord(record, 0, frame, seconds, micros - seconds * 1e6);
      writeSync(this.#fd, record);
      return;
    }
    this.#fillRecord(this.#batch, this.#used, frame, seconds, micros - seconds * 1e6);
    this.#used += needed;
  }

  close(): void {
    if (this.#closed) return;
    this.#flush();
    closeSync(this.#fd);
    this.#closed = true;
  }

  #fillRecord(
    target: Buffer,
    at: number,
    frame: WrittenFrame,
    seconds: number,
    micros: number,
  ): void {
    target.writeUInt32LE(seconds, at);
    target.writeUInt32LE(micros, at + 4);
    target.writeUInt32LE(frame.data.length, at + 8);
    target.writeUInt32LE(frame.originalLength ?? frame.data.length, at + 12);
    target.set(frame.data, at + 16);
  }

  #append(bytes: Uint8Array): void {
    this.#batch.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  #flush(): void {
    let written = 0;
    while (written < this.#used) {
      written += writeSync(this.#fd, this.#batch, written, this.#used - written);
    }
    this.#used = 0;
  }
}
