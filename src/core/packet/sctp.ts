/*
 * SCTP packet (RFC 9260 §3, formerly RFC 4960 §3):
 *
 *   common header (§3.1):
 *   | source port:16 | destination port:16 |
 *   | verification tag:32 |
 *   | checksum:32 (CRC32c) |
 *   then chunks, each padded to a multiple of 4 bytes (§3.2):
 *   | type:8 | flags:8 | length:16 (header + value, without padding, >= 4) | value ... | pad |
 *
 *   DATA chunk, type 0 (§3.3.1):
 *   | type:8 = 0 | reserved:4 | I:1 | U:1 | B:1 | E:1 | length:16 (>= 16) |
 *   | TSN:32 |
 *   | stream identifier:16 | stream sequence number:16 |
 *   | payload protocol identifier:32 |
 *   | user data: length - 16 bytes |
 *
 * B and E mark the first and last fragment of a user message (both set: a whole message);
 * the fragments of one message carry consecutive TSNs (§6.9). U marks an unordered message.
 * SIP over SCTP (RFC 4168 §5) puts one SIP message in one user message and uses no particular
 * payload protocol identifier, so none is required here.
 *
 * Every other chunk type (INIT, SACK, HEARTBEAT, ..., and I-DATA, RFC 8260, which SIP stacks
 * do not negotiate) is stepped over. A packet without DATA chunks is skipped. The CRC32c is
 * not verified (checksum offload, as for UDP and TCP). The chunk walk is bounded by the
 * packet: every chunk is at least 4 bytes long.
 */

import type { DecodeErrorCode } from "../errors.js";
import { u8, u16, u32 } from "./bytes.js";
import type { PacketEndpoints } from "./tcp.js";

const COMMON_HEADER_LENGTH = 12;
const CHUNK_HEADER_LENGTH = 4;
const DATA_CHUNK_HEADER_LENGTH = 16;
const CHUNK_TYPE_DATA = 0;

const FLAG_ENDING = 0x01;
const FLAG_BEGINNING = 0x02;
const FLAG_UNORDERED = 0x04;

/** One DATA chunk of an SCTP packet on a wanted port. */
export interface SctpDataChunk {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Transmission sequence number; uint32. */
  readonly tsn: number;
  readonly streamId: number;
  readonly streamSequence: number;
  /** Payload protocol identifier; uint32. */
  readonly ppid: number;
  /** First fragment of a user message (B). */
  readonly beginning: boolean;
  /** Last fragment of a user message (E). */
  readonly ending: boolean;
  readonly unordered: boolean;
  /** The user data. May be a view into a reused buffer: use it synchronously. */
  readonly payload: Uint8Array;
  readonly vlans: readonly number[];
}

/**
 * @param bytes holds the SCTP common header at `start`; the packet ends at `end` (within bytes).
 * @returns the DATA chunks in packet order, "skipped" when there are none.
 */
export function decodeSctp(
  bytes: Uint8Array,
  start: number,
  end: number,
  endpoints: () => PacketEndpoints,
): SctpDataChunk[] | "skipped" | DecodeErrorCode {
  if (end - start < COMMON_HEADER_LENGTH) return "sctp-truncated";
  let chunks: SctpDataChunk[] | undefined;
  let around: PacketEndpoints | undefined;
  let offset = start + COMMON_HEADER_LENGTH;
  while (offset < end) {
    if (end - offset < CHUNK_HEADER_LENGTH) return "sctp-bad-chunk";
    const type = u8(bytes, offset);
    const length = u16(bytes, offset + 2);
    if (length < CHUNK_HEADER_LENGTH || offset + length > end) return "sctp-bad-chunk";
    if (type === CHUNK_TYPE_DATA) {
      if (length < DATA_CHUNK_HEADER_LENGTH) return "sctp-bad-chunk";
      // A DATA chunk without user data is a protocol violation (§6.2); it carries nothing.
      if (length > DATA_CHUNK_HEADER_LENGTH) {
        around ??= endpoints();
        const flags = u8(bytes, offset + 1);
        chunks ??= [];
        chunks.push({
          family: around.family,
          src: around.src,
          dst: around.dst,
          srcPort: u16(bytes, start),
          dstPort: u16(bytes, start + 2),
          tsn: u32(bytes, offset + 4),
          streamId: u16(bytes, offset + 8),
          streamSequence: u16(bytes, offset + 10),
          ppid: u32(bytes, offset + 12),
          beginning: (flags & FLAG_BEGINNING) !== 0,
          ending: (flags & FLAG_ENDING) !== 0,
          unordered: (flags & FLAG_UNORDERED) !== 0,
          payload: bytes.subarray(offset + DATA_CHUNK_HEADER_LENGTH, offset + length),
          vlans: around.vlans,
        });
      }
    }
    // The last chunk's padding may be missing from a captured packet; nothing follows it then.
    offset += (length + 3) & ~3;
  }
  return chunks ?? "skipped";
}
