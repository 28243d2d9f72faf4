import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../../src/core/capture/frame.js";
import type { DecodeErrorCode } from "../../../src/core/errors.js";
import { type DecodeOutcome, FrameDecoder } from "../../../src/core/packet/decodeFrame.js";
import {
  asFrame,
  concat,
  DEFAULT_SRC_MAC,
  fragmentedUdpFrames,
  ipUdpPacket,
  ipv6UdpPacketWithExtensions,
  parseMac,
  sllFrame,
  type UdpFrameSpec,
  udpFrame,
} from "../../support/frameBuilder.js";
import { mulberry32 } from "../../support/random.js";

const PORT = 2427;
const PAYLOAD = "NTFY 42 aaln/1@mta.example MGCP 1.0\r\nX: 1\r\nO: L/hd\r\n";
const V4: UdpFrameSpec = {
  src: "10.0.0.2",
  dst: "10.0.0.1",
  srcPort: 2727,
  dstPort: PORT,
  payload: PAYLOAD,
  ipId: 99,
};
const V6: UdpFrameSpec = { ...V4, src: "fd00::2", dst: "fd00::1" };

const KNOWN_CODES = new Set<DecodeErrorCode>([
  "frame-truncated",
  "unsupported-link-type",
  "ipv4-bad-header",
  "ipv4-truncated",
  "ipv6-bad-header",
  "ipv6-truncated",
  "ipv6-bad-extension",
  "ip-fragment-overlap",
  "ip-fragment-too-large",
  "ip-fragment-table-full",
  "udp-truncated",
]);

function nullFrame(packet: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(packet[0] === 0x45 ? 2 : 30, 0, 0, 0), packet);
}

/** [name, link type, frames of one datagram]; every one decodes to PAYLOAD. */
const CASES: [string, number, Uint8Array[]][] = [
  ["ethernet ipv4", LINKTYPE.ETHERNET, [udpFrame(V4)]],
  ["ethernet ipv4 padded", LINKTYPE.ETHERNET, [udpFrame({ ...V4, payload: "x" })]],
  ["ethernet ipv6", LINKTYPE.ETHERNET, [udpFrame(V6)]],
  ["qinq ipv4", LINKTYPE.ETHERNET, [udpFrame({ ...V4, vlans: [5, 6, 7] })]],
  ["sll ipv4", LINKTYPE.LINUX_SLL, [sllFrame(ipUdpPacket(V4), 1)]],
  ["sll2 ipv6", LINKTYPE.LINUX_SLL2, [sllFrame(ipUdpPacket(V6), 2)]],
  ["null ipv4", LINKTYPE.NULL, [nullFrame(ipUdpPacket(V4))]],
  ["null ipv6", LINKTYPE.NULL, [nullFrame(ipUdpPacket(V6))]],
  ["raw ipv6 extensions", LINKTYPE.RAW, [ipv6UdpPacketWithExtensions(V6, [0, 43, 60, 51, 44])]],
  ["ipv4 fragments", LINKTYPE.ETHERNET, fragmentedUdpFrames(V4, 16)],
  ["ipv6 fragments", LINKTYPE.ETHERNET, fragmentedUdpFrames(V6, 24)],
];

/** Frame length without Ethernet padding (the builder pads frames to 60 bytes). */
function meaningfulLength(frame: Uint8Array, linkType: number): number {
  if (linkType !== LINKTYPE.ETHERNET) return frame.length;
  let ip = 14;
  while (frame[ip - 2] === 0x81 || frame[ip - 2] === 0x88) ip += 4;
  const ipLength =
    frame[ip] === 0x45
      ? ((frame[ip + 2] ?? 0) << 8) | (frame[ip + 3] ?? 0)
      : 40 + (((frame[ip + 4] ?? 0) << 8) | (frame[ip + 5] ?? 0));
  return ip + ipLength;
}

function expectedPayload(spec: UdpFrameSpec, name: string): string {
  return name.includes("padded") ? "x" : String(spec.payload);
}

function checkOutcome(outcome: DecodeOutcome, payload: string | undefined): void {
  if (outcome.kind === "error") {
    expect(KNOWN_CODES.has(outcome.code)).toBe(true);
  } else if (outcome.kind === "datagram") {
    // A datagram out of damaged bytes is only acceptable when it is the intact one.
    expect(payload).toBeDefined();
    expect(new TextDecoder().decode(outcome.datagram.payload)).toBe(payload);
    expect(outcome.datagram.srcPort).toBe(2727);
  } else {
    expect(outcome.kind).toBe("skipped");
  }
}

describe("truncation at every offset", () => {
  it.each(CASES)("%s never yields a wrong datagram", (name, linkType, frames) => {
    const payload = expectedPayload(name.includes("6") ? V6 : V4, name);
    frames.forEach((frame, index) => {
      for (let length = 0; length < frame.length; length++) {
        const decoder = new FrameDecoder({ ports: [PORT] });
        frames.forEach((other, otherIndex) => {
          if (otherIndex !== index) decoder.decode(asFrame(other, linkType));
        });
        const outcome = decoder.decode(asFrame(frame.subarray(0, length), linkType));
        checkOutcome(outcome, payload);
        // Only the zero padding of a short Ethernet frame may be lost without harm.
        if (length < meaningfulLength(frame, linkType)) expect(outcome.kind).not.toBe("datagram");
      }
    });
  });

  it("the uncut frames do decode", () => {
    for (const [name, linkType, frames] of CASES) {
      const decoder = new FrameDecoder({ ports: [PORT] });
      const outcomes = frames.map((frame) => decoder.decode(asFrame(frame, linkType)));
      const last = outcomes[outcomes.length - 1];
      expect(last?.kind, name).toBe("datagram");
    }
  });
});

