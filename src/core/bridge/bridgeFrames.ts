/*
 * Just enough of each protocol for the MAC bridge to decide what a frame is. Every reader is
 * bounds-checked against the captured bytes and returns a value or a code; none throws, and
 * none copies: results are offsets into the frame or small numbers.
 *
 * Ethernet II (IEEE 802.3 §3.2.6), with any stack of up to MAX_VLAN_TAGS VLAN tags (802.1Q
 * 0x8100, 802.1ad 0x88a8, legacy QinQ 0x9100), each in place of the EtherType:
 *   | dst MAC:48 | src MAC:48 | [TPID:16 | PCP:3 | DEI:1 | VID:12]* | EtherType:16 | payload |
 *   The I/G bit (lowest bit of the first destination byte) marks broadcast and multicast.
 *
 * ARP for IPv4 over Ethernet (RFC 826):
 *   | htype:16=1 | ptype:16=0x0800 | hlen:8=6 | plen:8=4 | op:16 (1 request, 2 reply) |
 *   | sender MAC:48 | sender IPv4:32 | target MAC:48 | target IPv4:32 |
 *
 * IPv4 (RFC 791 §3.1) and UDP (RFC 768), as far as DHCP needs:
 *   | ver:4=4 | IHL:4 | TOS:8 | total length:16 | id:16 | flags:3 | fragment offset:13 |
 *   | TTL:8 | protocol:8=17 | checksum:16 | source:32 | destination:32 | options |
 *   | UDP source port:16 | UDP destination port:16 | UDP length:16 | checksum:16 | BOOTP |
 *
 * BOOTP / DHCP (RFC 951, RFC 2131 §2), offsets from the start of the UDP payload:
 *   0 op:8 (1 request, 2 reply) | 1 htype:8=1 | 2 hlen:8=6 | 3 hops:8 | 4 xid:32 |
 *   8 secs:16 | 10 flags:16 | 12 ciaddr:32 | 16 yiaddr:32 | 20 siaddr:32 | 24 giaddr:32 |
 *   28 chaddr:128 | 44 sname:512 | 108 file:1024 | 236 magic cookie 99.130.83.99 | options
 *   Options (RFC 2132): pad 0 and end 255 are single bytes; others are | code:8 | len:8 | data |.
 *   Option 53 (DHCP message type, RFC 2132 §9.6): 2 OFFER, 5 ACK, 6 NAK. Option overload
 *   (52, options moved into sname/file) is not followed: servers send message type in the
 *   options field proper, and a reply without it is still judged by op and chaddr.
 *
 * IPv6 (RFC 8200 §3) and ICMPv6 neighbour solicitation (RFC 4861 §4.3):
 *   | ver:4=6 | traffic class:8 | flow label:20 | payload length:16 | next header:8=58 |
 *   | hop limit:8=255 | source:128 | destination:128 |
 *   | type:8=135 | code:8=0 | checksum:16 | reserved:32 | target address:128 | options |
 *   A solicitation always follows the IPv6 header directly (no extension headers are used for
 *   it) and must carry hop limit 255 (§7.1.1): anything else the adapter would discard anyway.
 */

import { u8, u16, u32 } from "../packet/bytes.js";

/** A malformed or cut-off header in a layer the decision needed. */
export type FrameProblem = "truncated" | "malformed";

export const MAX_VLAN_TAGS = 8;
export const MAC_LENGTH = 6;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

const ETHERNET_HEADER_LENGTH = 14;
const SOURCE_MAC_OFFSET = 6;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_LEGACY = 0x9100;

const ARP_LENGTH = 28;
const ARP_HTYPE_ETHERNET = 1;

const IPV4_MIN_HEADER = 20;
const IP_PROTOCOL_UDP = 17;
const UDP_HEADER_LENGTH = 8;
const FRAGMENT_BITS = 0x3fff; // MF flag + fragment offset
const BOOTP_FIXED_LENGTH = 236;
const BOOTP_CHADDR = 28;
const DHCP_MAGIC_COOKIE = 0x63825363;
const DHCP_OPTION_PAD = 0;
const DHCP_OPTION_END = 255;
const DHCP_OPTION_MESSAGE_TYPE = 53;
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const BOOTREPLY = 2;
export const DHCPACK = 5;

