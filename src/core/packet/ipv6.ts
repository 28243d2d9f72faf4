/*
 * IPv6 fixed header (RFC 8200 §3):
 *
 *   | version:4 | traffic class:8 | flow label:20 |
 *   | payload length:16 | next header:8 | hop limit:8 |
 *   | source address:128 |
 *   | destination address:128 |
 *
 * Extension headers walked before the transport header (UDP, and TCP / SCTP when the decoder
 * wants them; see ip.wantedProtocols) (RFC 8200 §4):
 *   Hop-by-Hop (0), Routing (43), Destination Options (60):
 *     | next header:8 | hdr ext len:8 (8-byte units, not counting the first 8) | ... |
 *   Authentication Header (51, RFC 4302 §2):
 *     | next header:8 | payload len:8 (4-byte units, minus 2) | ... |
 *   Fragment (44, RFC 8200 §4.5):
 *     | next header:8 | reserved:8 | fragment offset:13 (8-byte units) | res:2 | M:1 |
 *     | identification:32 |
 *   No Next Header (59) and ESP (50, payload encrypted): nothing readable follows -> skipped.
 *
 * Hop-by-Hop is only valid directly after the fixed header (RFC 8200 §4.3). A fragment header
 * with offset 0 and M = 0 is an "atomic fragment" (RFC 6946) and is read through in place.
 * A payload length of 0 means a jumbogram (RFC 2675) or an empty packet: skipped, since
 * signalling never travels in either.
 */

import type { DecodeErrorCode } from "../errors.js";
import { u8, u16, u32 } from "./bytes.js";
import type { IpLayer, IpResult } from "./ipLayer.js";

const FIXED_HEADER_LENGTH = 40;
/** Longer chains are not legitimate traffic; bounding them bounds the work per frame. */
export const MAX_EXTENSION_HEADERS = 16;

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const ENCAPSULATING_SECURITY_PAYLOAD = 50;
const AUTHENTICATION_HEADER = 51;
const NO_NEXT_HEADER = 59;
const DESTINATION_OPTIONS = 60;

export function parseIpv6(
  data: Uint8Array,
  offset: number,
  ip: IpLayer,
): IpResult | "skipped" | DecodeErrorCode {
  if (data.length - offset < FIXED_HEADER_LENGTH) return "ipv6-truncated";
  if (u8(data, offset) >> 4 !== 6) return "ipv6-bad-header";
  const payloadLength = u16(data, offset + 4);
  if (payloadLength === 0) return "skipped";

  ip.family = 6;
  ip.sourceOffset = offset + 8;
  ip.claimedEnd = offset + FIXED_HEADER_LENGTH + payloadLength;
  return walkExtensionHeaders(data, offset + FIXED_HEADER_LENGTH, u8(data, offset + 6), ip, true);
}

/**
 * Walks extension headers from `start` up to ip.claimedEnd, leaving ip.payloadStart at the
 * header of a wanted transport protocol ("transport", ip.protocol set) or at the data of a real
 * fragment ("fragment").
 *
 * @param afterFixedHeader false when walking a reassembled payload: there, Hop-by-Hop is out of
 *   place and a second fragment header would mean nested fragmentation, which RFC 8200 forbids.
 */
export function walkExtensionHeaders(
  data: Uint8Array,
  start: number,
  firstNextHeader: number,
  ip: IpLayer,
  afterFixedHeader: boolean,
): IpResult | "skipped" | DecodeErrorCode {
  let offset = start;
  let nextHeader = firstNextHeader;

  for (let count = 0; ; count++) {
    if (ip.wantedProtocols[nextHeader] === 1) {
      ip.protocol = nextHeader;
      ip.payloadStart = offset;
      return "transport";
    }
    if (nextHeader === NO_NEXT_HEADER || nextHeader === ENCAPSULATING_SECURITY_PAYLOAD) {
      return "skipped";
    }

    let headerLength: number;
    if (
      nextHeader === ROUTING ||
      nextHeader === DESTINATION_OPTIONS ||
      (nextHeader === HOP_BY_HOP && afterFixedHeader && count === 0)
    ) {
      headerLength = (u8(data, offset + 1) + 1) * 8;
    } else if (nextHeader === AUTHENTICATION_HEADER) {
      headerLength = (u8(data, offset + 1) + 2) * 4;
    } else if (nextHeader === FRAGMENT && afterFixedHeader) {
      headerLength = 8;
    } else if (nextHeader === HOP_BY_HOP || nextHeader === FRAGMENT) {
      return "ipv6-bad-extension";
    } else {
      return "skipped"; // ICMPv6, unwanted TCP / SCTP, or a protocol we do not read
    }

    if (count === MAX_EXTENSION_HEADERS) return "ipv6-bad-extension";
    // The length byte itself must be inside the packet before headerLength means anything.
    const end = offset + headerLength;
    if (offset + 2 > ip.claimedEnd || end > ip.claimedEnd) return "ipv6-bad-extension";
    if (end > data.length) return "ipv6-truncated";

    if (nextHeader === FRAGMENT) {
      const offsetAndFlag = u16(data, offset + 2);
      const fragmentOffset = offsetAndFlag & 0xfff8;
      const moreFragments = (offsetAndFlag & 1) !== 0;
      if (fragmentOffset !== 0 || moreFragments) {
        if (ip.claimedEnd > data.length) return "ipv6-truncated";
        ip.fragmentOffset = fragmentOffset;
        ip.moreFragments = moreFragments;
        ip.fragmentId = u32(data, offset + 4);
        ip.fragmentNextHeader = u8(data, offset);
        // The unfragmentable part (extension headers before this one) stays in the payload
        // length of the reassembled packet, so it counts against the 65,535-byte limit.
        ip.fragmentHeaderBytes = offset - start;
        ip.payloadStart = end;
        return "fragment";
      }
    }

    nextHeader = u8(data, offset);
    offset = end;
  }
}
