import { describe, expect, it } from "vitest";
import { localMinutesOfDay, monthOf, processZone } from "../../../src/core/time/zonedTime.js";

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

describe("zoned time in the process's own zone (TZ)", () => {
  it("reads the same wall clock through Date as through Intl, across both DST changes", () => {
    const before = process.env.TZ;
    const instants = [
      Date.UTC(2026, 2, 29, 0, 59), // Zurich: 01:59 CET, a minute before the spring change
      Date.UTC(2026, 2, 29, 1, 0), // 03:00 CEST
      Date.UTC(2026, 9, 25, 0, 59), // 02:59 CEST
      Date.UTC(2026, 9, 25, 1, 0), // 02:00 CET, the hour again
      Date.UTC(2025, 11, 31, 23, 30), // New Year in Zurich
    ];
    const viaIntl = instants.map((at) => [
      localMinutesOfDay(at, "Europe/Zurich"),
      monthOf(at, "Europe/Zurich"),
    ]);
    try {
      process.env.TZ = "Europe/Zurich";
      expect(processZone()).toBe("Europe/Zurich");
      const viaDate = instants.map((at) => [
        localMinutesOfDay(at, "Europe/Zurich"),
        monthOf(at, "Europe/Zurich"),
      ]);
      expect(viaDate).toEqual(viaIntl);
      expect(viaDate.map(([minutes]) => minutes)).toEqual([119, 180, 179, 120, 30]);
      // Another zone than the process's still goes by that zone.
      expect(localMinutesOfDay(Date.UTC(2026, 0, 15, 21, 30), "UTC")).toBe(21 * 60 + 30);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it("takes TZ only when it names an IANA zone", () => {
    const before = process.env.TZ;
    try {
      for (const [tz, zone] of [
        ["UTC", "UTC"],
        ["America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
        ["CET-1CEST,M3.5.0,M10.5.0/3", undefined],
        [":/etc/localtime", undefined],
        ["", undefined],
      ] as const) {
        process.env.TZ = tz;
        expect(processZone(), tz).toBe(zone);
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});