const IPV6_HEADER_LENGTH = 40;
const IP_PROTOCOL_ICMPV6 = 58;
const ICMPV6_NEIGHBOR_SOLICITATION = 135;
const NS_MIN_LENGTH = 24;
const NS_HOP_LIMIT = 255;

export interface EthernetHeader {
  /** The EtherType after all VLAN tags. */
  etherType: number;
  /** Where that EtherType's payload starts. */
  payloadOffset: number;
}

export function parseEthernet(frame: Uint8Array): EthernetHeader | FrameProblem {
  if (frame.length < ETHERNET_HEADER_LENGTH) return "truncated";
  let etherType = u16(frame, 12);
  let offset = ETHERNET_HEADER_LENGTH;
  let tags = 0;
  while (
    etherType === ETHERTYPE_VLAN ||
    etherType === ETHERTYPE_QINQ ||
    etherType === ETHERTYPE_QINQ_LEGACY
  ) {
    // Deeper stacks are not a tagging scheme seen in practice; treat them as garbage.
    if (tags === MAX_VLAN_TAGS) return "malformed";
    if (offset + 4 > frame.length) return "truncated";
    etherType = u16(frame, offset + 2);
    offset += 4;
    tags++;
  }
  return { etherType, payloadOffset: offset };
}

/** Destination is broadcast or multicast: the I/G bit, lowest bit of the first byte. */
export function isGroupDestination(frame: Uint8Array): boolean {
  return (u8(frame, 0) & 1) === 1;
}

export function destinationIs(frame: Uint8Array, mac: Uint8Array): boolean {
  return macAt(frame, 0, mac);
}

export function sourceIs(frame: Uint8Array, mac: Uint8Array): boolean {
  return macAt(frame, SOURCE_MAC_OFFSET, mac);
}

export interface ArpPacket {
  op: number;
  senderIpv4: number;
  targetIpv4: number;
}

/** ARP for IPv4 over Ethernet at `offset`; other hardware/protocol pairs are "malformed". */
export function parseArp(frame: Uint8Array, offset: number): ArpPacket | FrameProblem {
  if (offset + ARP_LENGTH > frame.length) return "truncated";
  if (
    u16(frame, offset) !== ARP_HTYPE_ETHERNET ||
    u16(frame, offset + 2) !== ETHERTYPE_IPV4 ||
    u8(frame, offset + 4) !== MAC_LENGTH ||
    u8(frame, offset + 5) !== 4
  ) {
    return "malformed";
  }
  return {
    op: u16(frame, offset + 6),
    senderIpv4: u32(frame, offset + 14),
    targetIpv4: u32(frame, offset + 24),
  };
}

export interface Ipv4Header {
  source: number;
  protocol: number;
  payloadOffset: number;
  /** End of the IP packet inside the captured bytes (Ethernet padding excluded). */
  end: number;
  fragment: boolean;
}

export function parseIpv4(frame: Uint8Array, offset: number): Ipv4Header | FrameProblem {
  if (offset + IPV4_MIN_HEADER > frame.length) return "truncated";
  const versionAndIhl = u8(frame, offset);
  const headerLength = (versionAndIhl & 0x0f) * 4;
  if (versionAndIhl >> 4 !== 4 || headerLength < IPV4_MIN_HEADER) return "malformed";
  if (offset + headerLength > frame.length) return "truncated";
  const totalLength = u16(frame, offset + 2);
  if (totalLength < headerLength) return "malformed";
  return {
    source: u32(frame, offset + 12),
    protocol: u8(frame, offset + 9),
    payloadOffset: offset + headerLength,
    end: Math.min(frame.length, offset + totalLength),
    fragment: (u16(frame, offset + 6) & FRAGMENT_BITS) !== 0,
  };
}

export interface DhcpMessage {
  sourcePort: number;
  destinationPort: number;
  op: number;
  /** Where the client hardware address starts; only meaningful as 6 bytes (hlen checked). */
  chaddrOffset: number;
  yiaddr: number;
  /** Option 53, or null for plain BOOTP (no cookie or no option 53). */
  messageType: number | null;
}

/**
 * A BOOTP/DHCP message in an unfragmented IPv4/UDP packet between ports 67 and 68 (either
 * way), with an Ethernet client address (htype 1, hlen 6). "other" = not such a packet.
 */
