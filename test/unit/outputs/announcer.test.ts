import { describe, expect, it } from "vitest";
import type { CallerResolution } from "../../../src/core/caller/resolveCaller.js";
import type { CallEventType } from "../../../src/core/calls/callEvent.js";
import {
  AnnouncementQueue,
  type AnnouncerSettings,
  speakingTimeMs,
  spokenSentence,
} from "../../../src/core/outputs/announcer.js";
import type { CallReport, LineSettings } from "../../../src/core/outputs/callReport.js";
import { callEvent, HANS_NUMBER } from "../../support/callFixtures.js";

const T0 = 1_000_000;
const SETTINGS: AnnouncerSettings = {
  repeat: 2,
  repeatDelayMs: 3000,
  quietHoursStart: "",
  quietHoursEnd: "",
  knownCallersOnly: false,
  timeZone: "UTC",
  nuisance: "warn",
  language: "de",
  nuisanceTemplate: "",
  targets: { mediaPlayers: ["media_player.default"], satellites: [] },
  preannounce: true,
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
    /** A nuisance list's label: the caller is flagged. */
    flagged?: string | null;
    line?: Partial<LineSettings>;
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
    number: HANS_NUMBER,
    name: null,
  } as CallerResolution;
  const line = { name: "Home", mediaPlayers: ["media_player.kitchen"], ...extra.line };
  if (extra.flagged === undefined) return { event, line, party };
  const nuisance = { flagged: true, label: extra.flagged, source: "list" as const };
  return { event, line, party, nuisance };
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
        satellites: [],
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

/** The first utterance of a ringing call on a queue with these settings, or the skip reason. */
function firstSaid(settings: Partial<AnnouncerSettings>, r: CallReport) {
  const queue = new AnnouncementQueue({ ...SETTINGS, ...settings });
  const outcome = queue.onCall(r, true, T0);
  return outcome === "queued" ? queue.due(T0)[0] : outcome;
}

describe("a caller on a nuisance list", () => {
  const lotto = (extra: Parameters<typeof report>[3] = {}) =>
    report("ringing", "c1", T0, { source: null, text: "Nicht im Telefonbuch. 0 9 0 6", ...extra });

  it.each([
    ["warn", "de", "Lotto Versand", "Achtung, vermutlich Werbung: Lotto Versand"],
    ["warn", "en", "Lotto Versand", "Caution, probably a sales call: Lotto Versand"],
    ["warn", "fr", "Lotto Versand", "Attention, probablement du démarchage : Lotto Versand"],
    ["warn", "it", "Lotto Versand", "Attenzione, probabilmente pubblicità: Lotto Versand"],
    // No label on the list: the number, digit by digit, instead.
    ["warn", "de", null, "Achtung, vermutlich Werbung: 0 4 4, 1 2 3, 4 5, 6 7"],
    ["normal", "de", "Lotto Versand", "Nicht im Telefonbuch. 0 9 0 6"],
  ] as const)("%s (%s, label %s) says %j", (nuisance, language, label, sentence) => {
    const said = firstSaid({ nuisance, language }, lotto({ flagged: label }));
    expect(said).toMatchObject({ text: sentence, round: 1 });
  });

  it("is said with the user's own warning template", () => {
    const said = firstSaid(
      { nuisanceTemplate: "Vorsicht, {label}, Nummer {number_display}" },
      lotto({ flagged: "Lotto Versand" }),
    );
    expect(said).toMatchObject({ text: "Vorsicht, Lotto Versand, Nummer 044 123 45 67" });
  });

  it("is not announced at all with silent, and not on a later ring of the call either", () => {
    const queue = new AnnouncementQueue({ ...SETTINGS, nuisance: "silent" });
    expect(queue.onCall(lotto({ flagged: "Lotto Versand" }), true, T0)).toBe("nuisance-silent");
    expect(queue.onCall(lotto({ flagged: "Lotto Versand" }), true, T0 + 500)).toBeNull();
    expect(drain(queue, T0 + 60_000)).toEqual([]);
  });

  it.each(["warn", "normal"] as const)(
    "never counts as known with known-callers-only (%s), even when the phonebook named it",
    (nuisance) => {
      const flagged = lotto({ flagged: "Lotto Versand", source: "phonebook" });
      expect(firstSaid({ nuisance, knownCallersOnly: true }, flagged)).toBe("unknown-caller");
    },
  );

  it("is quiet in quiet hours like any call, and a caller not flagged is announced as usual", () => {
    const quiet = { quietHoursStart: "00:00", quietHoursEnd: "23:59" };
    const at = atMinute(600);
    const queue = new AnnouncementQueue({ ...SETTINGS, ...quiet });
    const flagged = report("ringing", "c1", at, { flagged: "Lotto Versand" });
    expect(queue.onCall(flagged, true, at)).toBe("quiet-hours");
    expect(firstSaid({}, lotto())).toMatchObject({ text: "Nicht im Telefonbuch. 0 9 0 6" });
    const notFlagged = { ...lotto(), nuisance: { flagged: false, label: null, source: null } };
    expect(firstSaid({}, notFlagged)).toMatchObject({ text: "Nicht im Telefonbuch. 0 9 0 6" });
  });

  it("with warn, repeats the warning and stops when the call is answered", () => {
    const queue = new AnnouncementQueue({ ...SETTINGS, repeat: 3 });
    queue.onCall(lotto({ flagged: "Lotto Versand" }), true, T0);
    const first = queue.due(T0);
    expect(first.map((u) => u.text)).toEqual(["Achtung, vermutlich Werbung: Lotto Versand"]);
    const second = queue.nextWakeAt() as number;
    expect(queue.due(second).map((u) => [u.round, u.text])).toEqual([
      [2, "Achtung, vermutlich Werbung: Lotto Versand"],
    ]);
    expect(queue.onCall(report("answered", "c1", second + 1), true, second + 1)).toBe("stopped");
    expect(drain(queue, T0 + 60_000, second + 1)).toEqual([]);
  });
});

