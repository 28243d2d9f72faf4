/**
 * Robustness of the whole core path decode → MGCP → calls: every fixture frame truncated at
 * every offset, every MGCP payload truncated at every offset, and 100,000+ seeded mutations.
 * Wire input must never throw, and whatever comes out must still be a well-formed call event.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../../src/core/calls/callEvent.js";
import { MgcpCallTracker } from "../../src/core/calls/mgcpCallTracker.js";
import type { Frame } from "../../src/core/capture/frame.js";
import { parseMgcp } from "../../src/core/mgcp/parseMgcp.js";
import { FrameDecoder } from "../../src/core/packet/decodeFrame.js";
import { CallerIdPipeline } from "../../src/core/pipeline.js";
import { readCaptureFileSync } from "../../src/io/captureFileSource.js";
import { mulberry32 } from "../support/random.js";

const FOLDERS = ["../fixtures/synthetic/", "../fixtures/captures/real/", "../../examples/"].map(
  (f) => new URL(f, import.meta.url),
);
const MUTATIONS = 120_000;

function loadFrames(): Frame[] {
  const frames: Frame[] = [];
  for (const folder of FOLDERS) {
    for (const file of readdirSync(folder)
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .sort()) {
      readCaptureFileSync(new URL(file, folder).pathname, (frame) =>
        frames.push({ ...frame, data: Uint8Array.from(frame.data) }),
      );
    }
  }
  return frames;
}

const FRAMES = loadFrames();
const MGCP_PAYLOADS = (() => {
  const decoder = new FrameDecoder({ ports: [2427, 2727] });
  return FRAMES.flatMap((frame) => {
    const outcome = decoder.decode(frame);
    return outcome.kind === "datagram" ? [Uint8Array.from(outcome.datagram.payload)] : [];
  });
})();
const MGCP_FRAMES = FRAMES.filter(
  (f) => new FrameDecoder({ ports: [2427, 2727] }).decode(f).kind === "datagram",
);

const TYPES = new Set(["ringing", "answered", "missed", "ended", "outgoing"]);
function assertWellFormed(events: readonly CallEvent[]): void {
  for (const e of events) {
    if (
      !TYPES.has(e.type) ||
      !/^[cs]\d+$/.test(e.callId) ||
      typeof e.line !== "string" ||
      !Number.isFinite(e.at)
    ) {
      throw new Error(`malformed event ${JSON.stringify(e)}`);
    }
    if (e.number !== null && !/^[0-9+*#a-d]+$/.test(e.number))
      throw new Error(`bad number ${e.number}`);
  }
}

describe("robustness", () => {
  it("loads a corpus with MGCP in it", () => {
    expect(FRAMES.length).toBeGreaterThan(2000);
    expect(MGCP_PAYLOADS.length).toBeGreaterThan(200);
  });

  it("every frame truncated at every offset", () => {
    const pipeline = new CallerIdPipeline({ sipPorts: [5060, 6060, 8080] });
    let calls = 0;
    for (const frame of FRAMES) {
      for (let length = 0; length <= frame.data.length; length++) {
        assertWellFormed(pipeline.handleFrame({ ...frame, data: frame.data.subarray(0, length) }));
        calls++;
      }
    }
    expect(calls).toBeGreaterThan(500_000);
    expect(pipeline.stats.errors.total).toBeGreaterThan(0);
  });

  it("every MGCP payload truncated at every offset, through the parser and the call tracker", () => {
    const tracker = new MgcpCallTracker();
    let at = Date.parse("2026-01-01T00:00:00Z");
    for (const payload of MGCP_PAYLOADS) {
      for (let length = 0; length <= payload.length; length++) {
        for (const message of parseMgcp(payload.subarray(0, length)).messages) {
          at += 10;
          assertWellFormed(tracker.handle(message, { src: "a", dst: "b", at }));
          assertWellFormed(tracker.tick(at));
        }
      }
    }
  });

  it(`${MUTATIONS} seeded random mutations`, () => {
    const random = mulberry32(20261129);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const pipeline = new CallerIdPipeline({ sipPorts: [5060, 6060, 8080] });
    const tracker = new MgcpCallTracker();
    const interesting = [
      0x22, 0x2c, 0x28, 0x29, 0x2e, 0x0a, 0x0d, 0x3a, 0x20, 0x2f, 0x40, 0x00, 0xff,
    ];
    let at = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < MUTATIONS; i++) {
      at += Math.floor(random() * 5000);
      // Mostly MGCP-carrying frames, so that mutations reach the text parser and the tracker.
      const source = random() < 0.8 ? pick(MGCP_FRAMES) : pick(FRAMES);
      const data = Uint8Array.from(source.data);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        // Past the headers most of the time, so that the IP and UDP checks still pass.
        const offset =
          random() < 0.8
            ? 42 + Math.floor(random() * Math.max(1, data.length - 42))
            : Math.floor(random() * data.length);
        data[offset] = random() < 0.5 ? pick(interesting) : Math.floor(random() * 256);
      }
      const cut = random() < 0.1 ? Math.floor(random() * data.length) : data.length;
      assertWellFormed(
        pipeline.handleFrame({ ...source, data: data.subarray(0, cut), timestampMs: at }),
      );

      const payload = Uint8Array.from(pick(MGCP_PAYLOADS));
      for (let e = 0; e < edits; e++)
        payload[Math.floor(random() * payload.length)] = pick(interesting);
      for (const message of parseMgcp(payload).messages) {
        assertWellFormed(tracker.handle(message, { src: "a", dst: "b", at }));
      }
    }
    expect(pipeline.stats.frames).toBe(MUTATIONS);
    // A quarter or more of the mutated frames still reach the tracker as MGCP messages.
    expect(pipeline.stats.mgcpMessages).toBeGreaterThan(MUTATIONS / 4);
  });
});
