import { describe, expect, it } from "vitest";
import {
  RECENT_CALLS_MAX_BYTES,
  type RecentCall,
  recentCallsMessages,
} from "../../../src/core/discovery/recentCalls.js";

const call = (i: number, name: string | null = `Caller ${i}`): RecentCall => ({
  line: "Home",
  type: "missed",
  number_display: "044 123 45 67",
  name,
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
});

describe("the Recent calls sensor", () => {
  it("shows when the newest call started, and lists the first 10 in the fields' order", () => {
    const calls = Array.from({ length: 12 }, (_, i) => call(11 - i));
    const [state, attributes] = recentCallsMessages("vc", calls);
    expect(state).toEqual({ topic: "vc/recent_calls", payload: "2026-01-01T00:11:00.000Z" });
    expect(attributes?.topic).toBe("vc/recent_calls/attributes");
    const listed = JSON.parse(attributes?.payload ?? "").calls;
    expect(listed).toHaveLength(10);
    expect(Object.keys(listed[0])).toEqual(["time", "name", "number_display", "type", "line"]);
    expect(listed[9].name).toBe("Caller 2");
  });

  it("is unknown before the first call", () => {
    expect(recentCallsMessages("vc", [])).toEqual([
      { topic: "vc/recent_calls", payload: "None" },
      { topic: "vc/recent_calls/attributes", payload: '{"calls":[]}' },
    ]);
  });

  it("stays under HA's 16 KiB of attributes whatever the names, dropping the oldest calls", () => {
    const long = "Ä".repeat(1500); // longer than any cleaned name, 3,000 bytes
    const [, attributes] = recentCallsMessages(
      "vc",
      Array.from({ length: 10 }, (_, i) => call(i, long)),
    );
    const payload = attributes?.payload ?? "";
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(RECENT_CALLS_MAX_BYTES);
    expect(RECENT_CALLS_MAX_BYTES).toBeLessThan(16_384);
    expect(JSON.parse(payload).calls.map((c: RecentCall) => c.time)).toEqual(
      Array.from({ length: 3 }, (_, i) => call(i).time),
    );
  });
});
