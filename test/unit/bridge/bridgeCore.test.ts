import { describe, expect, it } from "vitest";
import {
  BridgeCore,
  type BridgeDecision,
  MAX_IPV6_ADDRESSES,
} from "../../../src/core/bridge/bridgeCore.js";
import { ipv4FromText } from "../../../src/core/bridge/bridgeFilters.js";
import {
  concat,
  ethernetFrame,
  ipPacketAround,
  parseIpAddress,
  parseMac,
  udpFrame,
} from "../../support/frameBuilder.js";
import { mulberry32 } from "../../support/random.js";

const ADAPTER = "00:90:f8:01:02:03";
const ISP = "00:11:22:33:44:55";
const LAN_PC = "02:aa:bb:cc:dd:ee";
const BROADCAST = "ff:ff:ff:ff:ff:ff";
const SOLICITED_NODE_MAC = "33:33:ff:01:02:03";
const LINK_LOCAL = "fe80::290:f8ff:fe01:203";
const GLOBAL = "2001:db8::290:f8ff:fe01:203";
const NOW = 1_000;
const DHCPOFFER = 2;
const DHCPACK = 5;
const adapterMac = parseMac(ADAPTER);

const newCore = (rewriteDhcpDestination = true) =>
  new BridgeCore({ adapterMac: parseMac(ADAPTER), rewriteDhcpDestination });

/** BOOTP fixed part (RFC 951) + magic cookie + option 53 + end (RFC 2131/2132). */
function bootp(op: number, chaddr: string, yiaddr: string, messageType: number | null) {
  const fixed = new Uint8Array(236);
  fixed.set([op, 1, 6, 0, 0x12, 0x34, 0x56, 0x78]); // op, htype Ethernet, hlen 6, hops, xid
  fixed.set(parseIpAddress(yiaddr), 16);
  fixed.set(parseMac(chaddr), 28);
  const cookie = [0x63, 0x82, 0x53, 0x63];
  const options = messageType === null ? [255] : [0, 53, 1, messageType, 255];
  return concat(fixed, Uint8Array.from([...cookie, ...options]));
}

interface DhcpSpec {
  op?: number;
  chaddr?: string;
  yiaddr?: string;
  type?: number | null;
  dstMac?: string;
  ports?: [number, number];
  vlans?: number[];
}

/** By default: the ISP's DHCPACK for the adapter (172.16.5.9), sent to broadcast. */
function dhcpFrame(spec: DhcpSpec = {}): Uint8Array {
  const [srcPort, dstPort] = spec.ports ?? [67, 68];
  const type = spec.type === undefined ? DHCPACK : spec.type;
  const payload = bootp(spec.op ?? 2, spec.chaddr ?? ADAPTER, spec.yiaddr ?? "172.16.5.9", type);
  const addresses = { src: "172.16.0.1", dst: "255.255.255.255", srcPort, dstPort };
  return udpFrame({
    ...addresses,
    payload,
    srcMac: ISP,
    dstMac: spec.dstMac ?? BROADCAST,
    vlans: spec.vlans,
  });
}

function udp(src: string, dst: string, srcMac: string, dstMac: string, payload = "x") {
  return udpFrame({ src, dst, srcPort: 5060, dstPort: 5060, payload, srcMac, dstMac });
}

/** ARP for IPv4 over Ethernet (RFC 826) to broadcast, 802.1Q tags optional, NIC-padded. */
function arp(
  op: number,
  senderMac: string,
  senderIp: string,
  targetIp: string,
  vlans: number[] = [],
) {
  const header = new Uint8Array(14 + 4 * vlans.length);
  header.set(parseMac(BROADCAST), 0);
  header.set(parseMac(senderMac), 6);
  for (const [i, vlan] of vlans.entries()) {
    header.set([0x81, 0x00, vlan >> 8, vlan & 0xff], 12 + 4 * i);
  }
  header.set([0x08, 0x06], 12 + 4 * vlans.length);
  const body = new Uint8Array(28);
  body.set([0, 1, 0x08, 0x00, 6, 4, 0, op]);
  body.set(parseMac(senderMac), 8);
  body.set(parseIpAddress(senderIp), 14);
  body.set(parseIpAddress(targetIp), 24);
  return concat(header, body, new Uint8Array(18));
}

