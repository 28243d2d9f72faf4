/*
 * Builders of well-formed frames for tests, fixture generators and the benchmark. Checksums
 * are real (IPv4 header RFC 791 §3.1, UDP RFC 768 / RFC 8200 §8.1 pseudo-headers) so tshark
 * shows the frames as valid.
 *
 *   Ethernet: | dst MAC:48 | src MAC:48 | [TPID:16 | TCI:16]* | EtherType:16 | IP | padding |
 *     one VLAN id -> 802.1Q tag (0x8100); two or more -> outer 802.1ad (0x88a8), inner 0x8100.
 *     Frames shorter than the 60-byte Ethernet minimum are zero-padded, as NICs do.
 *   IPv4:     20-byte header, no options, DF clear.
 *   IPv6:     40-byte header, optional extension headers, then UDP.
 *   TCP and SCTP frames: see transportFrames.ts, built on ipPacketAround and pseudoHeader.
 *   SLL v1:   | packet type:16 | ARPHRD:16 | addr len:16 | addr:64 | protocol:16 |
 *   SLL v2:   | protocol:16 | reserved:16 | ifindex:32 | ARPHRD:16 | pkt type:8 | addr len:8 |
 *             | addr:64 |
 */

import { type Frame, LINKTYPE } from "../../src/core/capture/frame.js";

export interface UdpFrameSpec {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array | string;
  srcMac?: string;
  dstMac?: string;
  /** 802.1Q VLAN ids, outermost first; 2 or more = QinQ with outer 0x88a8. */
  vlans?: number[];
  ipId?: number;
  ttl?: number;
}

export const DEFAULT_SRC_MAC = "02:00:00:00:00:01";
export const DEFAULT_DST_MAC = "02:00:00:00:00:02";

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const PROTOCOL_UDP = 17;
const IPV6_FRAGMENT = 44;
const MIN_ETHERNET_FRAME = 60;

/** Captured bytes as a Frame, whole (originalLength = data.length). */
export function asFrame(
  data: Uint8Array,
  linkType: number = LINKTYPE.ETHERNET,
  timestampMs = 0,
): Frame {
  return { linkType, data, timestampMs, originalLength: data.length };
}

/** One Ethernet frame (IPv4 when src contains '.', IPv6 when it contains ':'). */
export function udpFrame(spec: UdpFrameSpec): Uint8Array {
  return ethernetFrame(ipUdpPacket(spec), spec);
}

/**
 * The same datagram cut into IP fragments (IPv4 MF/offset, or IPv6 fragment header), each a
 * full Ethernet frame; fragmentPayloadSize a multiple of 8.
 */
export function fragmentedUdpFrames(spec: UdpFrameSpec, fragmentPayloadSize: number): Uint8Array[] {
  if (fragmentPayloadSize <= 0 || fragmentPayloadSize % 8 !== 0) {
    throw new RangeError(`fragmentPayloadSize must be a positive multiple of 8`);
  }
  const source = parseIpAddress(spec.src);
  const destination = parseIpAddress(spec.dst);
  const segment = udpSegment(spec, source, destination);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < segment.length; offset += fragmentPayloadSize) {
    const chunk = segment.subarray(offset, offset + fragmentPayloadSize);
    const more = offset + fragmentPayloadSize < segment.length;
    let packet: Uint8Array;
    if (source.length === 4) {
      const flagsAndOffset = (more ? 0x2000 : 0) | (offset / 8);
      packet = concat(ipv4Header(spec, chunk.length, flagsAndOffset), chunk);
    } else {
      const fragmentHeader = new Uint8Array(8);
      fragmentHeader[0] = PROTOCOL_UDP;
      writeU16(fragmentHeader, 2, offset | (more ? 1 : 0));
      writeU32(fragmentHeader, 4, spec.ipId ?? 1);
      const ipPayload = concat(fragmentHeader, chunk);
      packet = concat(ipv6Header(spec, ipPayload.length, IPV6_FRAGMENT), ipPayload);
    }
    frames.push(ethernetFrame(packet, spec));
  }
  return frames;
}

/** Wrap an IP packet (from ipPacket) in a Linux cooked header (v1 or v2). */
export function sllFrame(
  ipPacket: Uint8Array,
  version: 1 | 2,
  options: { srcMac?: string } = {},
): Uint8Array {
  const protocol = (ipPacket[0] ?? 0) >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  const mac = parseMac(options.srcMac ?? DEFAULT_SRC_MAC);
  if (version === 1) {
    const header = new Uint8Array(16);
    writeU16(header, 0, 0); // packet type: to us
    writeU16(header, 2, 1); // ARPHRD_ETHER
    writeU16(header, 4, mac.length);
    header.set(mac, 6);
    writeU16(header, 14, protocol);
    return concat(header, ipPacket);
  }
  const header = new Uint8Array(20);
  writeU16(header, 0, protocol);
  writeU32(header, 4, 1); // interface index
  writeU16(header, 8, 1); // ARPHRD_ETHER
  header[10] = 0; // packet type: to us
  header[11] = mac.length;
  header.set(mac, 12);
  return concat(header, ipPacket);
}

