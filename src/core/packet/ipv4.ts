/*
 * IPv4 header (RFC 791 §3.1):
 *
 *   | version:4 | IHL:4 | TOS:8 | total length:16 |
 *   | identification:16 | flags:3 (0, DF, MF) | fragment offset:13 (8-byte units) |
 *   | TTL:8 | protocol:8 | header checksum:16 |
 *   | source address:32 |
 *   | destination address:32 |
 *   | options: (IHL - 5) * 32 | data ... |
 *
 * The header checksum is not verified: a corrupted header that still parses cannot point
 * anywhere outside the captured bytes, and capture on the sending host often sees headers
 * before the NIC fills checksums in.
 *
 * Checks are ordered so that packets we do not want (a protocol not in ip.wantedProtocols:
 * UDP, plus TCP / SCTP when asked for) are skipped before any length is judged: a short snap
 * length must not turn every unrelated packet into an error.
 *
 * Only UDP fragments are reassembled. A fragmented TCP or SCTP packet is skipped: both set DF
 * and size segments to the path MTU (TCP MSS, SCTP PMTU discovery, RFC 9260 §7.3), so such
 * fragments are rare, while collecting them would spend reassembly slots on traffic whose
 * ports are only known once the packet is whole.
 */

import type { DecodeErrorCode } from "../errors.js";
import { u8, u16 } from "./bytes.js";
import { IP_PROTOCOL_UDP, type IpLayer, type IpResult } from "./ipLayer.js";

const MIN_HEADER_LENGTH = 20;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

export function parseIpv4(
  data: Uint8Array,
  offset: number,
  ip: IpLayer,
): IpResult | "skipped" | DecodeErrorCode {
  if (data.length - offset < MIN_HEADER_LENGTH) return "ipv4-truncated";
  const versionAndIhl = u8(data, offset);
  const headerLength = (versionAndIhl & 0x0f) * 4;
  if (versionAndIhl >> 4 !== 4 || headerLength < MIN_HEADER_LENGTH) return "ipv4-bad-header";
  if (offset + headerLength > data.length) return "ipv4-truncated";
  const protocol = u8(data, offset + 9);
  if (ip.wantedProtocols[protocol] === 0) return "skipped";

  const totalLength = u16(data, offset + 2);
  if (totalLength < headerLength) return "ipv4-bad-header";

  ip.family = 4;
  ip.protocol = protocol;
  ip.sourceOffset = offset + 12;
  ip.payloadStart = offset + headerLength;
  // Past the total length is Ethernet padding (frames shorter than 60 bytes): not ours.
  ip.claimedEnd = offset + totalLength;

  const flagsAndOffset = u16(data, offset + 6);
  if ((flagsAndOffset & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) === 0) {
    return "transport";
  }
  if (protocol !== IP_PROTOCOL_UDP) return "skipped";

  // A fragment's data is needed whole; there is no port to filter on before reassembly.
  if (ip.claimedEnd > data.length) return "ipv4-truncated";
  ip.fragmentOffset = (flagsAndOffset & FRAGMENT_OFFSET_MASK) * 8;
  ip.moreFragments = (flagsAndOffset & FLAG_MORE_FRAGMENTS) !== 0;
  ip.fragmentId = u16(data, offset + 4);
  ip.fragmentNextHeader = IP_PROTOCOL_UDP;
  ip.fragmentHeaderBytes = headerLength;
  return "fragment";
}
