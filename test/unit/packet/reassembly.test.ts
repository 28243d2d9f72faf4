import { describe, expect, it } from "vitest";
import type { Datagram } from "../../../src/core/packet/datagram.js";
import {
  type DecodeOutcome,
  FrameDecoder,
  type FrameDecoderOptions,
} from "../../../src/core/packet/decodeFrame.js";
import {
  asFrame,
  concat,
  ethernetFrame,
  fragmentedUdpFrames,
  ipv6UdpPacketWithExtensions,
  type UdpFrameSpec,
} from "../../support/frameBuilder.js";

const PORT = 5060;
const ETH = 14;
const BODY = Array.from({ length: 100 }, (_, i) => `line ${i} of a long SIP INVITE\r\n`).join("");

const V4: UdpFrameSpec = {
  src: "192.0.2.1",
  dst: "192.0.2.2",
  srcPort: PORT,
  dstPort: PORT,
  payload: BODY,
  ipId: 0x4242,
  vlans: [12],
};
const V6: UdpFrameSpec = { ...V4, src: "2001:db8::1", dst: "2001:db8::2" };

const SKIPPED = { kind: "skipped" };
const error = (code: string) => ({ kind: "error", code });

function decoder(options: Partial<FrameDecoderOptions> = {}): FrameDecoder {
  return new FrameDecoder({ ports: [PORT], ...options });
}

/** Decodes frames in order; every outcome but the last must be "skipped". */
function feed(target: FrameDecoder, frames: Uint8Array[], timestampMs = 0): DecodeOutcome {
  let last: DecodeOutcome = SKIPPED as DecodeOutcome;
  frames.forEach((frame, index) => {
    last = target.decode(asFrame(frame, 1, timestampMs));
    if (index < frames.length - 1) expect(last).toEqual(SKIPPED);
  });
  return last;
}

function datagramOf(outcome: DecodeOutcome): Datagram {
  if (outcome.kind !== "datagram")
    throw new Error(`expected a datagram, got ${JSON.stringify(outcome)}`);
  return outcome.datagram;
}

function expectBody(outcome: DecodeOutcome): Datagram {
  const datagram = datagramOf(outcome);
  expect(new TextDecoder().decode(datagram.payload)).toBe(BODY);
  return datagram;
}

/** Rewrites the fragment offset (in bytes) of an Ethernet-framed fragment. */
function setOffset(frame: Uint8Array, family: 4 | 6, byteOffset: number): Uint8Array {
  const copy = frame.slice();
  if (family === 4) {
    const at = ETH + 4 + 6;
    const more = (copy[at] ?? 0) & 0x20;
    copy[at] = more | ((byteOffset / 8) >> 8);
    copy[at + 1] = (byteOffset / 8) & 0xff;
  } else {
    const at = ETH + 4 + 40 + 2;
    const more = (copy[at + 1] ?? 0) & 1;
    copy[at] = byteOffset >> 8;
    copy[at + 1] = (byteOffset & 0xf8) | more;
  }
  return copy;
}