/** IP header + UDP, no link layer. */
export function ipUdpPacket(spec: UdpFrameSpec): Uint8Array {
  return ipv6UdpPacketWithExtensions(spec, []);
}

/**
 * UDP with IPv6 extension headers before it, in the order given: 0 hop-by-hop, 43 routing
 * (segments left 0), 44 fragment (atomic: offset 0, M = 0), 51 AH, 60 destination options.
 * With no extensions this is also how IPv4 packets are built.
 */
export function ipv6UdpPacketWithExtensions(spec: UdpFrameSpec, extensions: number[]): Uint8Array {
  const source = parseIpAddress(spec.src);
  const destination = parseIpAddress(spec.dst);
  const segment = udpSegment(spec, source, destination);
  if (source.length === 4) {
    if (extensions.length > 0) throw new Error("extension headers need IPv6 addresses");
    return concat(ipv4Header(spec, segment.length, 0), segment);
  }
  const headers: Uint8Array[] = [];
  for (let i = 0; i < extensions.length; i++) {
    headers.push(extensionHeader(extensions[i] ?? 0, extensions[i + 1] ?? PROTOCOL_UDP, spec));
  }
  const ipPayload = concat(...headers, segment);
  return concat(ipv6Header(spec, ipPayload.length, extensions[0] ?? PROTOCOL_UDP), ipPayload);
}

