import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../../src/core/capture/frame.js";
import type { Datagram } from "../../../src/core/packet/datagram.js";
import { type DecodeOutcome, FrameDecoder } from "../../../src/core/packet/decodeFrame.js";
import {
  asFrame,
  concat,
  ethernetFrame,
  ipUdpPacket,
  parseMac,
  sllFrame,
  type UdpFrameSpec,
  udpFrame,
} from "../../support/frameBuilder.js";

const MGCP_PORT = 2427;
const V4: UdpFrameSpec = {
  src: "192.168.1.10",
  dst: "10.0.0.1",
  srcPort: 2727,
  dstPort: MGCP_PORT,
  payload: "RSIP 1 aaln/1@mta MGCP 1.0\r\n",
};
const V6: UdpFrameSpec = { ...V4, src: "2001:db8::10", dst: "2001:db8::1" };

function datagramOf(outcome: DecodeOutcome): Datagram {
  if (outcome.kind !== "datagram")
    throw new Error(`expected a datagram, got ${JSON.stringify(outcome)}`);
  return outcome.datagram;
}

function decode(data: Uint8Array, linkType: number = LINKTYPE.ETHERNET, decoder?: FrameDecoder) {
  return (decoder ?? new FrameDecoder({ ports: [MGCP_PORT] })).decode(asFrame(data, linkType));
}

function expectV4Datagram(outcome: DecodeOutcome, vlans: number[] = []): void {
  const datagram = datagramOf(outcome);
  expect(datagram).toMatchObject({
    family: 4,
    src: "192.168.1.10",
    dst: "10.0.0.1",
    srcPort: 2727,
    dstPort: MGCP_PORT,
    vlans,
  });
  expect(new TextDecoder().decode(datagram.payload)).toBe(V4.payload);
}

function expectV6Datagram(outcome: DecodeOutcome): void {
  const datagram = datagramOf(outcome);
  expect(datagram).toMatchObject({ family: 6, src: "2001:db8::10", dst: "2001:db8::1" });
  expect(new TextDecoder().decode(datagram.payload)).toBe(V4.payload);
}

/** An Ethernet header with an arbitrary EtherType in front of `rest`. */
function ethernetWithType(etherType: number, rest: Uint8Array): Uint8Array {
  const header = ethernetFrame(new Uint8Array(0)).subarray(0, 14);
  header[12] = etherType >> 8;
  header[13] = etherType & 0xff;
  return concat(header, rest);
}

function pppoeSession(pppProtocol: number, packet: Uint8Array, code = 0): Uint8Array {
  const header = Uint8Array.of(0x11, code, 0x12, 0x34, 0, 0, pppProtocol >> 8, pppProtocol & 0xff);
  header[4] = (packet.length + 2) >> 8;
  header[5] = (packet.length + 2) & 0xff;
  return concat(header, packet);
}

