/*
 * Link layers: find where the IP packet starts inside a captured frame.
 *
 * Ethernet II (IEEE 802.3 §3.2.6, LINKTYPE_ETHERNET = 1):
 *   | dst MAC:48 | src MAC:48 | EtherType/length:16 | payload ... |
 *   A type field <= 1500 is an 802.3 length (LLC follows): not IP, skipped.
 * VLAN tags, any stack up to MAX_VLAN_TAGS (IEEE 802.1Q C-tag 0x8100, 802.1ad S-tag 0x88a8,
 * and the pre-standard QinQ TPID 0x9100), each in place of the EtherType:
 *   | TPID:16 | PCP:3 | DEI:1 | VID:12 | inner EtherType:16 |
 * PPPoE session stage (RFC 2516 §4, EtherType 0x8864), then a PPP protocol field (RFC 1661 §2):
 *   | ver:4=1 | type:4=1 | code:8=0 | session id:16 | length:16 | PPP protocol:16 | IP ... |
 *   PPP protocol 0x0021 = IPv4, 0x0057 = IPv6.
 *
 * Linux cooked capture v1 (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, 113):
 *   | packet type:16 | ARPHRD type:16 | addr length:16 | address:64 | protocol:16 | payload |
 * Linux cooked capture v2 (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html, 276):
 *   | protocol:16 | reserved:16 | ifindex:32 | ARPHRD type:16 | packet type:8 |
 *   | addr length:8 | address:64 | payload |
 *   In both the protocol is an EtherType, so VLAN tags and PPPoE after it are walked the same.
 *
 * BSD loopback (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html, 0):
 *   | address family:32, in the byte order of the capturing host | IP packet |
 *   AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 *   30 (macOS). The value is read both ways: the families are small numbers, so a value from
 *   one byte order can never be mistaken for one from the other.
 *
 * RAW (101): the IP version is the first nibble. IPV4 (228) / IPV6 (229): the family is fixed.
 */

import { LINKTYPE } from "../capture/frame.js";
import type { DecodeErrorCode } from "../errors.js";
import { u8, u16 } from "./bytes.js";

/** Deeper stacks than this are not a tagging scheme seen in practice; such frames are skipped. */
export const MAX_VLAN_TAGS = 8;

const ETHERNET_HEADER_LENGTH = 14;
const SLL_HEADER_LENGTH = 16;
const SLL2_HEADER_LENGTH = 20;
const NULL_HEADER_LENGTH = 4;
const PPPOE_HEADER_LENGTH = 8; // PPPoE header (6) + PPP protocol (2)
const MAC_LENGTH = 6;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_LEGACY = 0x9100;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * Per-frame results of the link layer walk. One instance is reused for every frame so the hot
 * path allocates nothing; VLAN ids become an array only for a datagram that is returned.
 */
export class LinkLayerCursor {
  networkOffset = 0;
  vlanCount = 0;
  readonly vlanIds = new Uint16Array(MAX_VLAN_TAGS);

  vlanList(): number[] {
    const list: number[] = [];
    for (let i = 0; i < this.vlanCount; i++) list.push(this.vlanIds[i] ?? 0);
    return list;
  }
}

/** 4 or 6 when an IP packet starts at cursor.networkOffset. */
export type LinkLayerResult = 4 | 6 | "skipped" | DecodeErrorCode;

/**
 * @param mac when set, only frames whose link-layer address matches pass (Ethernet: source or
 *   destination; SLL/SLL2: the one address field). Link types without addresses (NULL, RAW,
 *   IPV4, IPV6) cannot be filtered and pass unfiltered rather than silently yielding nothing.
 */
