/*
 * TCP header (RFC 9293 §3.1, formerly RFC 793 §3.1):
 *
 *   | source port:16 | destination port:16 |
 *   | sequence number:32 |
 *   | acknowledgment number:32 |
 *   | data offset:4 | reserved:4 | CWR | ECE | URG | ACK | PSH | RST | SYN | FIN |
 *   | window:16 | checksum:16 | urgent pointer:16 |
 *   | options: (data offset - 5) * 32 | data ... up to the IP packet's end |
 *
 * Only what stream reassembly needs is kept: ports, the sequence number, SYN / FIN / RST and
 * the data. Like the UDP checksum, the TCP checksum is not verified (checksum offload on the
 * capturing host). The ports have already been filtered by the frame decoder.
 *
 * A segment that carries no data and none of SYN / FIN / RST (a pure ACK, a window update, a
 * keep-alive probe without data) tells reassembly nothing and is skipped without allocating.
 */

import type { DecodeErrorCode } from "../errors.js";
import { u8, u16, u32 } from "./bytes.js";

export const TCP_MIN_HEADER_LENGTH = 20;

const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;

/** One TCP segment on a wanted port, lifted out of a frame. */
export interface TcpSegment {
  readonly family: 4 | 6;
  /** Source address in text form (dotted quad, or RFC 5952 IPv6). */
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number of the first data byte (of the SYN itself when syn is set); uint32. */
  readonly seq: number;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  /** The segment's data. May be a view into a reused buffer: use it synchronously. */
  readonly payload: Uint8Array;
  /** 802.1Q VLAN ids, outermost first; empty when untagged. */
  readonly vlans: readonly number[];
}

/** Addresses and tags of the packet around a transport header, made once it is wanted. */
export interface PacketEndpoints {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly vlans: readonly number[];
}

/**
 * @param bytes holds the TCP header at `start`; the packet ends at `end` (within bytes).
 * @param endpoints made on demand, so that a skipped segment costs no strings.
 */
export function decodeTcp(
  bytes: Uint8Array,
  start: number,
  end: number,
  endpoints: () => PacketEndpoints,
): TcpSegment | "skipped" | DecodeErrorCode {
  if (end - start < TCP_MIN_HEADER_LENGTH) return "tcp-truncated";
  const headerLength = (u8(bytes, start + 12) >> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH || start + headerLength > end) return "tcp-bad-header";
  const flags = u8(bytes, start + 13);
  const dataStart = start + headerLength;
  if (dataStart === end && (flags & (FLAG_FIN | FLAG_SYN | FLAG_RST)) === 0) return "skipped";
  return {
    ...endpoints(),
    srcPort: u16(bytes, start),
    dstPort: u16(bytes, start + 2),
    seq: u32(bytes, start + 4),
    syn: (flags & FLAG_SYN) !== 0,
    fin: (flags & FLAG_FIN) !== 0,
    rst: (flags & FLAG_RST) !== 0,
    payload: bytes.subarray(dataStart, end),
  };
}
