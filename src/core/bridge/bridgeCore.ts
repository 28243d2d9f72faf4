/*
 * The MAC bridge's decisions: which frame crosses between the external interface (towards the
 * ISP) and the internal one (towards the telephone adapter), and whether it is rewritten.
 * Pure: no I/O, no clock (time is passed in); every input frame yields a decision, never a
 * throw. Wire layouts and their RFCs are pictured in bridgeFrames.ts.
 *
 *   internal -> external: every frame whose source MAC is the adapter's, byte for byte.
 *   external -> internal: every frame whose destination MAC is the adapter's, and of broadcasts
 *     and multicasts only those meant for the adapter:
 *       - DHCP replies (UDP 67 -> 68, BOOTP op 2) whose chaddr is the adapter's MAC, with the
 *         destination MAC rewritten to the adapter's when rewriteDhcpDestination is set (the
 *         ISP broadcast them and the adapter ignored a broadcast reply);
 *       - ARP requests whose target is the adapter's current IPv4 address;
 *       - IPv6 neighbour solicitations whose target is one of the adapter's IPv6 addresses.
 *   Nothing else crosses. 802.1Q / 802.1ad tags are walked to find the EtherType and stay in
 *   the forwarded frame; a rewrite touches only the six destination bytes.
 *
 * No loops and no echoes, without any state: a frame crosses inwards only if its source MAC is
 * NOT the adapter's (fromExternal drops the adapter's own source first), and outwards only if
 * it IS. So a frame the bridge injected on one side, when the capture there sees it again,
 * fails the test of the other direction: no frame can cross twice, whatever the timing, and
 * nothing depends on the I/O layer remembering what it sent. Fingerprinting sent frames was
 * rejected: it needs a time window and a bound, and would also swallow a genuine identical
 * retransmission inside that window. The I/O layer should still capture with
 * pcap_setdirection(PCAP_D_IN) where supported, so its own injections never reach the core
 * and do not inflate the "dropped" counter; the MAC rule is what makes it safe where that
 * filter is unavailable or leaky.
 *
 * Learning: the adapter's IPv4 address comes from the yiaddr of a DHCPACK for its chaddr and
 * from its own frames (IPv4 source, ARP sender); the latest one wins, so a reboot with a new
 * lease re-learns. IPv6 addresses come from its own frames' sources; it may hold several
 * (link-local, global, temporary), so up to MAX_IPV6_ADDRESSES are kept and the least recently
 * seen is evicted. A stale entry only lets a solicitation the adapter will ignore through.
 */

import { ipv4Text, ipv6Text } from "../packet/ipAddress.js";
import {
  BOOTREPLY,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DHCPACK,
  destinationIs,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  type FrameProblem,
  isGroupDestination,
  macAt,
  neighborSolicitationTarget,
  parseArp,
  parseDhcp,
  parseEthernet,
  parseIpv4,
  parseIpv6,
  sourceIs,
} from "./bridgeFrames.js";

export interface BridgeSettings {
  adapterMac: Uint8Array;
  rewriteDhcpDestination: boolean;
}

export type DropReason =
  /** Too short, or a header the decision needed is malformed (also counted in errors). */
  | "malformed"
  /** Internal side: a frame from another LAN machine. */
  | "not-from-adapter"
  /** External side: the adapter's own source MAC, i.e. the bridge's own outbound frame. */
  | "echo"
  /** External side: neither addressed to the adapter nor a broadcast meant for it. */
  | "not-for-adapter";

export type BridgeDecision =
  | { action: "forward"; frame: Uint8Array; rewritten: boolean }
  | { action: "drop"; reason: DropReason };

export interface BridgeCounters {
  toExternal: number;
  toInternal: number;
  /** Every drop, errors included. */
  dropped: number;
  /** Forwarded inwards with the destination MAC rewritten (a subset of toInternal). */
  rewritten: number;
  /** Drops because a needed header was malformed or cut off (a subset of dropped). */
  errors: number;
}

export const MAX_IPV6_ADDRESSES = 8;

const ARP_REQUEST = 1;
const IPV6_ADDRESS_LENGTH = 16;
const IPV4_CLASS_D = 0xe0000000; // multicast and above: never a host's own address

interface LearnedIpv6 {
  bytes: Uint8Array;
  text: string;
  lastSeen: number;
}

export class BridgeCore {
  private readonly adapterMac: Uint8Array;
  private readonly rewriteDhcpDestination: boolean;
  private ipv4: number | null = null;
  private ipv4ChangeCount = 0;
  private readonly ipv6: LearnedIpv6[] = [];
  private readonly count: BridgeCounters = {
    toExternal: 0,
    toInternal: 0,
    dropped: 0,
    rewritten: 0,
    errors: 0,
  };