describe("Ethernet", () => {
  it("decodes IPv4 and IPv6", () => {
    expectV4Datagram(decode(udpFrame(V4)));
    expectV6Datagram(decode(udpFrame(V6)));
  });

  it("collects one 802.1Q id and QinQ stacks outermost first", () => {
    expectV4Datagram(decode(udpFrame({ ...V4, vlans: [100] })), [100]);
    expectV4Datagram(decode(udpFrame({ ...V4, vlans: [10, 20] })), [10, 20]);
    expectV4Datagram(
      decode(udpFrame({ ...V4, vlans: [1, 2, 3, 4, 5, 6, 7, 4095] })),
      [1, 2, 3, 4, 5, 6, 7, 4095],
    );
  });

  it("accepts the 0x9100 QinQ tag and keeps the VID without PCP/DEI bits", () => {
    const frame = udpFrame({ ...V4, vlans: [300, 400] });
    frame[12] = 0x91;
    frame[13] = 0x00;
    frame[14] = 0xe0 | (frame[14] ?? 0);
    expectV4Datagram(decode(frame), [300, 400]);
  });

  it("skips stacks deeper than 8 tags", () => {
    expect(decode(udpFrame({ ...V4, vlans: [1, 2, 3, 4, 5, 6, 7, 8, 9] }))).toEqual({
      kind: "skipped",
    });
  });

  it("reports a tag cut by the capture as frame-truncated", () => {
    const frame = udpFrame({ ...V4, vlans: [10, 20] });
    expect(decode(frame.subarray(0, 20))).toEqual({ kind: "error", code: "frame-truncated" });
    expect(decode(frame.subarray(0, 13))).toEqual({ kind: "error", code: "frame-truncated" });
  });

  it("skips 802.3 length frames, ARP and unknown EtherTypes", () => {
    const packet = ipUdpPacket(V4);
    expect(decode(ethernetWithType(packet.length, packet))).toEqual({ kind: "skipped" });
    expect(decode(ethernetWithType(0x0806, new Uint8Array(28)))).toEqual({ kind: "skipped" });
    expect(decode(ethernetWithType(0x88cc, packet))).toEqual({ kind: "skipped" });
  });

  it("reads PPPoE session frames carrying IPv4 or IPv6, also behind a VLAN tag", () => {
    expectV4Datagram(decode(ethernetWithType(0x8864, pppoeSession(0x0021, ipUdpPacket(V4)))));
    expectV6Datagram(decode(ethernetWithType(0x8864, pppoeSession(0x0057, ipUdpPacket(V6)))));
    const tagged = ethernetWithType(
      0x8100,
      concat(Uint8Array.of(0, 7, 0x88, 0x64), pppoeSession(0x0021, ipUdpPacket(V4))),
    );
    expectV4Datagram(decode(tagged), [7]);
  });

  it("skips PPPoE that is not IP session data and reports a cut PPPoE header", () => {
    const lcp = ethernetWithType(0x8864, pppoeSession(0xc021, new Uint8Array(20)));
    expect(decode(lcp)).toEqual({ kind: "skipped" });
    const discovery = ethernetWithType(0x8864, pppoeSession(0x0021, ipUdpPacket(V4), 0x09));
    expect(decode(discovery)).toEqual({ kind: "skipped" });
    const cut = ethernetWithType(0x8864, Uint8Array.of(0x11, 0, 0, 1));
    expect(decode(cut)).toEqual({ kind: "error", code: "frame-truncated" });
  });
});

describe("Linux cooked capture", () => {
  it.each([1, 2] as const)("SLL v%i carries IPv4 and IPv6", (version) => {
    const linkType = version === 1 ? LINKTYPE.LINUX_SLL : LINKTYPE.LINUX_SLL2;
    expectV4Datagram(decode(sllFrame(ipUdpPacket(V4), version), linkType));
    expectV6Datagram(decode(sllFrame(ipUdpPacket(V6), version), linkType));
  });

  it.each([
    [1, LINKTYPE.LINUX_SLL, 15],
    [2, LINKTYPE.LINUX_SLL2, 19],
  ] as const)("SLL v%i shorter than its header is frame-truncated", (version, linkType, cut) => {
    const frame = sllFrame(ipUdpPacket(V4), version).subarray(0, cut);
    expect(decode(frame, linkType)).toEqual({ kind: "error", code: "frame-truncated" });
  });

  it("walks a VLAN tag after the SLL protocol field", () => {
    const inner = sllFrame(ipUdpPacket(V4), 1);
    const tagged = concat(
      inner.subarray(0, 14),
      Uint8Array.of(0x81, 0, 0, 42, 8, 0),
      inner.subarray(16),
    );
    expectV4Datagram(decode(tagged, LINKTYPE.LINUX_SLL), [42]);
  });
});

describe("NULL (BSD loopback)", () => {
  function nullFrame(family: number, littleEndian: boolean, packet: Uint8Array): Uint8Array {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, family, littleEndian);
    return concat(header, packet);
  }

  it.each([true, false])("reads AF_INET in either byte order (little-endian %s)", (le) => {
    expectV4Datagram(decode(nullFrame(2, le, ipUdpPacket(V4)), LINKTYPE.NULL));
  });

  it.each([10, 24, 28, 30])("reads AF_INET6 value %i in either byte order", (family) => {
    expectV6Datagram(decode(nullFrame(family, true, ipUdpPacket(V6)), LINKTYPE.NULL));
    expectV6Datagram(decode(nullFrame(family, false, ipUdpPacket(V6)), LINKTYPE.NULL));
  });

  it("skips other families and reports a cut header", () => {
    expect(decode(nullFrame(7, true, ipUdpPacket(V4)), LINKTYPE.NULL)).toEqual({ kind: "skipped" });
    expect(decode(Uint8Array.of(2, 0, 0), LINKTYPE.NULL)).toEqual({
      kind: "error",
      code: "frame-truncated",
    });
  });
});

