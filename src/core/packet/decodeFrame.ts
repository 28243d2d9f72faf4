/*
 * Frame -> UDP datagram: link layer, IPv4 / IPv6 (with reassembly), then UDP (RFC 768):
 *
 *   | source port:16 | destination port:16 |
 *   | length:16 (header + data, >= 8) | checksum:16 |
 *   | data: length - 8 bytes |
 *
 * The UDP checksum is not verified: on the capturing host outgoing packets are seen before the
 * NIC computes it (checksum offload), so captured checksums are routinely "wrong".
 *
 * This is the hot path: a capture is mostly RTP on ports nobody asked for. For an unfragmented
 * packet the ports are looked up in a 65,536-entry table right after the few header bytes that
 * locate them, before any length judgement, string or object is made; the skip outcome is a
 * shared constant. Addresses become text only for datagrams that are returned.
 */

import { type Frame, LINKTYPE } from "../capture/frame.js";
import type { DecodeErrorCode } from "../errors.js";
import { u16 } from "./bytes.js";
import type { Datagram } from "./datagram.js";
import { ipv4Text, ipv6Text } from "./ipAddress.js";
import { IpLayer } from "./ipLayer.js";
import { parseIpv4 } from "./ipv4.js";
import { parseIpv6, walkExtensionHeaders } from "./ipv6.js";
import { LinkLayerCursor, locateNetworkLayer } from "./linkLayer.js";
import { FragmentReassembler, fragmentKey } from "./reassembly.js";

export type DecodeOutcome =
  | { kind: "datagram"; datagram: Datagram }
  | { kind: "skipped" }
  | { kind: "error"; code: DecodeErrorCode };

export interface FrameDecoderOptions {
  /** A datagram is returned only when its source OR destination port is in this set. */
  ports: Iterable<number>;
  /** Only frames from/to this 6-byte MAC (Ethernet source/destination, SLL address field). */
  mac?: Uint8Array;
  /** Incomplete fragmented datagrams held at once; default 64. */
  maxPendingDatagrams?: number;
  /** Incomplete datagrams are dropped this long after their first fragment; default 30 s. */
  fragmentTimeoutMs?: number;
}

const UDP_HEADER_LENGTH = 8;
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
  readonly #mac: Uint8Array | undefined;
  readonly #link = new LinkLayerCursor();
  readonly #ip = new IpLayer();
  readonly #reassembler: FragmentReassembler;

  /** @throws RangeError on an invalid option (configuration, never wire input). */
  constructor(options: FrameDecoderOptions) {
    for (const port of options.ports) {
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new RangeError(`Invalid UDP port: ${port}`);
      }
      this.#wantedPorts[port] = 1;
    }
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

    if (network === "udp") return this.#udp(data, ip.payloadStart, ip.claimedEnd, data);
    if (network === "fragment") return this.#fragment(data, frame.timestampMs);
    return network === "skipped" ? SKIPPED : errorOutcome(network);
  }

  /**
   * The shortcut for most of a capture: untagged Ethernet, IPv4 without options, unfragmented
   * UDP with a sane total length, on ports nobody wants. It answers exactly what decode() would
   * ("skipped") for `bytes[start..end)`, with a dozen byte reads and no allocation, so replay
   * can ask it before making a Frame at all. False means "decode it to find out".
   */
  isUnwanted(linkType: number, bytes: Uint8Array, start: number, end: number): boolean {
    if (linkType !== LINKTYPE.ETHERNET || this.#mac !== undefined || end - start < 38) return false;
    const s = start;
    if (bytes[s + 12] !== 0x08 || bytes[s + 13] !== 0 || bytes[s + 14] !== 0x45) return false;
    if (bytes[s + 23] !== 17 || ((bytes[s + 20] ?? 0) & 0x3f) !== 0 || bytes[s + 21] !== 0) {
      return false;
    }
    if (u16(bytes, s + 16) < 28) return false;
    const ports = this.#wantedPorts;
    return ports[u16(bytes, start + 34)] === 0 && ports[u16(bytes, start + 36)] === 0;
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
    if (ip.family === 4) return this.#udp(payload, 0, payload.length, data);

    // IPv6: the fragmentable part may still hold extension headers before UDP.
    ip.claimedEnd = payload.length;
    const inner = walkExtensionHeaders(payload, 0, result.nextHeader, ip, false);
    if (inner === "udp") return this.#udp(payload, ip.payloadStart, payload.length, data);
    return inner === "skipped" || inner === "fragment" ? SKIPPED : errorOutcome(inner);
  }
}

function truncated(ip: IpLayer): DecodeErrorCode {
  return ip.family === 4 ? "ipv4-truncated" : "ipv6-truncated";
}