/** ICMPv6 (default 135, neighbour solicitation, RFC 4861 §4.3) to a solicited-node group. */
function ns(
  target: string,
  o: { type?: number; hopLimit?: number; src?: string; srcMac?: string } = {},
) {
  const message = new Uint8Array(24);
  message[0] = o.type ?? 135;
  message.set(parseIpAddress(target), 8);
  const ip = { src: o.src ?? "fe80::1", dst: "ff02::1:ff01:203", ttl: o.hopLimit ?? 255 };
  return ethernetFrame(ipPacketAround(ip, 58, message), {
    srcMac: o.srcMac ?? ISP,
    dstMac: SOLICITED_NODE_MAC,
  });
}

const fromAdapter = (source: string) =>
  udp(source, source.includes(":") ? "2001:db8::1" : "172.16.0.1", ADAPTER, ISP);

const same = (frame: Uint8Array) => ({ action: "forward", frame, rewritten: false });
const counts = (
  toExternal: number,
  toInternal: number,
  dropped: number,
  rewritten = 0,
  errors = 0,
) => ({
  toExternal,
  toInternal,
  dropped,
  rewritten,
  errors,
});
const startsWith = (frame: Uint8Array, offset: number, mac: Uint8Array) =>
  mac.every((byte, i) => frame[offset + i] === byte);

function forwarded(decision: BridgeDecision): Uint8Array {
  if (decision.action !== "forward") throw new Error(`dropped: ${decision.reason}`);
  return decision.frame;
}

/** Shorthands: what happens to a frame captured on the external / internal side. */
function sides(core: BridgeCore) {
  const reason = (d: BridgeDecision) => (d.action === "drop" ? d.reason : "forward");
  return {
    ext: (frame: Uint8Array) => reason(core.fromExternal(frame, NOW)),
    int: (frame: Uint8Array) => reason(core.fromInternal(frame, NOW)),
  };
}

describe("BridgeCore, external -> internal: DHCP (the seed's scenario)", () => {
  it("forwards a broadcast DHCPOFFER for the adapter with the destination rewritten", () => {
    const core = newCore();
    const offer = dhcpFrame({ type: DHCPOFFER });
    const original = offer.slice();
    const decision = core.fromExternal(offer, NOW);
    const out = forwarded(decision);
    expect(decision).toMatchObject({ rewritten: true });
    expect(out).not.toBe(offer);
    expect(Array.from(out.subarray(0, 6))).toEqual(Array.from(adapterMac));
    expect(Array.from(out.subarray(6))).toEqual(Array.from(offer.subarray(6)));
    expect(offer).toEqual(original); // the captured buffer is left alone
    expect(core.adapterIpv4).toBeNull(); // an offer is not a lease
    expect(core.counters).toEqual(counts(0, 1, 0, 1));
  });

  it("forwards the DHCPACK rewritten and learns yiaddr", () => {
    const core = newCore();
    expect(startsWith(forwarded(core.fromExternal(dhcpFrame(), NOW)), 0, adapterMac)).toBe(true);
    expect(core.adapterIpv4).toBe("172.16.5.9");
  });

  it("forwards the same bytes with the rewrite option off, and still learns", () => {
    const core = newCore(false);
    const ack = dhcpFrame();
    expect(core.fromExternal(ack, NOW)).toEqual(same(ack));
    expect(core.adapterIpv4).toBe("172.16.5.9");
    expect(core.counters).toEqual(counts(0, 1, 0));
  });

  it("learns from a DHCPACK unicast to the adapter's MAC, which needs no rewrite", () => {
    const core = newCore();
    const ack = dhcpFrame({ dstMac: ADAPTER, yiaddr: "172.16.7.7" });
    expect(core.fromExternal(ack, NOW)).toEqual(same(ack));
    expect(core.adapterIpv4).toBe("172.16.7.7");
  });

  it("drops DHCP replies for another client, requests, and unrelated broadcasts", () => {
    const core = newCore();
    const { ext } = sides(core);
    expect(ext(dhcpFrame({ chaddr: LAN_PC }))).toBe("not-for-adapter");
    // Another client's BOOTREQUEST naming the adapter, op 1 on the reply ports, and a
    // relay's 67 -> 67 packet are no replies to the adapter.
    expect(ext(dhcpFrame({ op: 1, ports: [68, 67] }))).toBe("not-for-adapter");
    expect(ext(dhcpFrame({ op: 1 }))).toBe("not-for-adapter");
    expect(ext(dhcpFrame({ ports: [67, 67] }))).toBe("not-for-adapter");
    // The adapter's MAC somewhere in an unrelated broadcast (what the old hack searched for).
    const payload = concat(new Uint8Array(10), adapterMac);
    const netbios = udpFrame({
      ...{ src: "172.16.0.50", dst: "172.16.255.255", srcPort: 137, dstPort: 137, payload },
      ...{ srcMac: LAN_PC, dstMac: BROADCAST },
    });
    expect(ext(netbios)).toBe("not-for-adapter");
    expect(ext(udp("172.16.0.50", "224.0.0.251", LAN_PC, "01:00:5e:00:00:fb"))).toBe(
      "not-for-adapter",
    );
    expect(core.adapterIpv4).toBeNull();
    expect(core.counters).toEqual(counts(0, 0, 6));
  });

  it("forwards a plain BOOTP reply (no option 53) without learning from it", () => {
    const core = newCore();
    forwarded(core.fromExternal(dhcpFrame({ type: null }), NOW));
    expect(core.adapterIpv4).toBeNull();
  });
});

