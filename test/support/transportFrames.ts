/*
 * TCP and SCTP frames for tests, with checksums tshark accepts (checked with tshark 4.0:
 * tcp.check_checksum and sctp.checksum:CRC-32C report "Good"). Addresses, MACs and VLAN tags
 * as in frameBuilder.ts.
 *
 *   TCP (RFC 9293 §3.1): 20-byte header, no options, window 65535, checksum over the IPv4
 *     (RFC 9293 §3.1) or IPv6 (RFC 8200 §8.1) pseudo-header.
 *   SCTP (RFC 9260 §3.1): common header with the CRC32c of Appendix B, then the chunks given:
 *     DATA chunks (§3.3.1) built from their fields, any other chunk raw; each padded to 4.
 */

import {
  concat,
  ethernetFrame,
  internetChecksum,
  ipPacketAround,
  parseIpAddress,
  payloadBytes,
  pseudoHeader,
  type UdpFrameSpec,
} from "./frameBuilder.js";

const PROTOCOL_TCP = 6;
const PROTOCOL_SCTP = 132;

export interface TcpFrameSpec extends UdpFrameSpec {
  seq: number;
  ack?: number;
  /** Letters of the flags set: S(YN), F(IN), R(ST), P(SH), A(CK); default "PA" ("A" if empty). */
  flags?: string;
}

/** One Ethernet frame carrying a TCP segment (IPv4 or IPv6 by the address text). */
export function tcpFrame(spec: TcpFrameSpec): Uint8Array {
  return ethernetFrame(ipTcpPacket(spec), spec);
}

/** IP header + TCP, no link layer. */
export function ipTcpPacket(spec: TcpFrameSpec): Uint8Array {
  const source = parseIpAddress(spec.src);
  const destination = parseIpAddress(spec.dst);
  const data = payloadBytes(spec.payload);
  const segment = new Uint8Array(20 + data.length);
  writeU16(segment, 0, spec.srcPort);
  writeU16(segment, 2, spec.dstPort);
  writeU32(segment, 4, spec.seq >>> 0);
  const flagLetters = spec.flags ?? (data.length > 0 ? "PA" : "A");
  const bits: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };
  let flags = 0;
  for (const letter of flagLetters) flags |= bits[letter] ?? 0;
  writeU32(segment, 8, flags & 0x10 ? (spec.ack ?? 1) >>> 0 : 0);
  segment[12] = 5 << 4;
  segment[13] = flags;
  writeU16(segment, 14, 65_535);
  segment.set(data, 20);
  const pseudo = pseudoHeader(source, destination, PROTOCOL_TCP, segment.length);
  writeU16(segment, 16, internetChecksum(pseudo, segment));
  return ipPacketAround(spec, PROTOCOL_TCP, segment);
}

export interface SctpDataChunkSpec {
  tsn: number;
  streamId?: number;
  streamSequence?: number;
  ppid?: number;
  /** Letters of the DATA flags set: B(eginning), E(nding), U(nordered); default "BE". */
  flags?: string;
  payload: Uint8Array | string;
}

export interface SctpFrameSpec extends Omit<UdpFrameSpec, "payload"> {
  verificationTag?: number;
  /** DATA chunks by their fields, any other chunk as its raw type, flags and value. */
  chunks: (SctpDataChunkSpec | { type: number; flags?: number; value: Uint8Array })[];
}

/** One Ethernet frame carrying an SCTP packet. */
export function sctpFrame(spec: SctpFrameSpec): Uint8Array {
  return ethernetFrame(ipSctpPacket(spec), spec);
}

/** IP header + SCTP, no link layer (wrap it with sllFrame for Linux cooked captures). */
export function ipSctpPacket(spec: SctpFrameSpec): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array(12)];
  const header = parts[0] as Uint8Array;
  writeU16(header, 0, spec.srcPort);
  writeU16(header, 2, spec.dstPort);
  writeU32(header, 4, spec.verificationTag ?? 0x1234_5678);
  for (const chunk of spec.chunks) {
    let type: number;
    let flags: number;
    let value: Uint8Array;
    if ("tsn" in chunk) {
      const data = payloadBytes(chunk.payload);
      type = 0;
      flags = 0;
      for (const letter of chunk.flags ?? "BE") flags |= { E: 1, B: 2, U: 4 }[letter] ?? 0;
      value = new Uint8Array(12 + data.length);
      writeU32(value, 0, chunk.tsn >>> 0);
      writeU16(value, 4, chunk.streamId ?? 0);
      writeU16(value, 6, chunk.streamSequence ?? 0);
      writeU32(value, 8, chunk.ppid ?? 0);
      value.set(data, 12);
    } else {
      ({ type, value } = chunk);
      flags = chunk.flags ?? 0;
    }
    const bytes = new Uint8Array((4 + value.length + 3) & ~3);
    bytes[0] = type;
    bytes[1] = flags;
    writeU16(bytes, 2, 4 + value.length);
    bytes.set(value, 4);
    parts.push(bytes);
  }
  const packet = concat(...parts);
  // RFC 9260 Appendix B: CRC32c over the packet with a zero checksum, sent least significant
  // byte first.
  const crc = crc32c(packet);
  for (let i = 0; i < 4; i++) packet[8 + i] = (crc >>> (8 * i)) & 0xff;
  return ipPacketAround(spec, PROTOCOL_SCTP, packet);
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as SCTP uses it. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  writeU16(bytes, offset, (value >>> 16) & 0xffff);
  writeU16(bytes, offset + 2, value & 0xffff);
}
