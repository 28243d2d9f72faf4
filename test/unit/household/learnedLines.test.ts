import { describe, expect, it } from "vitest";
import type { CallEventType } from "../../../src/core/calls/callEvent.js";
import {
  EMPTY_HOUSEHOLD,
  type HouseholdChange,
  type HouseholdState,
  newLine,
  reduceHousehold,
} from "../../../src/core/household/household.js";
import {
  capHousehold,
  type HouseholdRules,
  MAX_LEARNED_LINES,
} from "../../../src/core/household/learnedLines.js";
import { callEvent, hansMuster } from "../../support/callFixtures.js";

const T0 = Date.UTC(2026, 11, 5, 8, 0, 0);
const HOME = "aaln/1@gw";
/** Line 1 is the one the user named; a cap of 3 keeps the tables short. */
const RULES: HouseholdRules = { isConfigured: (key) => key === HOME, maxLearnedLines: 3 };

/** A fake clock: each step is `at` seconds after T0, on the line named. */
interface Step {
  readonly at: number;
  readonly line: string;
  readonly type: CallEventType;
  readonly call: string;
}

function apply(steps: readonly Step[], rules = RULES, from: HouseholdState = EMPTY_HOUSEHOLD) {
  let state = from;
  const changes: (HouseholdChange | null)[] = [];
  for (const { at, line, type, call } of steps) {
    const now = T0 + at * 1000;
    const event = callEvent(type, call, { line, at: now, startedAt: now });
    const input = {
      kind: "call",
      report: { event, line: { name: line, mediaPlayers: [] }, party: hansMuster() },
    } as const;
    const next = reduceHousehold(state, input, now, rules);
    state = next.state;
    changes.push(next.change);
  }
  return { state, changes };
}

const keys = (state: HouseholdState) => state.lines.map((line) => line.key);
const evicted = (change: HouseholdChange | null | undefined) =>
  change?.evicted.map((line) => line.key);
/** A call that rang and was missed on `line` at `at` seconds. */
const missed = (at: number, line: string, call = `${line}#${at}`): Step[] => [
  { at, line, type: "ringing", call },
  { at, line, type: "missed", call },
];

describe("the cap on learned lines", () => {
  it("keeps configured lines out of the count and evicts the quietest learned line", () => {
    const { state, changes } = apply([
      ...missed(0, "sip:a"),
      ...missed(10, "sip:b"),
      ...missed(20, HOME),
      ...missed(30, "sip:c"),
      ...missed(40, "sip:a"), // a is busy again: b is now the quietest
      ...missed(50, "sip:d"),
      ...missed(60, "aaln/2@gw"),
    ]);
    // time  line       learned before  evicted
    //   50  sip:d      a(40) b(10) c   b
    //   60  aaln/2@gw  a(40) c(30) d   c
    expect(changes.map(evicted)).toEqual([
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      ["sip:b"],
      [],
      ["sip:c"],
      [],
    ]);
    expect(keys(state)).toEqual(["sip:a", HOME, "sip:d", "aaln/2@gw"]);
    expect(changes[10]).toMatchObject({ added: true, changed: true, line: { key: "sip:d" } });
  });

  it("never evicts a line with an open call; with every learned line on the phone, learns none", () => {
    const { state, changes } = apply([
      { at: 0, line: "sip:a", type: "ringing", call: "a1" }, // stays open
      ...missed(10, "sip:b"),
      ...missed(20, "sip:c"),
      ...missed(30, "sip:d"), // a is the oldest but ringing: b goes
      { at: 40, line: "sip:c", type: "ringing", call: "c2" },
      { at: 41, line: "sip:d", type: "ringing", call: "d2" },
      { at: 50, line: "sip:e", type: "ringing", call: "e1" }, // no room: not learned
      ...missed(60, HOME), // a configured line always has room
    ]);
    expect(evicted(changes[5])).toEqual(["sip:b"]);
    expect(changes[9]).toBeNull();
    expect(keys(state)).toEqual(["sip:a", "sip:c", "sip:d", HOME]);
    expect(evicted(changes[10])).toEqual([]);
  });

  it("holds at most the cap whatever the number of scanner lines", () => {
    const steps = Array.from({ length: 300 }, (_, i) => missed(i, `sip:${1000 + i}@scan`)).flat();
    const { state } = apply([...missed(0, HOME), ...steps], { ...RULES, maxLearnedLines: 8 });
    expect(state.lines).toHaveLength(1 + 8);
    expect(keys(state)).toEqual([
      HOME,
      ...Array.from({ length: 8 }, (_, i) => `sip:${1000 + 292 + i}@scan`),
    ]);
  });

  it("is 8 learned lines by default", () => {
    expect(MAX_LEARNED_LINES).toBe(8);
    let state = EMPTY_HOUSEHOLD;
    for (let i = 0; i < 20; i++) {
      const event = callEvent("missed", `c${i}`, { line: `aaln/${i}@x` });
      const report = { event, line: { name: "x", mediaPlayers: [] }, party: hansMuster() };
      state = reduceHousehold(state, { kind: "call", report }, T0 + i).state;
    }
    expect(keys(state)).toEqual(Array.from({ length: 8 }, (_, i) => `aaln/${12 + i}@x`));
  });
});

describe("a saved household within the cap", () => {
  const saved = (key: string, lastActivityAt: number | null) => ({
    ...newLine(key, key),
    lastActivityAt,
  });

  it("drops the quietest learned lines, never active first, keeping order and configured lines", () => {
    const state: HouseholdState = {
      lines: [
        saved("sip:old", null),
        saved(HOME, 0),
        saved("sip:a", 5),
        saved("sip:b", 1),
        saved("sip:c", 9),
        saved("sip:d", 7),
      ],
    };
    const { kept, evicted: gone } = capHousehold(state, RULES);
    expect(gone.map((line) => line.key)).toEqual(["sip:old", "sip:b"]);
    expect(kept.map((line) => line.key)).toEqual([HOME, "sip:a", "sip:c", "sip:d"]);
  });

  it("keeps a household within the cap as it is", () => {
    const state: HouseholdState = { lines: [saved(HOME, 0), saved("sip:a", 5)] };
    expect(capHousehold(state, RULES)).toEqual({ kept: state.lines, evicted: [] });
  });
});