describe("BridgeCore, external -> internal: unicast, ARP, neighbour solicitation", () => {
  it("forwards any unicast to the adapter unchanged, and drops unicast to others", () => {
    const core = newCore();
    const rqnt = udp("172.16.0.1", "172.16.5.9", ISP, ADAPTER, "RQNT 1 aaln/1@box MGCP 1.0");
    expect(core.fromExternal(rqnt, NOW)).toEqual(same(rqnt));
    expect(sides(core).ext(udp("1.2.3.4", "5.6.7.8", ISP, LAN_PC))).toBe("not-for-adapter");
  });

  it("forwards ARP requests for the learned address only", () => {
    const core = newCore();
    const { ext } = sides(core);
    const who = (ip: string, op = 1) => arp(op, ISP, "172.16.0.1", ip);
    expect(ext(who("172.16.5.9"))).toBe("not-for-adapter"); // nothing learned yet
    core.fromExternal(dhcpFrame(), NOW);
    const request = who("172.16.5.9");
    expect(core.fromExternal(request, NOW)).toEqual(same(request));
    expect(ext(who("172.16.5.10"))).toBe("not-for-adapter");
    expect(ext(who("172.16.5.9", 2))).toBe("not-for-adapter"); // a reply, not a request
  });

  it("forwards neighbour solicitations for the adapter's learned IPv6 addresses only", () => {
    const core = newCore();
    const { ext } = sides(core);
    forwarded(core.fromInternal(fromAdapter(LINK_LOCAL), NOW));
    forwarded(core.fromInternal(fromAdapter(GLOBAL), NOW));
    expect(core.adapterIpv6).toEqual([LINK_LOCAL, GLOBAL]);
    const forAdapter = ns(GLOBAL);
    expect(core.fromExternal(forAdapter, NOW)).toEqual(same(forAdapter));
    expect(ext(ns(LINK_LOCAL))).toBe("forward");
    expect(ext(ns("2001:db8::77"))).toBe("not-for-adapter");
    expect(ext(ns(GLOBAL, { type: 134 }))).toBe("not-for-adapter"); // router advertisement
    // Hop limit below 255 means it crossed a router: invalid (RFC 4861 §7.1.1).
    expect(ext(ns(GLOBAL, { hopLimit: 64 }))).toBe("malformed");
  });

  it("handles 802.1Q and QinQ tagged frames like untagged, keeping the tags", () => {
    const core = newCore();
    const tagged = dhcpFrame({ vlans: [7] });
    const out = forwarded(core.fromExternal(tagged, NOW));
    expect(startsWith(out, 0, adapterMac)).toBe(true);
    expect(Array.from(out.subarray(12, 16))).toEqual([0x81, 0x00, 0x00, 0x07]);
    expect(out.length).toBe(tagged.length);
    expect(core.adapterIpv4).toBe("172.16.5.9");
    const request = arp(1, ISP, "172.16.0.1", "172.16.5.9", [1, 2]);
    expect(core.fromExternal(request, NOW)).toEqual(same(request));
    expect(sides(core).ext(dhcpFrame({ vlans: [7], chaddr: LAN_PC }))).toBe("not-for-adapter");
  });
});

