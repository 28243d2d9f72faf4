import { describe, expect, it } from "vitest";
import { callsInMonth } from "../../../src/core/nuisance/monthCount.js";

describe("nuisance calls this month: the household's calendar month", () => {
  // 00:30 on 1 December in Zurich is still 30 November in UTC.
  const now = Date.parse("2026-11-30T23:30:00Z");
  const calls = [
    "2026-11-30T23:10:00.000Z", // 00:10 on 1 December in Zurich: this month
    "2026-11-30T22:50:00.000Z", // 23:50 on 30 November in Zurich: last month
    "2026-11-02T10:00:00.000Z",
  ];

  it.each([
    ["Europe/Zurich", 1],
    ["UTC", 3],
    ["America/New_York", 3],
  ])("in %s: %i", (timeZone, count) => {
    expect(callsInMonth(calls, now, timeZone)).toBe(count);
  });
});