describe.each([
  [4, V4],
  [6, V6],
] as const)("IPv%i reassembly", (family, spec) => {
  const fragments = fragmentedUdpFrames(spec, 512);

  it("builds more than two fragments", () => {
    expect(fragments.length).toBeGreaterThan(3);
  });

  it("reassembles fragments in order into a fresh copy", () => {
    const d = decoder();
    const datagram = expectBody(feed(d, fragments));
    expect(datagram).toMatchObject({ family, src: spec.src, dst: spec.dst, vlans: [12] });
    expect(datagram.payload.byteOffset).toBe(8);
    expect(fragments.some((f) => f.buffer === datagram.payload.buffer)).toBe(false);
    expect(d.pendingFragments).toBe(0);
  });

  it("reassembles reversed and shuffled fragments", () => {
    expectBody(feed(decoder(), [...fragments].reverse()));
    const [a, b, c, ...rest] = fragments as [Uint8Array, Uint8Array, Uint8Array];
    expectBody(feed(decoder(), [c, a, ...rest, b]));
  });

  it("tolerates exact duplicates", () => {
    const d = decoder();
    const [first, second, ...rest] = fragments as [Uint8Array, Uint8Array];
    expect(feed(d, [first, second, first, second])).toEqual(SKIPPED);
    expect(d.pendingFragments).toBe(2);
    expectBody(feed(d, rest));
  });

  it("keeps datagrams with different ids apart and interleaved", () => {
    const other = fragmentedUdpFrames({ ...spec, ipId: 7 }, 512);
    const d = decoder();
    const outcomes = fragments.flatMap((f, i) => [
      d.decode(asFrame(f)),
      d.decode(asFrame(other[i] ?? new Uint8Array(0))),
    ]);
    expect(outcomes.filter((o) => o.kind === "datagram")).toHaveLength(2);
  });

  it("skips a reassembled datagram on ports nobody wants", () => {
    const d = new FrameDecoder({ ports: [1] });
    expect(feed(d, fragments)).toEqual(SKIPPED);
    expect(d.pendingFragments).toBe(0);
  });

  it("discards the datagram on an overlap and drops its later fragments quietly", () => {
    const d = decoder();
    const [first, second, ...rest] = fragments as [Uint8Array, Uint8Array];
    expect(d.decode(asFrame(first))).toEqual(SKIPPED);
    expect(d.decode(asFrame(setOffset(second, family, 504)))).toEqual(error("ip-fragment-overlap"));
    expect(d.pendingFragments).toBe(0);
    expect(feed(d, [second, ...rest])).toEqual(SKIPPED);
    // Once the tombstone expires, the same id reassembles again.
    expectBody(feed(d, fragments, 31_000));
  });

  it("treats different bytes at the same place as an overlap", () => {
    const [first, ...rest] = fragments as [Uint8Array];
    const changed = first.slice();
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 0xff;
    const d = decoder();
    d.decode(asFrame(first));
    expect(d.decode(asFrame(changed))).toEqual(error("ip-fragment-overlap"));
    expect(feed(d, rest)).toEqual(SKIPPED);
  });

  it("rejects a second, different last fragment and data past the end", () => {
    const last = fragments[fragments.length - 1] as Uint8Array;
    const d = decoder();
    d.decode(asFrame(last));
    const lastOffset = 512 * (fragments.length - 1);
    expect(d.decode(asFrame(setOffset(last, family, lastOffset + 512)))).toEqual(
      error("ip-fragment-overlap"),
    );
    const d2 = decoder();
    d2.decode(asFrame(last));
    const middle = fragments[1] as Uint8Array;
    expect(d2.decode(asFrame(setOffset(middle, family, lastOffset + 8)))).toEqual(
      error("ip-fragment-overlap"),
    );
  });

  it("rejects a non-final fragment whose size is not a multiple of 8", () => {
    const odd = fragmentedUdpFrames(spec, 512)[0] as Uint8Array;
    const cut = family === 4 ? odd.slice(0, odd.length - 3) : odd.slice(0, odd.length - 3);
    if (family === 4) cut[ETH + 4 + 3] = (cut[ETH + 4 + 3] ?? 0) - 3;
    else cut[ETH + 4 + 5] = (cut[ETH + 4 + 5] ?? 0) - 3;
    expect(decoder().decode(asFrame(cut))).toEqual(error("ip-fragment-overlap"));
  });

  it("rejects a datagram that would exceed 65,535 bytes", () => {
    const last = fragments[fragments.length - 1] as Uint8Array;
    const d = decoder();
    expect(d.decode(asFrame(setOffset(last, family, 65_528)))).toEqual(
      error("ip-fragment-too-large"),
    );
    expect(d.pendingFragments).toBe(0);
  });

  it("expires an incomplete datagram after the timeout, on frame timestamps", () => {
    const d = decoder({ fragmentTimeoutMs: 1_000 });
    const [first, ...rest] = fragments as [Uint8Array];
    d.decode(asFrame(first, 1, 5_000));
    expect(d.pendingFragments).toBe(1);
    d.decode(asFrame(new Uint8Array(0), 1, 5_900));
    expect(d.pendingFragments).toBe(1);
    expect(feed(d, rest, 6_001)).toEqual(SKIPPED);
    expect(d.expiredDatagrams).toBe(1);
    expect(d.pendingFragments).toBe(rest.length);
    expect(feed(d, [first], 6_002).kind).toBe("datagram");
  });

  it("refuses new datagrams when the table is full, without evicting the pending ones", () => {
    const d = decoder({ maxPendingDatagrams: 2 });
    const a = fragmentedUdpFrames({ ...spec, ipId: 1 }, 512);
    const b = fragmentedUdpFrames({ ...spec, ipId: 2 }, 512);
    const c = fragmentedUdpFrames({ ...spec, ipId: 3 }, 512);
    d.decode(asFrame(a[0] as Uint8Array));
    d.decode(asFrame(b[0] as Uint8Array));
    expect(d.decode(asFrame(c[0] as Uint8Array))).toEqual(error("ip-fragment-table-full"));
    expectBody(feed(d, a.slice(1)));
    expectBody(feed(d, c));
    expectBody(feed(d, b.slice(1)));
  });

  it("frees a full table once its entries expire", () => {
    const d = decoder({ maxPendingDatagrams: 1, fragmentTimeoutMs: 100 });
    const a = fragmentedUdpFrames({ ...spec, ipId: 1 }, 512);
    d.decode(asFrame(a[0] as Uint8Array, 1, 0));
    expect(d.decode(asFrame(fragments[0] as Uint8Array, 1, 50))).toEqual(
      error("ip-fragment-table-full"),
    );
    expectBody(feed(d, fragments, 101));
  });

  it("frees a full table held by entries stamped far in the future", () => {
    const d = decoder({ maxPendingDatagrams: 1, fragmentTimeoutMs: 100 });
    const a = fragmentedUdpFrames({ ...spec, ipId: 1 }, 512);
    d.decode(asFrame(a[0] as Uint8Array, 1, 1_000_000));
    expectBody(feed(d, fragments, 0));
  });
});