export function parseDhcp(
  frame: Uint8Array,
  ipv4: Ipv4Header,
): DhcpMessage | FrameProblem | "other" {
  if (ipv4.protocol !== IP_PROTOCOL_UDP || ipv4.fragment) return "other";
  const udp = ipv4.payloadOffset;
  if (udp + UDP_HEADER_LENGTH > ipv4.end) return "truncated";
  const sourcePort = u16(frame, udp);
  const destinationPort = u16(frame, udp + 2);
  const clientToServer = sourcePort === DHCP_CLIENT_PORT && destinationPort === DHCP_SERVER_PORT;
  const serverToClient = sourcePort === DHCP_SERVER_PORT && destinationPort === DHCP_CLIENT_PORT;
  if (!clientToServer && !serverToClient) return "other";

  const udpLength = u16(frame, udp + 4);
  if (udpLength < UDP_HEADER_LENGTH) return "malformed";
  const end = Math.min(ipv4.end, udp + udpLength);
  const bootp = udp + UDP_HEADER_LENGTH;
  if (bootp + BOOTP_FIXED_LENGTH > end) return "truncated";
  if (u8(frame, bootp + 1) !== ARP_HTYPE_ETHERNET || u8(frame, bootp + 2) !== MAC_LENGTH) {
    return "malformed";
  }
  return {
    sourcePort,
    destinationPort,
    op: u8(frame, bootp),
    chaddrOffset: bootp + BOOTP_CHADDR,
    yiaddr: u32(frame, bootp + 16),
    messageType: dhcpMessageType(frame, bootp + BOOTP_FIXED_LENGTH, end),
  };
}

/** Option 53 from the options field starting at the magic cookie; null when absent or cut. */
function dhcpMessageType(frame: Uint8Array, cookie: number, end: number): number | null {
  if (cookie + 4 > end || u32(frame, cookie) !== DHCP_MAGIC_COOKIE) return null;
  let offset = cookie + 4;
  // Each step advances by at least one byte, so the loop ends within `end - offset` steps.
  while (offset < end) {
    const code = u8(frame, offset);
    if (code === DHCP_OPTION_END) return null;
    if (code === DHCP_OPTION_PAD) {
      offset++;
      continue;
    }
    if (offset + 2 > end) return null;
    const length = u8(frame, offset + 1);
    if (offset + 2 + length > end) return null;
    if (code === DHCP_OPTION_MESSAGE_TYPE) return length === 1 ? u8(frame, offset + 2) : null;
    offset += 2 + length;
  }
  return null;
}

export interface Ipv6Header {
  /** Offset of the 16-byte source address. */
  sourceOffset: number;
  nextHeader: number;
  hopLimit: number;
  payloadOffset: number;
  /** End of the IPv6 payload inside the captured bytes. */
  end: number;
}

export function parseIpv6(frame: Uint8Array, offset: number): Ipv6Header | FrameProblem {
  if (offset + IPV6_HEADER_LENGTH > frame.length) return "truncated";
  if (u8(frame, offset) >> 4 !== 6) return "malformed";
  const payloadOffset = offset + IPV6_HEADER_LENGTH;
  return {
    sourceOffset: offset + 8,
    nextHeader: u8(frame, offset + 6),
    hopLimit: u8(frame, offset + 7),
    payloadOffset,
    end: Math.min(frame.length, payloadOffset + u16(frame, offset + 4)),
  };
}

/** Offset of a neighbour solicitation's 16-byte target address; "other" for anything else. */
export function neighborSolicitationTarget(
  frame: Uint8Array,
  ipv6: Ipv6Header,
): number | FrameProblem | "other" {
  if (ipv6.nextHeader !== IP_PROTOCOL_ICMPV6) return "other";
  const icmp = ipv6.payloadOffset;
  if (icmp + 1 > ipv6.end) return "truncated";
  if (u8(frame, icmp) !== ICMPV6_NEIGHBOR_SOLICITATION) return "other";
  if (icmp + NS_MIN_LENGTH > ipv6.end) return "truncated";
  if (u8(frame, icmp + 1) !== 0 || ipv6.hopLimit !== NS_HOP_LIMIT) return "malformed";
  return icmp + 8;
}

export function macAt(frame: Uint8Array, offset: number, mac: Uint8Array): boolean {
  if (offset + MAC_LENGTH > frame.length || mac.length !== MAC_LENGTH) return false;
  for (let i = 0; i < MAC_LENGTH; i++) if (frame[offset + i] !== mac[i]) return false;
  return true;
}