describe("BridgeCore, internal -> external", () => {
  it("forwards the adapter's own frames unchanged and drops other LAN machines'", () => {
    const core = newCore();
    const own = fromAdapter("172.16.5.9");
    expect(core.fromInternal(own, NOW)).toEqual(same(own));
    const discover = udpFrame({
      ...{ src: "0.0.0.0", dst: "255.255.255.255", srcPort: 68, dstPort: 67 },
      ...{ payload: bootp(1, ADAPTER, "0.0.0.0", 1), srcMac: ADAPTER, dstMac: BROADCAST },
    });
    expect(core.fromInternal(discover, NOW)).toEqual(same(discover));
    const { int } = sides(core);
    expect(int(udp("192.168.1.20", "8.8.8.8", LAN_PC, ISP))).toBe("not-from-adapter");
    // Nor does another machine's broadcast about the adapter, or a frame to the adapter.
    expect(int(arp(1, LAN_PC, "192.168.1.20", "172.16.5.9"))).toBe("not-from-adapter");
    expect(int(udp("192.168.1.20", "172.16.5.9", LAN_PC, ADAPTER))).toBe("not-from-adapter");
    expect(core.counters).toEqual(counts(2, 0, 3));
  });

  it("learns IPv4 from the adapter's sources and ARP senders, skipping 0.0.0.0", () => {
    const core = newCore();
    core.fromInternal(fromAdapter("0.0.0.0"), NOW);
    core.fromInternal(arp(1, ADAPTER, "0.0.0.0", "172.16.5.9"), NOW); // ARP probe
    expect(core.adapterIpv4).toBeNull();
    core.fromInternal(arp(1, ADAPTER, "172.16.9.9", "172.16.9.9"), NOW); // gratuitous ARP
    expect(core.adapterIpv4).toBe("172.16.9.9");
    core.fromInternal(fromAdapter("172.16.9.10"), NOW);
    expect(core.adapterIpv4).toBe("172.16.9.10");
  });

  it("does not learn :: or multicast IPv6 sources, and keeps a bounded LRU of addresses", () => {
    const core = newCore();
    core.fromInternal(ns(GLOBAL, { src: "::", srcMac: ADAPTER }), NOW); // DAD probe
    core.fromInternal(fromAdapter("ff02::1"), NOW);
    expect(core.adapterIpv6).toEqual([]);
    for (let i = 1; i <= MAX_IPV6_ADDRESSES + 1; i++) {
      core.fromInternal(fromAdapter(`2001:db8::${i}`), NOW + i);
      if (i === 1) core.fromInternal(fromAdapter("2001:db8::1"), NOW + 100); // seen again
    }
    expect(core.adapterIpv6).toHaveLength(MAX_IPV6_ADDRESSES);
    expect(core.adapterIpv6).toContain("2001:db8::1");
    expect(core.adapterIpv6).not.toContain("2001:db8::2"); // least recently seen
    expect(core.adapterIpv6).toContain(`2001:db8::${MAX_IPV6_ADDRESSES + 1}`);
  });
});