export function locateNetworkLayer(
  linkType: number,
  data: Uint8Array,
  mac: Uint8Array | undefined,
  cursor: LinkLayerCursor,
): LinkLayerResult {
  cursor.vlanCount = 0;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (data.length < ETHERNET_HEADER_LENGTH) return "frame-truncated";
      if (mac !== undefined && !macAt(data, 0, mac) && !macAt(data, MAC_LENGTH, mac)) {
        return "skipped";
      }
      return walkEtherType(data, u16(data, 12), ETHERNET_HEADER_LENGTH, cursor);
    case LINKTYPE.LINUX_SLL:
      if (data.length < SLL_HEADER_LENGTH) return "frame-truncated";
      if (mac !== undefined && (u16(data, 4) !== MAC_LENGTH || !macAt(data, 6, mac))) {
        return "skipped";
      }
      return walkEtherType(data, u16(data, 14), SLL_HEADER_LENGTH, cursor);
    case LINKTYPE.LINUX_SLL2:
      if (data.length < SLL2_HEADER_LENGTH) return "frame-truncated";
      if (mac !== undefined && (u8(data, 11) !== MAC_LENGTH || !macAt(data, 12, mac))) {
        return "skipped";
      }
      return walkEtherType(data, u16(data, 0), SLL2_HEADER_LENGTH, cursor);
    case LINKTYPE.NULL:
      if (data.length < NULL_HEADER_LENGTH) return "frame-truncated";
      cursor.networkOffset = NULL_HEADER_LENGTH;
      return nullFamily(data);
    case LINKTYPE.RAW: {
      if (data.length < 1) return "frame-truncated";
      cursor.networkOffset = 0;
      const version = u8(data, 0) >> 4;
      return version === 4 || version === 6 ? version : "skipped";
    }
    case LINKTYPE.IPV4:
      cursor.networkOffset = 0;
      return 4;
    case LINKTYPE.IPV6:
      cursor.networkOffset = 0;
      return 6;
    default:
      return "unsupported-link-type";
  }
}

/** Follows VLAN tags and PPPoE from an EtherType whose payload starts at `payloadOffset`. */
function walkEtherType(
  data: Uint8Array,
  firstEtherType: number,
  payloadOffset: number,
  cursor: LinkLayerCursor,
): LinkLayerResult {
  let etherType = firstEtherType;
  let offset = payloadOffset;
  while (
    etherType === ETHERTYPE_VLAN ||
    etherType === ETHERTYPE_QINQ ||
    etherType === ETHERTYPE_QINQ_LEGACY
  ) {
    if (cursor.vlanCount === MAX_VLAN_TAGS) return "skipped";
    if (offset + 4 > data.length) return "frame-truncated";
    cursor.vlanIds[cursor.vlanCount++] = u16(data, offset) & 0x0fff;
    etherType = u16(data, offset + 2);
    offset += 4;
  }

  cursor.networkOffset = offset;
  if (etherType === ETHERTYPE_IPV4) return 4;
  if (etherType === ETHERTYPE_IPV6) return 6;
  if (etherType === ETHERTYPE_PPPOE_SESSION) return pppoeSession(data, offset, cursor);
  return "skipped";
}

function pppoeSession(data: Uint8Array, offset: number, cursor: LinkLayerCursor): LinkLayerResult {
  if (offset + PPPOE_HEADER_LENGTH > data.length) return "frame-truncated";
  // Version 1, type 1, code 0 is session data; anything else is not a packet we can read.
  if (u8(data, offset) !== 0x11 || u8(data, offset + 1) !== 0) return "skipped";
  cursor.networkOffset = offset + PPPOE_HEADER_LENGTH;
  const pppProtocol = u16(data, offset + 6);
  if (pppProtocol === PPP_IPV4) return 4;
  if (pppProtocol === PPP_IPV6) return 6;
  return "skipped";
}

function nullFamily(data: Uint8Array): LinkLayerResult {
  const b0 = u8(data, 0);
  const b1 = u8(data, 1);
  const b2 = u8(data, 2);
  const b3 = u8(data, 3);
  const bigEndian = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  const littleEndian = ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0) >>> 0;
  if (bigEndian === 2 || littleEndian === 2) return 4;
  if (isInet6Family(bigEndian) || isInet6Family(littleEndian)) return 6;
  return "skipped";
}

function isInet6Family(family: number): boolean {
  return family === 10 || family === 24 || family === 28 || family === 30;
}

function macAt(data: Uint8Array, offset: number, mac: Uint8Array): boolean {
  for (let i = 0; i < MAC_LENGTH; i++) if (data[offset + i] !== mac[i]) return false;
  return true;
}