describe("seeded random mutations", () => {
  const LINK_TYPES = Object.values(LINKTYPE);

  it("60,000 mutated frames never throw and only return coded outcomes", () => {
    const random = mulberry32(0x5eed);
    const int = (n: number) => Math.floor(random() * n);
    const decoder = new FrameDecoder({
      ports: [PORT, 2727],
      maxPendingDatagrams: 8,
      fragmentTimeoutMs: 50,
    });
    const kinds = { datagram: 0, skipped: 0, error: 0, tcp: 0, sctp: 0 };
    let timestampMs = 0;

    for (let i = 0; i < 60_000; i++) {
      const [, baseLinkType, frames] = CASES[int(CASES.length)] as (typeof CASES)[number];
      const frame = (frames[int(frames.length)] as Uint8Array).slice();
      let linkType = baseLinkType;
      const mutation = int(10);
      let data: Uint8Array = frame;
      if (mutation < 6) {
        // Flip 1..4 bytes, biased towards headers where the decisions are made.
        for (let n = 1 + int(4); n > 0; n--) {
          const at = random() < 0.7 ? int(Math.min(frame.length, 80)) : int(frame.length);
          frame[at] = int(256);
        }
      } else if (mutation < 7) {
        data = frame.subarray(0, int(frame.length));
      } else if (mutation < 8) {
        data = concat(
          frame,
          Uint8Array.from({ length: int(40) }, () => int(256)),
        );
      } else if (mutation < 9) {
        data = Uint8Array.from({ length: int(120) }, () => int(256));
        linkType = LINK_TYPES[int(LINK_TYPES.length)] ?? 1;
      } else {
        linkType = random() < 0.5 ? int(300) : (LINK_TYPES[int(LINK_TYPES.length)] ?? 1);
      }
      timestampMs += random() < 0.01 ? -1_000 : int(5);

      const outcome = decoder.decode({
        linkType,
        data,
        timestampMs,
        originalLength: data.length,
      });
      kinds[outcome.kind]++;
      // Plain checks: expect() per iteration would dominate the run time.
      const bad =
        (outcome.kind === "error" && !KNOWN_CODES.has(outcome.code)) ||
        (outcome.kind === "datagram" &&
          (!(outcome.datagram.payload instanceof Uint8Array) ||
            outcome.datagram.payload.length > 65_535 ||
            outcome.datagram.src.length === 0)) ||
        decoder.pendingFragments < 0;
      if (bad) expect.fail(`iteration ${i}: ${JSON.stringify(outcome)}`);
    }
    expect(kinds.datagram).toBeGreaterThan(1_000);
    expect(kinds.skipped).toBeGreaterThan(1_000);
    expect(kinds.error).toBeGreaterThan(1_000);
  });
});

describe("the untagged IPv4 shortcut", () => {
  it("answers exactly as the general path on mutated frames", () => {
    // A MAC filter that every frame passes turns the shortcut off, so B runs the general path.
    const fast = new FrameDecoder({ ports: [PORT] });
    const general = new FrameDecoder({ ports: [PORT], mac: parseMac(DEFAULT_SRC_MAC) });
    const random = mulberry32(0xfa57);
    const int = (n: number) => Math.floor(random() * n);
    const bases = [
      udpFrame(V4),
      udpFrame({ ...V4, srcPort: 16384, dstPort: 16386 }),
      udpFrame({ ...V4, srcPort: 16384, dstPort: 16386, payload: "" }),
    ];
    for (let i = 0; i < 20_000; i++) {
      const frame = (bases[int(bases.length)] as Uint8Array).slice();
      for (let n = int(3); n > 0; n--) frame[12 + int(30)] = int(4) === 0 ? int(256) : int(64);
      const data = random() < 0.2 ? frame.subarray(0, int(frame.length)) : frame;
      const a = fast.decode(asFrame(data));
      const b = general.decode(asFrame(data));
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        expect.fail(`frame ${Buffer.from(data).toString("hex")}: ${JSON.stringify([a, b])}`);
      }
    }
  });

  it("as a prefilter on a record inside a larger buffer, never drops what decode would return", () => {
    const decoder = new FrameDecoder({ ports: [PORT] });
    const random = mulberry32(0x9e1f);
    const int = (n: number) => Math.floor(random() * n);
    const bases = [udpFrame(V4), udpFrame({ ...V4, srcPort: 16384, dstPort: 16386 })];
    let skipped = 0;
    for (let i = 0; i < 20_000; i++) {
      const frame = (bases[int(bases.length)] as Uint8Array).slice();
      for (let n = int(3); n > 0; n--) frame[12 + int(30)] = int(4) === 0 ? int(256) : int(64);
      // The record sits at a random offset of a chunk, with other bytes around it.
      const before = int(40);
      const chunk = new Uint8Array(before + frame.length + int(40)).fill(0xaa);
      chunk.set(frame, before);
      const unwanted = decoder.isUnwanted(1, chunk, before, before + frame.length);
      expect(unwanted).toBe(decoder.isUnwanted(1, frame, 0, frame.length));
      if (unwanted) {
        skipped++;
        expect(decoder.decode(asFrame(frame)).kind).toBe("skipped");
      }
    }
    expect(skipped).toBeGreaterThan(1_000);
  });
});
