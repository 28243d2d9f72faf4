/**
 * What the pipeline counts for odd input that it still reads (issue 15, items 2 and 4), for the
 * outputs that show counters: the warnings beside the parse errors, and the refused INVITEs.
 */
import { describe, expect, it } from "vitest";
import { CallerIdPipeline } from "../../../src/core/pipeline.js";
import { readCaptureFileSync } from "../../../src/io/captureFileSource.js";

function replay(name: string) {
  const pipeline = new CallerIdPipeline({
    sipPorts: [5060],
    sip: { ownAddresses: ["192.0.2.10"] },
  });
  const events: string[] = [];
  let last = 0;
  readCaptureFileSync(
    new URL(`../../fixtures/synthetic/${name}`, import.meta.url).pathname,
    (f) => {
      last = f.timestampMs;
      for (const e of pipeline.handleFrame(f)) events.push(`${e.type} ${e.number}`);
    },
  );
  for (const e of pipeline.tick(last + 3_600_000)) events.push(`${e.type} ${e.number}`);
  return { events, stats: pipeline.stats };
}

describe("pipeline counters", () => {
  it("a SIP scanner: no call, three refused INVITEs, no parse error", () => {
    const { events, stats } = replay("sip-scanner.pcap");
    expect(events).toEqual([]);
    expect(stats.refusedInvites).toBe(3);
    expect(stats.errors.total).toBe(0);
  });

  it.each([
    ["odd-name-nul.pcap", { "mgcp-nul-in-text": 1 }],
    ["odd-name-long.pcap", { "mgcp-line-cut": 1 }],
    ["sip-odd-long-name.pcap", { "sip-header-cut": 6 }],
    ["sip-odd-long-name-tcp.pcap", { "sip-header-cut": 6 }],
  ])("%s: the call with its number, the odd field counted", (name, counts) => {
    const { events, stats } = replay(name);
    expect(events.slice(0, 2)).toEqual(
      name.startsWith("sip")
        ? ["ringing 0449876543", "missed 0449876543"]
        : ["ringing 0441234567", "missed 0441234567"],
    );
    expect(stats.errors.toJSON()).toEqual(counts);
  });
});
