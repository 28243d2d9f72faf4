import { describe, expect, it } from "vitest";
import type { CallerResolution } from "../../../src/core/caller/resolveCaller.js";
import type { CallEventType } from "../../../src/core/calls/callEvent.js";
import {
  AnnouncementQueue,
  type AnnouncerSettings,
  speakingTimeMs,
} from "../../../src/core/outputs/announcer.js";
import type { CallReport } from "../../../src/core/outputs/callReport.js";
import { callEvent } from "../../support/callFixtures.js";

const T0 = 1_000_000;
const SETTINGS: AnnouncerSettings = {
  repeat: 2,
  repeatDelayMs: 3000,
  quietHoursStart: "",
  quietHoursEnd: "",
  knownCallersOnly: false,
  timeZone: "UTC",
};

/** A time on some day at `minute` past midnight, UTC. */
const atMinute = (minute: number) => Date.UTC(2026, 2, 14) + minute * 60_000;

function report(
  type: CallEventType,
  callId: string,
  at: number,
  extra: {
    text?: string;
    source?: CallerResolution["source"];
    direction?: "incoming" | "outgoing";
  } = {},
): CallReport {
  const event = callEvent(type, callId, {
    direction: extra.direction ?? "incoming",
    at,
    startedAt: T0,
  });
  const party = {
    announcement: extra.text ?? `Anruf ${callId}`,
    source: extra.source ?? "phonebook",
  } as CallerResolution;
  return { event, line: { name: "Home", mediaPlayers: ["media_player.kitchen"] }, party };
}

/** Runs the queue on a fake clock until `until`, collecting [time offset, call, round]. */
function drain(queue: AnnouncementQueue, until: number, from = T0): [number, string, number][] {
  const said: [number, string, number][] = [];
  let now = from;
  while (now <= until) {
    for (const u of queue.due(now)) said.push([now - T0, u.callId, u.round]);
    const wake = queue.nextWakeAt();
    if (wake === null) break;
    now = Math.max(now + 1, wake);
  }
  return said;
}

describe("announcement policy", () => {
  it("says it repeat times, spaced by speaking time and delay, to the line's speakers", () => {
    const queue = new AnnouncementQueue(SETTINGS);
    expect(queue.onCall(report("ringing", "c1", T0), true, T0)).toBe("queued");
    const first = queue.due(T0);
    expect(first).toEqual([
      {
        callId: "c1",
        line: "aaln/1@gw",
        text: "Anruf c1",
        mediaPlayers: ["media_player.kitchen"],
        round: 1,
        notAfter: T0 + 30_000,
      },
    ]);
    const gap = speakingTimeMs("Anruf c1") + 3000;
    expect(queue.nextWakeAt()).toBe(T0 + gap);
    expect(drain(queue, T0 + 60_000)).toEqual([[gap, "c1", 2]]);
    expect(queue.size).toBe(0);
  });

  it("once per call, however often the ringing repeats", () => {
    const queue = new AnnouncementQueue({ ...SETTINGS, repeat: 1 });
    queue.onCall(report("ringing", "c1", T0), true, T0);
    expect(queue.onCall(report("ringing", "c1", T0 + 500), true, T0 + 500)).toBeNull();
    expect(drain(queue, T0 + 60_000)).toEqual([[0, "c1", 1]]);
  });

  it.each(["answered", "missed", "ended"] as const)(
    "stops repeating when the call is %s",
    (type) => {
      const queue = new AnnouncementQueue(SETTINGS);
      queue.onCall(report("ringing", "c1", T0), true, T0);
      expect(queue.due(T0)).toHaveLength(1);
      expect(queue.onCall(report(type, "c1", T0 + 1000), true, T0 + 1000)).toBe("stopped");
      expect(drain(queue, T0 + 60_000, T0 + 1000)).toEqual([]);
    },
  );

  it("two calls do not talk over each other", () => {
    const queue = new AnnouncementQueue(SETTINGS);
    queue.onCall(report("ringing", "c1", T0), true, T0);
    queue.onCall(report("ringing", "c2", T0 + 100, { text: "Anruf zwei" }), true, T0 + 100);
    const said = drain(queue, T0 + 60_000);
    expect(said.map(([, id, round]) => `${id}#${round}`)).toEqual(["c1#1", "c2#1", "c1#2", "c2#2"]);
    for (let i = 1; i < said.length; i++) {
      const [previousAt, previousId] = said[i - 1] as [number, string, number];
      const text = previousId === "c1" ? "Anruf c1" : "Anruf zwei";
      expect((said[i] as [number, string, number])[0] - previousAt).toBeGreaterThanOrEqual(
        speakingTimeMs(text),
      );
    }
  });

  it("drops what could not be said within 30 s of the ring", () => {
    const queue = new AnnouncementQueue(SETTINGS);
    queue.onCall(report("ringing", "c1", T0), true, T0);
    expect(queue.due(T0 + 30_001)).toEqual([]);
    expect(queue.size).toBe(0);
  });

  it.each([
    ["switched off for the line", { enabled: false }, "switched-off"],
    [
      "an unknown caller with known-callers-only",
      { settings: { knownCallersOnly: true }, source: "search.ch" as const },
      "unknown-caller",
    ],
    ["an outgoing call", { direction: "outgoing" as const }, "not-incoming"],
    [
      "quiet hours wrapping midnight (23:00)",
      { settings: { quietHoursStart: "22:00", quietHoursEnd: "07:00" }, minute: 23 * 60 },
      "quiet-hours",
    ],
    [
      "quiet hours wrapping midnight (06:59)",
      { settings: { quietHoursStart: "22:00", quietHoursEnd: "07:00" }, minute: 6 * 60 + 59 },
      "quiet-hours",
    ],
    [
      "quiet hours in the day (13:30)",
      { settings: { quietHoursStart: "12:00", quietHoursEnd: "14:00" }, minute: 13 * 60 + 30 },
      "quiet-hours",
    ],
  ])(
    "stays silent for %s",
    (_, c: {
      enabled?: boolean;
      settings?: Partial<AnnouncerSettings>;
      source?: CallerResolution["source"];
      direction?: "incoming" | "outgoing";
      minute?: number;
    }, reason) => {
      const queue = new AnnouncementQueue({ ...SETTINGS, ...c.settings });
      const at = atMinute(c.minute ?? 600);
      const r = report("ringing", "c1", at, {
        ...(c.source ? { source: c.source } : {}),
        ...(c.direction ? { direction: c.direction } : {}),
      });
      expect(queue.onCall(r, c.enabled ?? true, at)).toBe(reason);
      expect(queue.due(at)).toEqual([]);
    },
  );

  it("speaks outside quiet hours (07:00 sharp, 21:59) and with known callers", () => {
    for (const minute of [7 * 60, 21 * 60 + 59]) {
      const queue = new AnnouncementQueue({
        ...SETTINGS,
        quietHoursStart: "22:00",
        quietHoursEnd: "07:00",
        knownCallersOnly: true,
      });
      const at = atMinute(minute);
      expect(queue.onCall(report("ringing", "c1", at), true, at)).toBe("queued");
    }
  });
});