describe("BridgeCore, re-learning after an adapter reboot", () => {
  it("a new DHCPACK replaces the old address", () => {
    const core = newCore();
    const { ext } = sides(core);
    const who = (ip: string) => arp(1, ISP, "172.16.0.1", ip);
    core.fromExternal(dhcpFrame({ yiaddr: "172.16.5.9" }), NOW);
    expect(ext(who("172.16.5.9"))).toBe("forward");
    core.fromExternal(dhcpFrame({ yiaddr: "172.16.8.1" }), NOW + 60_000);
    expect(core.adapterIpv4).toBe("172.16.8.1");
    expect(ext(who("172.16.5.9"))).toBe("not-for-adapter");
    expect(ext(who("172.16.8.1"))).toBe("forward");
    // An ACK with yiaddr 0 (the answer to a DHCPINFORM) assigns nothing and changes nothing.
    core.fromExternal(dhcpFrame({ yiaddr: "0.0.0.0" }), NOW);
    expect(core.adapterIpv4).toBe("172.16.8.1");
  });
});

describe("BridgeCore, no loops and no echoes", () => {
  it("drops the adapter's own frames when the external capture sees them again", () => {
    const core = learnedCore();
    // A gratuitous ARP and a DAD probe name the adapter's own addresses: without the echo
    // rule they would pass the "meant for the adapter" tests and bounce straight back.
    const own = [
      arp(1, ADAPTER, "172.16.5.9", "172.16.5.9"),
      ns(LINK_LOCAL, { src: "::", srcMac: ADAPTER }),
      udp("172.16.5.9", "172.16.5.9", ADAPTER, ADAPTER),
      fromAdapter("172.16.5.9"),
    ];
    for (const frame of own) {
      const out = forwarded(core.fromInternal(frame, NOW));
      expect(sides(core).ext(out)).toBe("echo");
    }
  });

  it("drops frames the bridge sent to the adapter when the internal capture sees them", () => {
    const core = newCore();
    const out = forwarded(core.fromExternal(dhcpFrame(), NOW));
    expect(sides(core).int(out)).toBe("not-from-adapter");
  });

  it("never lets a frame cross twice when both captures see every injected frame", () => {
    const core = learnedCore();
    let crossings = 0;
    // Each frame enters on both sides; whatever is forwarded is fed back to the capture of the
    // side it was sent out on (as without PCAP_D_IN), and must stop there.
    for (const frame of corpus()) {
      const inward = core.fromExternal(frame, NOW);
      if (inward.action === "forward") {
        crossings++;
        expect(core.fromInternal(inward.frame, NOW).action).toBe("drop");
      }
      const outward = core.fromInternal(frame, NOW);
      if (outward.action === "forward") {
        crossings++;
        expect(core.fromExternal(outward.frame, NOW).action).toBe("drop");
      }
    }
    expect(crossings).toBeGreaterThan(5);
  });
});

describe("BridgeCore, hostile input", () => {
  it("counts runts as errors", () => {
    const core = newCore();
    expect(sides(core).ext(new Uint8Array(13))).toBe("malformed");
    expect(sides(core).int(new Uint8Array(0))).toBe("malformed");
    expect(core.counters).toEqual(counts(0, 0, 2, 0, 2));
  });

  it("never throws on any test frame truncated at any offset", () => {
    const core = learnedCore();
    const before = total(core);
    let calls = 0;
    for (const frame of corpus()) {
      for (let length = 0; length <= frame.length; length++) {
        const cut = frame.slice(0, length);
        checkDecision(core.fromExternal(cut, NOW), cut, "external");
        checkDecision(core.fromInternal(cut, NOW), cut, "internal");
        calls += 2;
      }
    }
    expect(total(core) - before).toBe(calls);
  });

  it("never throws on 20,000 seeded mutations, and keeps the MAC invariants", () => {
    const random = mulberry32(0x0b1d9e);
    const frames = corpus();
    const core = learnedCore();
    for (let i = 0; i < 20_000; i++) {
      const base = frames[Math.floor(random() * frames.length)] ?? new Uint8Array(0);
      const cut = random() < 0.2 ? Math.floor(random() * (base.length + 1)) : base.length;
      const frame = base.slice(0, cut);
      const flips = 1 + Math.floor(random() * 4);
      for (let j = 0; j < flips && frame.length > 0; j++) {
        frame[Math.floor(random() * frame.length)] = Math.floor(random() * 256);
      }
      checkDecision(core.fromExternal(frame, NOW + i), frame, "external");
      checkDecision(core.fromInternal(frame, NOW + i), frame, "internal");
    }
    expect(total(core)).toBe(40_000 + 2);
    expect(core.counters.errors).toBeGreaterThan(0);
    expect(core.counters.toInternal).toBeGreaterThan(0);
  });
});

