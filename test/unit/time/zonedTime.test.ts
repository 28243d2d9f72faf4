import { describe, expect, it } from "vitest";
import { localMinutesOfDay, monthOf } from "../../../src/core/time/zonedTime.js";

describe("zoned time", () => {
  it("reads the minutes of the day in the zone it is given, whatever the process's TZ", () => {
    const at = Date.UTC(2026, 0, 15, 21, 30); // 22:30 in Zurich (CET, UTC+1)
    expect(localMinutesOfDay(at, "UTC")).toBe(21 * 60 + 30);
    expect(localMinutesOfDay(at, "Europe/Zurich")).toBe(22 * 60 + 30);
    // Summer time: UTC+2; and just after midnight reads 0, not 24.
    expect(localMinutesOfDay(Date.UTC(2026, 6, 1, 22, 5), "Europe/Zurich")).toBe(5);
  });

  it("starts a month at the zone's midnight", () => {
    const newYearInZurich = Date.UTC(2025, 11, 31, 23, 30);
    expect(monthOf(newYearInZurich, "UTC")).toBe("2025-12");
    expect(monthOf(newYearInZurich, "Europe/Zurich")).toBe("2026-01");
  });
});
