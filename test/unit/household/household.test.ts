import { describe, expect, it } from "vitest";
import type { CallEvent, CallEventType } from "../../../src/core/calls/callEvent.js";
import {
  announcementsEnabled,
  EMPTY_HOUSEHOLD,
  type HouseholdInput,
  type HouseholdState,
  lineCurrentCall,
  linePhoneState,
  reduceHousehold,
} from "../../../src/core/household/household.js";
import type { CallReport } from "../../../src/core/outputs/callReport.js";
import { callEvent, hansMuster } from "../../support/callFixtures.js";

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const LINE = "aaln/1@gw";

function call(
  type: CallEventType,
  callId: string,
  extra: Partial<CallEvent> & { label?: string } = {},
): HouseholdInput {
  const { label = "Home", ...fields } = extra;
  const event = callEvent(type, callId, { at: T0, startedAt: T0, ...fields });
  const report: CallReport = {
    event,
    line: { name: label, mediaPlayers: [] },
    party: hansMuster(),
  };
  return { kind: "call", report };
}

/** Applies inputs one by one, a second apart; the state after them. */
function run(inputs: HouseholdInput[], from: HouseholdState = EMPTY_HOUSEHOLD): HouseholdState {
  return inputs.reduce(
    (state, input, i) => reduceHousehold(state, input, T0 + i * 1000).state,
    from,
  );
}

const lineOf = (state: HouseholdState, key = LINE) => {
  const line = state.lines.find((l) => l.key === key);
  if (!line) throw new Error(`no line ${key}`);
  return line;
};

describe("household state", () => {
  it("learns a line with its first call, and follows its phone: ringing → talking → idle", () => {
    const first = reduceHousehold(EMPTY_HOUSEHOLD, call("ringing", "c1"), T0);
    expect(first.change).toMatchObject({ cause: "call", added: true, changed: true });
    expect(first.state.lines.map((l) => [l.key, l.label])).toEqual([[LINE, "Home"]]);
    expect(linePhoneState(lineOf(first.state))).toBe("ringing");

    const talking = run([call("answered", "c1", { answeredAt: T0 + 5000 })], first.state);
    expect(linePhoneState(lineOf(talking))).toBe("talking");
    const idle = run(
      [call("ended", "c1", { answeredAt: T0 + 5000, endedAt: T0 + 65_000 })],
      talking,
    );
    const line = lineOf(idle);
    expect(linePhoneState(line)).toBe("idle");
    expect(line.openCalls).toEqual([]);
    expect(line.openCallData).toEqual({});
    expect(line.lastCall).toMatchObject({ type: "ended", call_id: "c1", duration_s: 60 });
    expect(line.lastCaller?.state).toBe("Hans Muster");
    expect(line.missedCalls).toBe(0);
  });

  it("shows the ringing call while another is talked, then the last call", () => {
    const state = run([
      call("ringing", "a"),
      call("answered", "a", { answeredAt: T0 }),
      call("ringing", "w", { waiting: true, number: "0791112233" }),
    ]);
    expect(linePhoneState(lineOf(state))).toBe("ringing");
    expect(lineCurrentCall(lineOf(state))).toMatchObject({ call_id: "w", type: "ringing" });
    const after = run([call("missed", "w", { endedAt: T0 + 9000 })], state);
    expect(lineCurrentCall(lineOf(after))).toMatchObject({ call_id: "a", type: "answered" });
    const done = run([call("ended", "a", { endedAt: T0 + 20_000 })], after);
    expect(lineCurrentCall(lineOf(done))).toMatchObject({ call_id: "a", type: "ended" });
  });

  it("counts missed incoming calls only, and resets the count on command", () => {
    const state = run([
      call("ringing", "c1"),
      call("missed", "c1"),
      call("missed", "c2"),
      call("outgoing", "c3", { direction: "outgoing" }),
      call("missed", "c3", { direction: "outgoing" }),
    ]);
    expect(lineOf(state).missedCalls).toBe(2);
    const reset = reduceHousehold(state, { kind: "reset-missed-calls", line: LINE }, T0);
    expect(lineOf(reset.state).missedCalls).toBe(0);
    expect(reset.change).toMatchObject({
      cause: "reset-missed-calls",
      changed: true,
      added: false,
    });
    // A second press changes nothing, but is still answered (HA waits for the state).
    const again = reduceHousehold(reset.state, { kind: "reset-missed-calls", line: LINE }, T0);
    expect(again.state).toBe(reset.state);
    expect(again.change).toMatchObject({ changed: false });
  });

  it("switches announcements per line; on for lines not seen yet", () => {
    const state = run([call("ringing", "c1"), call("ringing", "c2", { line: "aaln/2@gw" })]);
    expect(announcementsEnabled(state, LINE)).toBe(true);
    const off = reduceHousehold(state, { kind: "set-announcements", line: LINE, on: false }, T0);
    expect(announcementsEnabled(off.state, LINE)).toBe(false);
    expect(announcementsEnabled(off.state, "aaln/2@gw")).toBe(true);
    expect(announcementsEnabled(off.state, "aaln/9@elsewhere")).toBe(true);
    expect(off.change).toMatchObject({ cause: "set-announcements", changed: true });
    expect(
      reduceHousehold(off.state, { kind: "set-announcements", line: LINE, on: false }, T0).change,
    ).toMatchObject({ changed: false });
  });

  it("ignores a command about a line it does not know", () => {
    for (const command of [
      { kind: "reset-missed-calls", line: "aaln/9@x" },
      { kind: "set-announcements", line: "aaln/9@x", on: false },
    ] as const) {
      const next = reduceHousehold(EMPTY_HOUSEHOLD, command, T0);
      expect(next).toStrictEqual({ state: EMPTY_HOUSEHOLD, change: null });
    }
  });

  it("takes the label of the latest call, keeps lines in the order learned, and stamps activity", () => {
    const state = run([
      call("ringing", "c1"),
      call("ringing", "c2", { line: "aaln/2@gw", label: "Office" }),
      call("missed", "c1", { label: "Küche" }),
    ]);
    expect(state.lines.map((l) => [l.key, l.label, l.lastActivityAt])).toEqual([
      [LINE, "Küche", T0 + 2000],
      ["aaln/2@gw", "Office", T0 + 1000],
    ]);
  });

  it("keeps the last caller through an outgoing call", () => {
    const state = run([call("missed", "c1"), call("outgoing", "c2", { direction: "outgoing" })]);
    expect(lineOf(state).lastCaller?.state).toBe("Hans Muster");
    expect(lineOf(state).lastCall).toMatchObject({ direction: "outgoing" });
  });
});