/** A core that knows 172.16.5.9 and LINK_LOCAL (after two decisions). */
function learnedCore(): BridgeCore {
  const core = newCore();
  core.fromExternal(dhcpFrame(), NOW);
  core.fromInternal(fromAdapter(LINK_LOCAL), NOW);
  return core;
}

function total(core: BridgeCore): number {
  const c = core.counters;
  return c.toExternal + c.toInternal + c.dropped;
}

/** Forwarded frames keep their length; outwards always the adapter's source, inwards never. */
function checkDecision(decision: BridgeDecision, input: Uint8Array, side: "internal" | "external") {
  if (decision.action === "drop") {
    expect(typeof decision.reason).toBe("string");
    return;
  }
  expect(decision.frame.length).toBe(input.length);
  expect(startsWith(decision.frame, 6, adapterMac)).toBe(side === "internal");
}

function corpus(): Uint8Array[] {
  return [
    dhcpFrame(),
    dhcpFrame({ type: DHCPOFFER, vlans: [7] }),
    dhcpFrame({ vlans: [1, 2] }),
    dhcpFrame({ dstMac: ADAPTER }),
    dhcpFrame({ chaddr: LAN_PC }),
    arp(1, ISP, "172.16.0.1", "172.16.5.9"),
    arp(1, ADAPTER, "172.16.5.9", "172.16.0.1", [3]),
    ns(LINK_LOCAL),
    ns(LINK_LOCAL, { src: "::", srcMac: ADAPTER }),
    fromAdapter("172.16.5.9"),
    fromAdapter("2001:db8::9"),
    udp("172.16.0.1", "172.16.5.9", ISP, ADAPTER),
    udp("172.16.0.50", "172.16.255.255", LAN_PC, BROADCAST),
  ];
}

describe("addresses remembered from an earlier run", () => {
  const arpFor = (target: string) => arp(1, ISP, "172.16.0.1", target);

  it("let ARP for the remembered address cross before the adapter speaks", () => {
    const core = newCore();
    expect(core.fromExternal(arpFor("172.16.5.28"), NOW).action).toBe("drop");
    core.rememberIpv4(ipv4FromText("172.16.5.28") as number);
    expect(core.adapterIpv4).toBe("172.16.5.28");
    expect(core.fromExternal(arpFor("172.16.5.28"), NOW).action).toBe("forward");
  });

  it("count each change of the address, not each frame that confirms it", () => {
    const core = newCore();
    expect(core.ipv4Changes).toBe(0);
    core.fromInternal(arp(1, ADAPTER, "172.16.5.28", "172.16.0.1"), NOW);
    core.fromInternal(arp(1, ADAPTER, "172.16.5.28", "172.16.0.1"), NOW);
    expect(core.ipv4Changes).toBe(1);
    core.fromInternal(arp(1, ADAPTER, "172.16.5.29", "172.16.0.1"), NOW);
    expect(core.ipv4Changes).toBe(2);
    expect(core.adapterIpv4).toBe("172.16.5.29");
  });

  it("never replace an address learned in this run, nor take a group or zero address", () => {
    const core = newCore();
    core.rememberIpv4(ipv4FromText("224.0.0.1") as number);
    core.rememberIpv4(0);
    expect(core.adapterIpv4).toBeNull();
    core.rememberIpv4(ipv4FromText("172.16.5.28") as number);
    core.rememberIpv4(ipv4FromText("172.16.5.99") as number);
    expect(core.adapterIpv4).toBe("172.16.5.28");
  });
});
