/*
 * Frame -> UDP datagram, TCP segment or SCTP DATA chunks: link layer, IPv4 / IPv6 (with
 * reassembly of UDP), then the transport header. UDP (RFC 768):
 *
 *   | source port:16 | destination port:16 |
 *   | length:16 (header + data, >= 8) | checksum:16 |
 *   | data: length - 8 bytes |
 *
 * TCP (RFC 9293 §3.1) is read in tcp.ts and SCTP (RFC 9260 §3) in sctp.ts; both start with the
 * same two 16-bit ports as UDP, so the port filter is shared: each protocol has its own set
 * (UDP `ports`, `tcpPorts`, `sctpPorts`), and a packet is wanted when its source or
 * destination port is in the set of its protocol. TCP and SCTP are not even looked at unless
 * ports were given for them.
 *
 * The UDP checksum is not verified: on the capturing host outgoing packets are seen before the
 * NIC computes it (checksum offload), so captured checksums are routinely "wrong".
 *
 * This is the hot path: a capture is mostly RTP on ports nobody asked for. For an unfragmented
 * packet the ports are looked up in a 65,536-entry table right after the few header bytes that
 * locate them, before any length judgement, string or object is made; the skip outcome is a
 * shared constant. Addresses become text only for what is returned.
 */

import { type Frame, LINKTYPE } from "../capture/frame.js";
import type { DecodeErrorCode } from "../errors.js";
import { u16 } from "./bytes.js";
import type { Datagram } from "./datagram.js";
import { ipv4Text, ipv6Text } from "./ipAddress.js";
import { IP_PROTOCOL_SCTP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, IpLayer } from "./ipLayer.js";
import { parseIpv4 } from "./ipv4.js";
import { parseIpv6, walkExtensionHeaders } from "./ipv6.js";
import { LinkLayerCursor, locateNetworkLayer } from "./linkLayer.js";
import { FragmentReassembler, fragmentKey } from "./reassembly.js";
import { decodeSctp, type SctpDataChunk } from "./sctp.js";
import { decodeTcp, type PacketEndpoints, TCP_MIN_HEADER_LENGTH, type TcpSegment } from "./tcp.js";

export type { SctpDataChunk } from "./sctp.js";
export type { TcpSegment } from "./tcp.js";

export type DecodeOutcome =
  | { kind: "datagram"; datagram: Datagram }
  /** A TCP segment with data or with SYN / FIN / RST; pure ACKs are skipped. */
  | { kind: "tcp"; segment: TcpSegment }
  /** The DATA chunks of one SCTP packet, in packet order (never empty). */
  | { kind: "sctp"; chunks: SctpDataChunk[] }
  | { kind: "skipped" }
  | { kind: "error"; code: DecodeErrorCode };

export interface FrameDecoderOptions {
  /** A UDP datagram is returned only when its source OR destination port is in this set. */
  ports: Iterable<number>;
  /** TCP segments from or to these ports are returned; none when absent (TCP is skipped). */
  tcpPorts?: Iterable<number>;
  /** SCTP DATA chunks from or to these ports are returned; none when absent. */
  sctpPorts?: Iterable<number>;
  /** Only frames from/to this 6-byte MAC (Ethernet source/destination, SLL address field). */
  mac?: Uint8Array;
  /** Incomplete fragmented datagrams held at once; default 64. */
  maxPendingDatagrams?: number;
  /** Incomplete datagrams are dropped this long after their first fragment; default 30 s. */
  fragmentTimeoutMs?: number;
}

const UDP_HEADER_LENGTH = 8;
const SCTP_COMMON_HEADER_LENGTH = 12;
/** The port table of a protocol nobody asked for; never written. */
const NO_PORTS = new Uint8Array(65_536);
const SKIPPED: DecodeOutcome = Object.freeze({ kind: "skipped" });
const errorOutcomes = new Map<DecodeErrorCode, DecodeOutcome>();