/** An Ethernet frame around any IP packet, with the spec's MACs and VLAN tags. */
export function ethernetFrame(
  ipPacket: Uint8Array,
  options: Pick<UdpFrameSpec, "srcMac" | "dstMac" | "vlans"> = {},
): Uint8Array {
  const vlans = options.vlans ?? [];
  const header = new Uint8Array(14 + 4 * vlans.length);
  header.set(parseMac(options.dstMac ?? DEFAULT_DST_MAC), 0);
  header.set(parseMac(options.srcMac ?? DEFAULT_SRC_MAC), 6);
  let offset = 12;
  vlans.forEach((vlan, index) => {
    const tpid = vlans.length >= 2 && index === 0 ? 0x88a8 : 0x8100;
    writeU16(header, offset, tpid);
    writeU16(header, offset + 2, vlan & 0x0fff);
    offset += 4;
  });
  writeU16(header, offset, (ipPacket[0] ?? 0) >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  const frame = concat(header, ipPacket);
  if (frame.length >= MIN_ETHERNET_FRAME) return frame;
  const padded = new Uint8Array(MIN_ETHERNET_FRAME);
  padded.set(frame);
  return padded;
}

export function payloadBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC ${text}`);
  return Uint8Array.from(parts, (part) => Number.parseInt(part, 16));
}

/** 4 bytes for dotted-quad text, 16 for IPv6 text (with "::" and a dotted tail allowed). */
export function parseIpAddress(text: string): Uint8Array {
  if (!text.includes(":")) {
    const parts = text.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) {
      throw new Error(`bad IPv4 address ${text}`);
    }
    return Uint8Array.from(parts);
  }
  let groupsText = text;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon).includes(".")) {
    groupsText =
      text.slice(0, lastColon + 1) + hexGroups(parseIpAddress(text.slice(lastColon + 1)));
  }
  const [head = "", rest] = groupsText.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const restGroups = rest === undefined || rest === "" ? [] : rest.split(":");
  const zeros = 8 - headGroups.length - restGroups.length;
  if (rest === undefined ? zeros !== 0 : zeros < 1) throw new Error(`bad IPv6 address ${text}`);
  const groups = [
    ...headGroups,
    ...Array<string>(rest === undefined ? 0 : zeros).fill("0"),
    ...restGroups,
  ];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    writeU16(bytes, index * 2, Number.parseInt(group, 16));
  });
  return bytes;
}

function hexGroups(v4: Uint8Array): string {
  const high = ((v4[0] ?? 0) << 8) | (v4[1] ?? 0);
  const low = ((v4[2] ?? 0) << 8) | (v4[3] ?? 0);
  return `${high.toString(16)}:${low.toString(16)}`;
}

function udpSegment(spec: UdpFrameSpec, source: Uint8Array, destination: Uint8Array): Uint8Array {
  const data = payloadBytes(spec.payload);
  const segment = new Uint8Array(8 + data.length);
  writeU16(segment, 0, spec.srcPort);
  writeU16(segment, 2, spec.dstPort);
  writeU16(segment, 4, segment.length);
  segment.set(data, 8);
  // A computed 0 is sent as all ones: 0 means "no checksum" (RFC 768).
  const pseudo = pseudoHeader(source, destination, PROTOCOL_UDP, segment.length);
  writeU16(segment, 6, internetChecksum(pseudo, segment) || 0xffff);
  return segment;
}

/** The IPv4 (RFC 768) or IPv6 (RFC 8200 §8.1) pseudo-header of a UDP or TCP checksum. */
export function pseudoHeader(
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  length: number,
) {
  const pseudo = new Uint8Array(source.length * 2 + (source.length === 4 ? 4 : 8));
  pseudo.set(source, 0);
  pseudo.set(destination, source.length);
  if (source.length === 4) {
    pseudo[9] = protocol;
    writeU16(pseudo, 10, length);
  } else {
    writeU32(pseudo, 32, length);
    pseudo[39] = protocol;
  }
  return pseudo;
}

/** IPv4 (no options, DF clear) or IPv6 header around a transport segment of `protocol`. */
export function ipPacketAround(
  spec: Pick<UdpFrameSpec, "src" | "dst" | "ipId" | "ttl">,
  protocol: number,
  segment: Uint8Array,
): Uint8Array {
  if (!spec.src.includes(":"))
    return concat(ipv4Header(spec, segment.length, 0, protocol), segment);
  return concat(ipv6Header(spec, segment.length, protocol), segment);
}

function ipv4Header(
  spec: Pick<UdpFrameSpec, "src" | "dst" | "ipId" | "ttl">,
  payloadLength: number,
  flagsAndOffset: number,
  protocol = PROTOCOL_UDP,
) {
  const header = new Uint8Array(20);
  header[0] = 0x45;
  writeU16(header, 2, 20 + payloadLength);
  writeU16(header, 4, (spec.ipId ?? 1) & 0xffff);
  writeU16(header, 6, flagsAndOffset);
  header[8] = spec.ttl ?? 64;
  header[9] = protocol;
  header.set(parseIpAddress(spec.src), 12);
  header.set(parseIpAddress(spec.dst), 16);
  writeU16(header, 10, internetChecksum(header));
  return header;
}

function ipv6Header(
  spec: Pick<UdpFrameSpec, "src" | "dst" | "ttl">,
  payloadLength: number,
  nextHeader: number,
): Uint8Array {
  const header = new Uint8Array(40);
  header[0] = 0x60;
  writeU16(header, 4, payloadLength);
  header[6] = nextHeader;
  header[7] = spec.ttl ?? 64;
  header.set(parseIpAddress(spec.src), 8);
  header.set(parseIpAddress(spec.dst), 24);
  return header;
}

function extensionHeader(type: number, nextHeader: number, spec: UdpFrameSpec): Uint8Array {
  switch (type) {
    case 0:
    case 60: {
      // One PadN option filling the 6 bytes after next header / length (RFC 8200 §4.2).
      return Uint8Array.of(nextHeader, 0, 1, 4, 0, 0, 0, 0);
    }
    case 43: {
      // Experimental routing type 253 (RFC 4727) with segments left 0: every node reads past
      // it (RFC 8200 §4.4). Type 0 would draw tshark's "deprecated" note (RFC 5095).
      return Uint8Array.of(nextHeader, 0, 253, 0, 0, 0, 0, 0);
    }
    case 44: {
      const header = Uint8Array.of(nextHeader, 0, 0, 0, 0, 0, 0, 0);
      writeU32(header, 4, spec.ipId ?? 1);
      return header;
    }
    case 51: {
      // 12-byte ICV (HMAC-SHA1-96): 24 bytes = (4 + 2) * 4 (RFC 4302 §2.2).
      const header = new Uint8Array(24);
      header[0] = nextHeader;
      header[1] = 4;
      writeU32(header, 4, 0x100); // SPI
      writeU32(header, 8, 1); // sequence number
      return header;
    }
    default:
      throw new Error(`no builder for IPv6 extension header ${type}`);
  }
}

/** RFC 1071 ones' complement sum over the concatenated parts (each of even length but last). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 2) {
      sum += ((part[i] ?? 0) << 8) | (part[i + 1] ?? 0);
    }
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  writeU16(bytes, offset, (value >>> 16) & 0xffff);
  writeU16(bytes, offset + 2, value & 0xffff);
}