describe("what is said for a call, for the event and the call log too", () => {
  const wording = { language: "en", nuisanceTemplate: "" } as const;
  it.each([
    ["warn", "Lotto Versand", "Caution, probably a sales call: Lotto Versand"],
    ["silent", "Lotto Versand", null],
    ["normal", "Lotto Versand", "Not in the directory. 0 9 0 1"],
    ["warn", undefined, "Not in the directory. 0 9 0 1"],
    ["silent", undefined, "Not in the directory. 0 9 0 1"],
  ] as const)("%s, flagged as %s: %j", (nuisance, label, sentence) => {
    const r = report("ringing", "c1", T0, {
      text: "Not in the directory. 0 9 0 1",
      ...(label ? { flagged: label } : {}),
    });
    expect(spokenSentence(r, { ...wording, nuisance })).toBe(sentence);
  });
});

describe("speakers and Assist satellites", () => {
  const withSatellites = {
    targets: { mediaPlayers: ["media_player.default"], satellites: ["assist_satellite.hall"] },
  };

  it.each([
    [
      "a line naming neither: the announce options' speakers and satellites",
      { mediaPlayers: [], satellites: [] },
      ["media_player.default"],
      ["assist_satellite.hall"],
    ],
    [
      "a line naming speakers only: only those",
      { mediaPlayers: ["media_player.office"], satellites: [] },
      ["media_player.office"],
      [],
    ],
    [
      "a line naming satellites only: only those",
      { mediaPlayers: [], satellites: ["assist_satellite.office"] },
      [],
      ["assist_satellite.office"],
    ],
    [
      "a line naming both: both, mixed",
      { mediaPlayers: ["media_player.office"], satellites: ["assist_satellite.office"] },
      ["media_player.office"],
      ["assist_satellite.office"],
    ],
    [
      "a line from before satellites existed (no satellites field): its speakers",
      { mediaPlayers: ["media_player.office"] },
      ["media_player.office"],
      [],
    ],
  ])("%s", (_, line: Partial<LineSettings>, mediaPlayers, satellites) => {
    const said = firstSaid(withSatellites, report("ringing", "c1", T0, { line }));
    expect(said).toMatchObject({ mediaPlayers, satellites });
  });

  it("satellites get the same policy: once per call, repeats, stopped when answered", () => {
    const queue = new AnnouncementQueue({ ...SETTINGS, ...withSatellites, repeat: 3 });
    const r = report("ringing", "c1", T0, { line: { mediaPlayers: [], satellites: [] } });
    queue.onCall(r, true, T0);
    expect(queue.onCall(r, true, T0 + 100)).toBeNull();
    const rounds = drain(queue, T0 + 9000);
    expect(rounds.map(([, id, round]) => `${id}#${round}`)).toEqual(["c1#1", "c1#2"]);
    const at = T0 + 9001;
    expect(queue.onCall(report("answered", "c1", at), true, at)).toBe("stopped");
    expect(drain(queue, T0 + 60_000, at)).toEqual([]);
  });

  it("leaves room for the satellites' pre-announce sound between two calls, and none without it", () => {
    const gaps = [true, false].map((preannounce) => {
      const queue = new AnnouncementQueue({ ...SETTINGS, ...withSatellites, preannounce });
      const line = { mediaPlayers: [], satellites: [] };
      queue.onCall(report("ringing", "c1", T0, { line }), true, T0);
      queue.onCall(report("ringing", "c2", T0, { line, text: "Anruf c2" }), true, T0);
      const said = drain(queue, T0 + 60_000);
      return (said[1] as [number, string, number])[0] - (said[0] as [number, string, number])[0];
    });
    expect(gaps).toEqual([speakingTimeMs("Anruf c1") + 1500, speakingTimeMs("Anruf c1")]);
  });

  it("is quiet in quiet hours on satellites too", () => {
    const quiet = { quietHoursStart: "09:00", quietHoursEnd: "11:00" };
    const at = atMinute(600);
    const queue = new AnnouncementQueue({ ...SETTINGS, ...withSatellites, ...quiet });
    const r = report("ringing", "c1", at, { line: { mediaPlayers: [], satellites: [] } });
    expect(queue.onCall(r, true, at)).toBe("quiet-hours");
    expect(queue.due(at)).toEqual([]);
  });
});