function errorOutcome(code: DecodeErrorCode): DecodeOutcome {
  let outcome = errorOutcomes.get(code);
  if (outcome === undefined) {
    outcome = Object.freeze({ kind: "error", code });
    errorOutcomes.set(code, outcome);
  }
  return outcome;
}

/**
 * Decodes frames one by one. Stateful only for IP reassembly; not safe to share between
 * captures whose timestamps are unrelated.
 */
export class FrameDecoder {
  readonly #wantedPorts = new Uint8Array(65_536);
  readonly #tcpPorts: Uint8Array;
  readonly #sctpPorts: Uint8Array;
  readonly #mac: Uint8Array | undefined;
  readonly #link = new LinkLayerCursor();
  readonly #ip = new IpLayer();
  readonly #reassembler: FragmentReassembler;

  /** @throws RangeError on an invalid option (configuration, never wire input). */
  constructor(options: FrameDecoderOptions) {
    fillPortTable(this.#wantedPorts, options.ports, "UDP");
    this.#tcpPorts = portTable(options.tcpPorts, "TCP");
    this.#sctpPorts = portTable(options.sctpPorts, "SCTP");
    if (this.#tcpPorts !== NO_PORTS) this.#ip.wantedProtocols[IP_PROTOCOL_TCP] = 1;
    if (this.#sctpPorts !== NO_PORTS) this.#ip.wantedProtocols[IP_PROTOCOL_SCTP] = 1;
    if (options.mac !== undefined && options.mac.length !== 6) {
      throw new RangeError(`A MAC address has 6 bytes, got ${options.mac.length}`);
    }
    this.#mac = options.mac?.slice();
    const maxPending = options.maxPendingDatagrams ?? 64;
    const timeoutMs = options.fragmentTimeoutMs ?? 30_000;
    if (!Number.isInteger(maxPending) || maxPending < 1) {
      throw new RangeError(`maxPendingDatagrams must be a positive integer, got ${maxPending}`);
    }
    if (!(timeoutMs >= 0)) throw new RangeError(`Invalid fragmentTimeoutMs: ${timeoutMs}`);
    this.#reassembler = new FragmentReassembler(maxPending, timeoutMs);
  }

  /** Fragments currently held for reassembly. */
  get pendingFragments(): number {
    return this.#reassembler.heldFragments;
  }

  /** Incomplete fragmented datagrams dropped on timeout so far. */
  get expiredDatagrams(): number {
    return this.#reassembler.expiredDatagrams;
  }

  decode(frame: Frame): DecodeOutcome {
    this.#reassembler.expire(frame.timestampMs);
    const data = frame.data;
    if (this.isUnwanted(frame.linkType, data, 0, data.length)) return SKIPPED;
    const ip = this.#ip;

    const family = locateNetworkLayer(frame.linkType, data, this.#mac, this.#link);
    let network: ReturnType<typeof parseIpv4>;
    if (family === 4) network = parseIpv4(data, this.#link.networkOffset, ip);
    else if (family === 6) network = parseIpv6(data, this.#link.networkOffset, ip);
    else return family === "skipped" ? SKIPPED : errorOutcome(family);

    if (network === "transport") {
      if (ip.protocol === IP_PROTOCOL_UDP) {
        return this.#udp(data, ip.payloadStart, ip.claimedEnd, data);
      }
      return this.#tcpOrSctp(data, ip.payloadStart, ip.claimedEnd, data);
    }
    if (network === "fragment") return this.#fragment(data, frame.timestampMs);
    return network === "skipped" ? SKIPPED : errorOutcome(network);
  }

  /**
   * The shortcut for most of a capture: untagged Ethernet, IPv4 without options, unfragmented
   * UDP (or TCP / SCTP) with a sane total length, on ports nobody wants. It answers exactly
   * what decode() would ("skipped") for `bytes[start..end)`, with a dozen byte reads and no
   * allocation, so replay can ask it before making a Frame at all. False means "decode it to
   * find out". All three transports keep their ports at the same offsets; UDP costs the one
   * comparison it always did, and TCP or SCTP without ports is answered from an empty table.
   */
  isUnwanted(linkType: number, bytes: Uint8Array, start: number, end: number): boolean {
    if (linkType !== LINKTYPE.ETHERNET || this.#mac !== undefined || end - start < 38) return false;
    const s = start;
    if (bytes[s + 12] !== 0x08 || bytes[s + 13] !== 0 || bytes[s + 14] !== 0x45) return false;
    if (bytes[s + 23] !== 17) return this.#isUnwantedTcpOrSctp(bytes, s);
    if (((bytes[s + 20] ?? 0) & 0x3f) !== 0 || bytes[s + 21] !== 0) return false;
    if (u16(bytes, s + 16) < 28) return false;
    const ports = this.#wantedPorts;
    return ports[u16(bytes, start + 34)] === 0 && ports[u16(bytes, start + 36)] === 0;
  }

  /** isUnwanted past the EtherType and IHL checks, for a protocol other than UDP. */
  #isUnwantedTcpOrSctp(bytes: Uint8Array, s: number): boolean {
    const protocol = bytes[s + 23];
    let ports: Uint8Array;
    if (protocol === IP_PROTOCOL_TCP) ports = this.#tcpPorts;
    else if (protocol === IP_PROTOCOL_SCTP) ports = this.#sctpPorts;
    else return false;
    if (((bytes[s + 20] ?? 0) & 0x3f) !== 0 || bytes[s + 21] !== 0) return false;
    // Enough for the ports; decode() judges the header lengths only on wanted ports.
    if (u16(bytes, s + 16) < 28) return false;
    return ports[u16(bytes, s + 34)] === 0 && ports[u16(bytes, s + 36)] === 0;
  }

  /**
   * @param bytes holds the UDP header at `start`; `claimedEnd` is where the IP length fields
   *   say the packet ends. `addressBytes` holds the IP addresses at ip.sourceOffset (the frame,
   *   also when `bytes` is a reassembled payload).
   */
  #udp(
    bytes: Uint8Array,
    start: number,
    claimedEnd: number,
    addressBytes: Uint8Array,
  ): DecodeOutcome {
    const ip = this.#ip;
    const capturedEnd = Math.min(claimedEnd, bytes.length);
    if (capturedEnd - start < 4) {
      return errorOutcome(claimedEnd - start < UDP_HEADER_LENGTH ? "udp-truncated" : truncated(ip));
    }
    const srcPort = u16(bytes, start);
    const dstPort = u16(bytes, start + 2);
    if (this.#wantedPorts[srcPort] === 0 && this.#wantedPorts[dstPort] === 0) return SKIPPED;

    if (claimedEnd > bytes.length) return errorOutcome(truncated(ip));
    const udpLength = u16(bytes, start + 4);
    if (claimedEnd - start < UDP_HEADER_LENGTH || udpLength < UDP_HEADER_LENGTH) {
      return errorOutcome("udp-truncated");
    }
    if (udpLength > claimedEnd - start) return errorOutcome("udp-truncated");

    const source = ip.sourceOffset;
    const datagram: Datagram = {
      family: ip.family,
      src: ip.family === 4 ? ipv4Text(addressBytes, source) : ipv6Text(addressBytes, source),
      dst:
        ip.family === 4 ? ipv4Text(addressBytes, source + 4) : ipv6Text(addressBytes, source + 16),
      srcPort,
      dstPort,
      payload: bytes.subarray(start + UDP_HEADER_LENGTH, start + udpLength),
      vlans: this.#link.vlanList(),
    };
    return { kind: "datagram", datagram };
  }

  /** As #udp, for TCP (tcp.ts) and SCTP (sctp.ts): ip.protocol says which. */
  #tcpOrSctp(
    bytes: Uint8Array,
    start: number,
    claimedEnd: number,
    addressBytes: Uint8Array,
  ): DecodeOutcome {
    const ip = this.#ip;
    const tcp = ip.protocol === IP_PROTOCOL_TCP;
    const capturedEnd = Math.min(claimedEnd, bytes.length);
    if (capturedEnd - start < 4) {
      const minimum = tcp ? TCP_MIN_HEADER_LENGTH : SCTP_COMMON_HEADER_LENGTH;
      if (claimedEnd - start >= minimum) return errorOutcome(truncated(ip));
      return errorOutcome(tcp ? "tcp-truncated" : "sctp-truncated");
    }
    const ports = tcp ? this.#tcpPorts : this.#sctpPorts;
    if (ports[u16(bytes, start)] === 0 && ports[u16(bytes, start + 2)] === 0) return SKIPPED;
    if (claimedEnd > bytes.length) return errorOutcome(truncated(ip));

    const endpoints = (): PacketEndpoints => {
      const source = ip.sourceOffset;
      const v4 = ip.family === 4;
      return {
        family: ip.family,
        src: v4 ? ipv4Text(addressBytes, source) : ipv6Text(addressBytes, source),
        dst: v4 ? ipv4Text(addressBytes, source + 4) : ipv6Text(addressBytes, source + 16),
        vlans: this.#link.vlanList(),
      };
    };
    if (tcp) {
      const segment = decodeTcp(bytes, start, claimedEnd, endpoints);
      if (typeof segment === "object") return { kind: "tcp", segment };
      return segment === "skipped" ? SKIPPED : errorOutcome(segment);
    }
    const chunks = decodeSctp(bytes, start, claimedEnd, endpoints);
    if (typeof chunks === "object") return { kind: "sctp", chunks };
    return chunks === "skipped" ? SKIPPED : errorOutcome(chunks);
  }

  #fragment(data: Uint8Array, nowMs: number): DecodeOutcome {
    const ip = this.#ip;
    const addressLength = ip.family === 4 ? 4 : 16;
    const key = fragmentKey(
      data,
      ip.sourceOffset,
      addressLength,
      ip.family === 4 ? ip.fragmentNextHeader : 0,
      ip.fragmentId,
    );
    const result = this.#reassembler.add(
      {
        key,
        offset: ip.fragmentOffset,
        moreFragments: ip.moreFragments,
        nextHeader: ip.fragmentNextHeader,
        headerBytes: ip.fragmentHeaderBytes,
      },
      data.subarray(ip.payloadStart, ip.claimedEnd),
      nowMs,
    );
    if (result === "skipped") return SKIPPED;
    if (typeof result === "string") return errorOutcome(result);

    const payload = result.payload;
    // IPv4: only UDP fragments are collected (ipv4.ts).
    if (ip.family === 4) return this.#udp(payload, 0, payload.length, data);

    // IPv6: the fragmentable part may still hold extension headers before the transport.
    ip.claimedEnd = payload.length;
    const inner = walkExtensionHeaders(payload, 0, result.nextHeader, ip, false);
    if (inner === "transport") {
      if (ip.protocol === IP_PROTOCOL_UDP) {
        return this.#udp(payload, ip.payloadStart, payload.length, data);
      }
      return this.#tcpOrSctp(payload, ip.payloadStart, payload.length, data);
    }
    return inner === "skipped" || inner === "fragment" ? SKIPPED : errorOutcome(inner);
  }
}

/** @throws RangeError on a port outside 0..65535 (configuration, never wire input). */
function fillPortTable(table: Uint8Array, ports: Iterable<number>, protocol: string): void {
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new RangeError(`Invalid ${protocol} port: ${port}`);
    }
    table[port] = 1;
  }
}

/** A filled table, or the shared empty one when no port is given. */
function portTable(ports: Iterable<number> | undefined, protocol: string): Uint8Array {
  if (ports === undefined) return NO_PORTS;
  const table = new Uint8Array(65_536);
  fillPortTable(table, ports, protocol);
  return table.includes(1) ? table : NO_PORTS;
}

function truncated(ip: IpLayer): DecodeErrorCode {
  return ip.family === 4 ? "ipv4-truncated" : "ipv6-truncated";
}
