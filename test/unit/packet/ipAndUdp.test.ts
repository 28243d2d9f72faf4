import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../../src/core/capture/frame.js";
import type { Datagram } from "../../../src/core/packet/datagram.js";
import { type DecodeOutcome, FrameDecoder } from "../../../src/core/packet/decodeFrame.js";
import {
  asFrame,
  concat,
  ipUdpPacket,
  ipv6UdpPacketWithExtensions,
  type UdpFrameSpec,
  udpFrame,
} from "../../support/frameBuilder.js";

const PORT = 5060;
const V4: UdpFrameSpec = {
  src: "10.1.2.3",
  dst: "10.4.5.6",
  srcPort: PORT,
  dstPort: 5062,
  payload: "INVITE",
};
const V6: UdpFrameSpec = { ...V4, src: "2001:db8::a", dst: "2001:db8::b" };
const ETH = 14;

function decodeRaw(packet: Uint8Array): DecodeOutcome {
  return new FrameDecoder({ ports: [PORT] }).decode(asFrame(packet, LINKTYPE.RAW));
}

function decodeEthernet(frame: Uint8Array): DecodeOutcome {
  return new FrameDecoder({ ports: [PORT] }).decode(asFrame(frame));
}

function datagramOf(outcome: DecodeOutcome): Datagram {
  if (outcome.kind !== "datagram")
    throw new Error(`expected a datagram, got ${JSON.stringify(outcome)}`);
  return outcome.datagram;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

const error = (code: string) => ({ kind: "error", code });
const SKIPPED = { kind: "skipped" };

describe("IPv4", () => {
  it("returns addresses, ports, payload and no VLANs", () => {
    expect(datagramOf(decodeEthernet(udpFrame(V4)))).toMatchObject({
      family: 4,
      src: "10.1.2.3",
      dst: "10.4.5.6",
      srcPort: PORT,
      dstPort: 5062,
      vlans: [],
    });
  });

  it("trims Ethernet padding past the total length", () => {
    const frame = udpFrame({ ...V4, payload: "hi" });
    expect(frame.length).toBe(60); // 14 + 20 + 8 + 2, padded
    frame.fill(0xee, ETH + 30);
    const datagram = datagramOf(decodeEthernet(frame));
    expect(text(datagram.payload)).toBe("hi");
  });

  it("skips header options (IHL > 5)", () => {
    const packet = ipUdpPacket(V4);
    const withOptions = concat(
      packet.subarray(0, 20),
      Uint8Array.of(1, 1, 1, 0),
      packet.subarray(20),
    );
    withOptions[0] = 0x46;
    withOptions[3] = (withOptions[3] ?? 0) + 4;
    expect(text(datagramOf(decodeRaw(withOptions)).payload)).toBe("INVITE");
  });

  it("reports a bad version or IHL as ipv4-bad-header", () => {
    const packet = ipUdpPacket(V4);
    for (const first of [0x55, 0x44, 0x40]) {
      const bad = packet.slice();
      bad[0] = first;
      expect(new FrameDecoder({ ports: [PORT] }).decode(asFrame(bad, LINKTYPE.IPV4))).toEqual(
        error("ipv4-bad-header"),
      );
    }
    const shortTotal = packet.slice();
    shortTotal[2] = 0;
    shortTotal[3] = 19;
    expect(decodeRaw(shortTotal)).toEqual(error("ipv4-bad-header"));
  });

  it("reports a total length beyond the captured bytes as ipv4-truncated", () => {
    const packet = ipUdpPacket(V4);
    expect(decodeRaw(packet.subarray(0, packet.length - 1))).toEqual(error("ipv4-truncated"));
    expect(decodeRaw(packet.subarray(0, 19))).toEqual(error("ipv4-truncated"));
  });

  it("skips a truncated packet on ports nobody wants", () => {
    const packet = ipUdpPacket({ ...V4, srcPort: 16384, dstPort: 16386 });
    expect(decodeRaw(packet.subarray(0, packet.length - 1))).toEqual(SKIPPED);
  });

  it("skips protocols other than UDP", () => {
    const tcp = ipUdpPacket(V4);
    tcp[9] = 6;
    expect(decodeRaw(tcp)).toEqual(SKIPPED);
  });
});

describe("UDP", () => {
  it("reports a length field below 8 or past the IP payload as udp-truncated", () => {
    for (const length of [0, 7, 8 + 6 + 1]) {
      const packet = ipUdpPacket(V4);
      packet[24] = length >> 8;
      packet[25] = length & 0xff;
      expect(decodeRaw(packet)).toEqual(error("udp-truncated"));
    }
  });

  it("reports an IP payload shorter than the UDP header as udp-truncated", () => {
    const packet = ipUdpPacket(V4).slice(0, 26);
    packet[3] = 26;
    expect(decodeRaw(packet)).toEqual(error("udp-truncated"));
  });

  it("takes the payload up to the UDP length when the IP payload is longer", () => {
    const packet = ipUdpPacket(V4);
    packet[25] = 8 + 3;
    expect(text(datagramOf(decodeRaw(packet)).payload)).toBe("INV");
  });

  it("accepts an empty payload", () => {
    expect(datagramOf(decodeRaw(ipUdpPacket({ ...V4, payload: "" }))).payload.length).toBe(0);
  });
});

describe("IPv6", () => {
  it("decodes UDP straight after the fixed header", () => {
    expect(datagramOf(decodeRaw(ipUdpPacket(V6)))).toMatchObject({
      family: 6,
      src: "2001:db8::a",
      dst: "2001:db8::b",
      srcPort: PORT,
    });
  });

  it.each([[[0]], [[43]], [[60]], [[51]], [[44]], [[0, 60]], [[0, 43, 60, 51, 44, 60]]])(
    "walks extension headers %j",
    (extensions) => {
      const packet = ipv6UdpPacketWithExtensions(V6, extensions);
      expect(text(datagramOf(decodeRaw(packet)).payload)).toBe("INVITE");
    },
  );

  it("skips No Next Header, ESP, TCP and ICMPv6", () => {
    for (const next of [59, 50, 6, 58]) {
      const packet = ipUdpPacket(V6);
      packet[6] = next;
      expect(decodeRaw(packet)).toEqual(SKIPPED);
    }
    const afterOptions = ipv6UdpPacketWithExtensions(V6, [60]);
    afterOptions[40] = 59;
    expect(decodeRaw(afterOptions)).toEqual(SKIPPED);
  });

  it("skips jumbograms (payload length 0)", () => {
    const packet = ipv6UdpPacketWithExtensions(V6, [0]);
    packet[4] = 0;
    packet[5] = 0;
    expect(decodeRaw(packet)).toEqual(SKIPPED);
  });

  it("rejects Hop-by-Hop anywhere but first", () => {
    expect(decodeRaw(ipv6UdpPacketWithExtensions(V6, [60, 0]))).toEqual(
      error("ipv6-bad-extension"),
    );
  });

  it("accepts 16 extension headers and rejects 17", () => {
    const sixteen = ipv6UdpPacketWithExtensions(V6, Array<number>(16).fill(60));
    expect(datagramOf(decodeRaw(sixteen)).srcPort).toBe(PORT);
    const seventeen = ipv6UdpPacketWithExtensions(V6, Array<number>(17).fill(60));
    expect(decodeRaw(seventeen)).toEqual(error("ipv6-bad-extension"));
  });

  it("rejects an extension header running past the payload length", () => {
    const packet = ipv6UdpPacketWithExtensions(V6, [60]);
    packet[41] = 200;
    expect(decodeRaw(packet)).toEqual(error("ipv6-bad-extension"));
  });

  it("reports a payload length beyond the captured bytes as ipv6-truncated", () => {
    const packet = ipUdpPacket(V6);
    expect(decodeRaw(packet.subarray(0, packet.length - 1))).toEqual(error("ipv6-truncated"));
    expect(decodeRaw(packet.subarray(0, 39))).toEqual(error("ipv6-truncated"));
    const withOptions = ipv6UdpPacketWithExtensions(V6, [0, 60]);
    expect(decodeRaw(withOptions.subarray(0, 50))).toEqual(error("ipv6-truncated"));
  });

  it("trims bytes past the payload length", () => {
    const packet = concat(ipUdpPacket(V6), Uint8Array.of(1, 2, 3));
    expect(text(datagramOf(decodeRaw(packet)).payload)).toBe("INVITE");
  });

  it("reports a wrong version under EtherType 0x86dd as ipv6-bad-header", () => {
    const frame = udpFrame(V6);
    frame[ETH] = 0x45;
    expect(decodeEthernet(frame)).toEqual(error("ipv6-bad-header"));
  });
});