describe("raw IP link types", () => {
  it("RAW takes the version from the first nibble", () => {
    expectV4Datagram(decode(ipUdpPacket(V4), LINKTYPE.RAW));
    expectV6Datagram(decode(ipUdpPacket(V6), LINKTYPE.RAW));
    expect(decode(Uint8Array.of(0x50, 0, 0, 0), LINKTYPE.RAW)).toEqual({ kind: "skipped" });
    expect(decode(new Uint8Array(0), LINKTYPE.RAW)).toEqual({
      kind: "error",
      code: "frame-truncated",
    });
  });

  it("IPV4 and IPV6 fix the family", () => {
    expectV4Datagram(decode(ipUdpPacket(V4), LINKTYPE.IPV4));
    expectV6Datagram(decode(ipUdpPacket(V6), LINKTYPE.IPV6));
    expect(decode(ipUdpPacket(V6), LINKTYPE.IPV4)).toEqual({
      kind: "error",
      code: "ipv4-bad-header",
    });
    expect(decode(ipUdpPacket(V4), LINKTYPE.IPV6)).toEqual({
      kind: "error",
      code: "ipv6-bad-header",
    });
  });

  it("rejects link types it does not know", () => {
    expect(decode(udpFrame(V4), 105)).toEqual({ kind: "error", code: "unsupported-link-type" });
  });
});

describe("port filter", () => {
  it("passes a datagram when the source or the destination port is wanted", () => {
    const decoder = new FrameDecoder({ ports: new Set([5060, 2427]) });
    expect(decode(udpFrame({ ...V4, srcPort: 2427, dstPort: 40000 }), 1, decoder).kind).toBe(
      "datagram",
    );
    expect(decode(udpFrame({ ...V4, srcPort: 40000, dstPort: 5060 }), 1, decoder).kind).toBe(
      "datagram",
    );
    expect(decode(udpFrame({ ...V4, srcPort: 40000, dstPort: 40002 }), 1, decoder)).toEqual({
      kind: "skipped",
    });
    expect(decode(udpFrame({ ...V6, srcPort: 16384, dstPort: 16386 }), 1, decoder)).toEqual({
      kind: "skipped",
    });
  });

  it("handles ports 0 and 65535 and wants nothing when given no ports", () => {
    const decoder = new FrameDecoder({ ports: [0, 65535] });
    expect(decode(udpFrame({ ...V4, srcPort: 0, dstPort: 1 }), 1, decoder).kind).toBe("datagram");
    expect(decode(udpFrame({ ...V4, srcPort: 1, dstPort: 65535 }), 1, decoder).kind).toBe(
      "datagram",
    );
    expect(decode(udpFrame(V4), 1, new FrameDecoder({ ports: [] }))).toEqual({ kind: "skipped" });
  });

  it("rejects invalid options", () => {
    expect(() => new FrameDecoder({ ports: [65536] })).toThrow(RangeError);
    expect(() => new FrameDecoder({ ports: [1.5] })).toThrow(RangeError);
    expect(() => new FrameDecoder({ ports: [], mac: new Uint8Array(5) })).toThrow(RangeError);
    expect(() => new FrameDecoder({ ports: [], maxPendingDatagrams: 0 })).toThrow(RangeError);
  });
});

describe("MAC filter", () => {
  const mta = "00:11:22:33:44:55";
  const decoder = () => new FrameDecoder({ ports: [MGCP_PORT], mac: parseMac(mta) });

  it("passes Ethernet frames from or to the MAC and skips the rest", () => {
    expect(decode(udpFrame({ ...V4, srcMac: mta }), 1, decoder()).kind).toBe("datagram");
    expect(decode(udpFrame({ ...V4, dstMac: mta }), 1, decoder()).kind).toBe("datagram");
    expect(decode(udpFrame(V4), 1, decoder())).toEqual({ kind: "skipped" });
  });

  it("matches the SLL and SLL2 address field", () => {
    const packet = ipUdpPacket(V4);
    expect(decode(sllFrame(packet, 1, { srcMac: mta }), LINKTYPE.LINUX_SLL, decoder()).kind).toBe(
      "datagram",
    );
    expect(decode(sllFrame(packet, 2, { srcMac: mta }), LINKTYPE.LINUX_SLL2, decoder()).kind).toBe(
      "datagram",
    );
    expect(decode(sllFrame(packet, 1), LINKTYPE.LINUX_SLL, decoder())).toEqual({ kind: "skipped" });
    expect(decode(sllFrame(packet, 2), LINKTYPE.LINUX_SLL2, decoder())).toEqual({
      kind: "skipped",
    });
  });

  it("lets link types without addresses through", () => {
    expect(decode(ipUdpPacket(V4), LINKTYPE.RAW, decoder()).kind).toBe("datagram");
  });
});