  constructor(settings: BridgeSettings) {
    // A copy: the caller's array must not be able to change the bridge's identity later.
    this.adapterMac = Uint8Array.from(settings.adapterMac);
    this.rewriteDhcpDestination = settings.rewriteDhcpDestination;
  }

  /** A frame captured on the internal interface; "forward" means send it out externally. */
  fromInternal(frame: Uint8Array, now: number): BridgeDecision {
    const ethernet = parseEthernet(frame);
    if (ethernet === "truncated") return this.error();
    if (!sourceIs(frame, this.adapterMac)) return this.drop("not-from-adapter");
    // The adapter's frames go out whatever they carry; reading them only feeds learning, so a
    // header the learner cannot read does not stop the frame.
    if (ethernet !== "malformed")
      this.learnFromOwnFrame(frame, ethernet.etherType, ethernet.payloadOffset, now);
    this.count.toExternal++;
    return { action: "forward", frame, rewritten: false };
  }

  /**
   * A frame captured on the external interface; "forward" means send it to the adapter.
   * `now` is unused today (no decision is timed) but kept so that callers need not change
   * when one is.
   */
  fromExternal(frame: Uint8Array, _now: number): BridgeDecision {
    const ethernet = parseEthernet(frame);
    if (ethernet === "truncated") return this.error();
    if (sourceIs(frame, this.adapterMac)) return this.drop("echo");

    if (destinationIs(frame, this.adapterMac)) {
      // A unicast DHCPACK (server broadcast flag clear) teaches the address as well.
      if (ethernet !== "malformed" && ethernet.etherType === ETHERTYPE_IPV4) {
        this.dhcpReplyForAdapter(frame, ethernet.payloadOffset);
      }
      this.count.toInternal++;
      return { action: "forward", frame, rewritten: false };
    }
    if (!isGroupDestination(frame)) return this.drop("not-for-adapter");
    if (ethernet === "malformed") return this.error();

    switch (ethernet.etherType) {
      case ETHERTYPE_IPV4: {
        const reply = this.dhcpReplyForAdapter(frame, ethernet.payloadOffset);
        if (reply === "yes") return this.forwardDhcpReply(frame);
        return reply === "no" ? this.drop("not-for-adapter") : this.error();
      }
      case ETHERTYPE_ARP: {
        const arp = parseArp(frame, ethernet.payloadOffset);
        if (typeof arp === "string") return this.error();
        if (arp.op === ARP_REQUEST && this.ipv4 !== null && arp.targetIpv4 === this.ipv4) {
          return this.forward(frame);
        }
        return this.drop("not-for-adapter");
      }
      case ETHERTYPE_IPV6: {
        const ipv6 = parseIpv6(frame, ethernet.payloadOffset);
        if (typeof ipv6 === "string") return this.error();
        const target = neighborSolicitationTarget(frame, ipv6);
        if (target === "other") return this.drop("not-for-adapter");
        if (typeof target === "string") return this.error();
        if (this.ipv6.some((entry) => bytesAt(frame, target, entry.bytes))) {
          return this.forward(frame);
        }
        return this.drop("not-for-adapter");
      }
      default:
        return this.drop("not-for-adapter");
    }
  }

  /**
   * Takes an address learned by an earlier run (the bridge's worker process restarts when an
   * interface goes down), so ARP requests for it cross before the adapter speaks again. A
   * later DHCPACK or frame from the adapter replaces it as usual.
   */
  rememberIpv4(address: number): void {
    if (this.ipv4 === null && isHostIpv4(address)) this.learnIpv4(address);
  }

  /**
   * Goes up by one whenever the adapter's IPv4 address changes: a cheap way for the caller to
   * notice (and report at once) without building the address text for every frame.
   */
  get ipv4Changes(): number {
    return this.ipv4ChangeCount;
  }