/**
 * IPv6 fragments with extension headers on both sides of the fragment header: `before` stay in
 * every fragment (unfragmentable part), `after` travel in the reassembled payload.
 */
function ipv6FragmentsAround(before: number[], after: number[], size: number): Uint8Array[] {
  const whole = ipv6UdpPacketWithExtensions(V6, [...before, 44, ...after]);
  const fragmentHeaderAt = 40 + before.reduce((n, type) => n + (type === 51 ? 24 : 8), 0);
  const prefix = whole.subarray(0, fragmentHeaderAt + 8);
  const rest = whole.subarray(fragmentHeaderAt + 8);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < rest.length; offset += size) {
    const packet = concat(prefix, rest.subarray(offset, offset + size));
    const payloadLength = packet.length - 40;
    packet[4] = payloadLength >> 8;
    packet[5] = payloadLength & 0xff;
    const more = offset + size < rest.length ? 1 : 0;
    packet[fragmentHeaderAt + 2] = offset >> 8;
    packet[fragmentHeaderAt + 3] = (offset & 0xf8) | more;
    frames.push(ethernetFrame(packet));
  }
  return frames;
}

describe("IPv6 fragments around other extension headers", () => {
  it("keeps the unfragmentable part and walks headers inside the reassembled payload", () => {
    const frames = ipv6FragmentsAround([0, 43], [60, 51], 256);
    expect(frames.length).toBeGreaterThan(3);
    const datagram = expectBody(feed(decoder(), [...frames].reverse()));
    expect(datagram).toMatchObject({ family: 6, src: "2001:db8::1", srcPort: PORT, vlans: [] });
  });

  it("rejects a second fragment header inside the reassembled payload", () => {
    expect(feed(decoder(), ipv6FragmentsAround([], [44], 256))).toEqual(
      error("ipv6-bad-extension"),
    );
  });

  it("counts the unfragmentable part against the 65,535-byte limit", () => {
    const frames = ipv6FragmentsAround([0, 60], [], 256);
    const last = frames[frames.length - 1] as Uint8Array;
    const at = ETH + 40 + 16 + 2;
    const copy = last.slice();
    const offset = 65_535 - 16 - (copy.length - at - 6) + 8; // fits without the 16 header bytes
    copy[at] = (offset & 0xfff8) >> 8;
    copy[at + 1] = offset & 0xf8;
    expect(decoder().decode(asFrame(copy))).toEqual(error("ip-fragment-too-large"));
  });
});