  get adapterIpv4(): string | null {
    if (this.ipv4 === null) return null;
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, this.ipv4);
    return ipv4Text(bytes, 0);
  }

  get adapterIpv6(): readonly string[] {
    return this.ipv6.map((entry) => entry.text);
  }

  get counters(): BridgeCounters {
    return { ...this.count };
  }

  /**
   * "yes" for a DHCP reply (67 -> 68, BOOTP op 2) whose chaddr is the adapter's, learning
   * yiaddr when it is a DHCPACK; "no" for anything else readable; a problem code otherwise.
   */
  private dhcpReplyForAdapter(frame: Uint8Array, offset: number): "yes" | "no" | FrameProblem {
    const ipv4 = parseIpv4(frame, offset);
    if (typeof ipv4 === "string") return ipv4;
    const dhcp = parseDhcp(frame, ipv4);
    if (dhcp === "other") return "no";
    if (typeof dhcp === "string") return dhcp;
    if (
      dhcp.sourcePort !== DHCP_SERVER_PORT ||
      dhcp.destinationPort !== DHCP_CLIENT_PORT ||
      dhcp.op !== BOOTREPLY ||
      !macAt(frame, dhcp.chaddrOffset, this.adapterMac)
    ) {
      return "no";
    }
    // yiaddr 0 is the ACK of a DHCPINFORM: no address is being assigned.
    if (dhcp.messageType === DHCPACK && isHostIpv4(dhcp.yiaddr)) this.learnIpv4(dhcp.yiaddr);
    return "yes";
  }

  private forwardDhcpReply(frame: Uint8Array): BridgeDecision {
    if (!this.rewriteDhcpDestination) return this.forward(frame);
    // A copy: the capture layer may reuse or still hold the original buffer.
    const copy = Uint8Array.from(frame);
    copy.set(this.adapterMac, 0);
    this.count.toInternal++;
    this.count.rewritten++;
    return { action: "forward", frame: copy, rewritten: true };
  }

  private learnFromOwnFrame(frame: Uint8Array, etherType: number, offset: number, now: number) {
    if (etherType === ETHERTYPE_IPV4) {
      const ipv4 = parseIpv4(frame, offset);
      // Source 0.0.0.0 is a DHCP client without a lease yet: nothing to learn.
      if (typeof ipv4 !== "string" && isHostIpv4(ipv4.source)) this.learnIpv4(ipv4.source);
    } else if (etherType === ETHERTYPE_ARP) {
      const arp = parseArp(frame, offset);
      // Sender 0.0.0.0 is an ARP probe (RFC 5227 §2.1.1) for an address not yet owned.
      if (typeof arp !== "string" && isHostIpv4(arp.senderIpv4)) this.learnIpv4(arp.senderIpv4);
    } else if (etherType === ETHERTYPE_IPV6) {
      const ipv6 = parseIpv6(frame, offset);
      if (typeof ipv6 !== "string") this.learnIpv6(frame, ipv6.sourceOffset, now);
    }
  }

  private learnIpv4(address: number): void {
    if (address === this.ipv4) return;
    this.ipv4 = address;
    this.ipv4ChangeCount++;
  }

  private learnIpv6(frame: Uint8Array, offset: number, now: number): void {
    // :: is a duplicate address detection probe (RFC 4862 §5.4.2); ff00::/8 is never a source.
    const first = frame[offset] ?? 0;
    if (first === 0xff || isUnspecified(frame, offset)) return;
    const known = this.ipv6.find((entry) => bytesAt(frame, offset, entry.bytes));
    if (known !== undefined) {
      known.lastSeen = now;
      return;
    }
    if (this.ipv6.length === MAX_IPV6_ADDRESSES) {
      let oldest = 0;
      for (let i = 1; i < this.ipv6.length; i++) {
        if ((this.ipv6[i]?.lastSeen ?? 0) < (this.ipv6[oldest]?.lastSeen ?? 0)) oldest = i;
      }
      this.ipv6.splice(oldest, 1);
    }
    const bytes = frame.slice(offset, offset + IPV6_ADDRESS_LENGTH);
    this.ipv6.push({ bytes, text: ipv6Text(bytes, 0), lastSeen: now });
  }

  private forward(frame: Uint8Array): BridgeDecision {
    this.count.toInternal++;
    return { action: "forward", frame, rewritten: false };
  }

  private drop(reason: DropReason): BridgeDecision {
    this.count.dropped++;
    return { action: "drop", reason };
  }

  private error(): BridgeDecision {
    this.count.errors++;
    return this.drop("malformed");
  }
}

function isHostIpv4(address: number): boolean {
  return address !== 0 && address < IPV4_CLASS_D;
}

function isUnspecified(frame: Uint8Array, offset: number): boolean {
  for (let i = 0; i < IPV6_ADDRESS_LENGTH; i++) if ((frame[offset + i] ?? 0) !== 0) return false;
  return true;
}

/** The bytes of `expected` appear at `offset` (all of them captured). */
function bytesAt(frame: Uint8Array, offset: number, expected: Uint8Array): boolean {
  if (offset + expected.length > frame.length) return false;
  for (let i = 0; i < expected.length; i++) if (frame[offset + i] !== expected[i]) return false;
  return true;
}
