import { describe, expect, it } from "vitest";
import { BRIDGE_OFF } from "../../../src/core/bridge/bridgeStatus.js";
import type { CallerResolution } from "../../../src/core/caller/resolveCaller.js";
import type { CallEvent, CallEventType } from "../../../src/core/calls/callEvent.js";
import { CAPTURE_OFF } from "../../../src/core/capture/captureStatus.js";
import { DIAGNOSTIC_ENTITIES } from "../../../src/core/discovery/entitySpecs.js";
import {
  bridgeAttributesPayload,
  callEventPayload,
  diagnosticsPayload,
  parseSwitchCommand,
  phoneAttributes,
  switchState,
} from "../../../src/core/discovery/entityStates.js";
import {
  applyCallEvent,
  lastCaller,
  leadingCall,
  type OpenCall,
  phoneState,
} from "../../../src/core/household/lineCalls.js";
import { type CallReport, callEventData } from "../../../src/core/outputs/callReport.js";
import { callEvent, hansMuster } from "../../support/callFixtures.js";

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

const HANS = hansMuster({
  occupation: "Schreiner",
  city: "Zürich",
  canton: "ZH",
  announcement: "Anruf von Hans Muster. Schreiner. Zürich",
});

function event(type: CallEventType, callId: string, extra: Partial<CallEvent> = {}): CallEvent {
  return callEvent(type, callId, { at: T0, startedAt: T0, ...extra });
}

function report(e: CallEvent, party: CallerResolution = HANS): CallReport {
  return { event: e, line: { name: "Home", mediaPlayers: [] }, party };
}

function run(...events: CallEvent[]): OpenCall[] {
  return events.reduce<OpenCall[]>((open, e) => applyCallEvent(open, e), []);
}

describe("phone state from the open calls", () => {
  it.each([
    ["no call", [], "idle"],
    ["ringing", [event("ringing", "a")], "ringing"],
    [
      "answered",
      [event("ringing", "a"), event("answered", "a", { answeredAt: T0 + 5000 })],
      "talking",
    ],
    ["missed", [event("ringing", "a"), event("missed", "a", { endedAt: T0 + 9000 })], "idle"],
    [
      "ended",
      [event("ringing", "a"), event("answered", "a"), event("ended", "a", { endedAt: T0 + 1 })],
      "idle",
    ],
    ["outgoing, not answered", [event("outgoing", "b", { direction: "outgoing" })], "dialing"],
    [
      "outgoing, answered",
      [
        event("outgoing", "b", { direction: "outgoing" }),
        event("answered", "b", { direction: "outgoing", answeredAt: T0 + 3000 }),
      ],
      "talking",
    ],
    [
      "call waiting: a second caller rings while the first is talked",
      [event("ringing", "a"), event("answered", "a"), event("ringing", "w", { waiting: true })],
      "ringing",
    ],
    [
      "call waiting, the waiting call missed: back to talking",
      [
        event("ringing", "a"),
        event("answered", "a"),
        event("ringing", "w", { waiting: true }),
        event("missed", "w", { waiting: true }),
      ],
      "talking",
    ],
    [
      "call waiting, the first call ends while the second still rings",
      [
        event("ringing", "a"),
        event("answered", "a"),
        event("ringing", "w", { waiting: true }),
        event("ended", "a"),
      ],
      "ringing",
    ],
    [
      "call waiting, switched to the second call (flash), the first one ended",
      [
        event("ringing", "a"),
        event("answered", "a"),
        event("ringing", "w", { waiting: true }),
        event("answered", "w", { waiting: true }),
        event("ended", "a"),
      ],
      "talking",
    ],
    [
      "an outgoing call with an incoming one ringing",
      [event("outgoing", "b", { direction: "outgoing" }), event("ringing", "c")],
      "ringing",
    ],
    ["an end for a call never seen", [event("ended", "x")], "idle"],
  ] as const)("%s → %s", (_, events, expected) => {
    expect(phoneState(run(...events))).toBe(expected);
  });

  it("keeps calls in arrival order and updates a call in place", () => {
    const open = run(
      event("ringing", "a"),
      event("ringing", "w", { waiting: true }),
      event("answered", "a"),
    );
    expect(open).toStrictEqual([
      { callId: "a", direction: "incoming", answered: true },
      { callId: "w", direction: "incoming", answered: false },
    ]);
    expect(leadingCall(open)?.callId).toBe("w");
  });

  it("does not un-answer a call on a late event", () => {
    expect(
      phoneState(run(event("ringing", "a"), event("answered", "a"), event("ringing", "a"))),
    ).toBe("talking");
  });

  it("takes a call that arrives already answered as answered", () => {
    const open = run(event("ringing", "a", { answeredAt: T0 }));
    expect(phoneState(open)).toBe("talking");
  });

  it("has no leading call when idle", () => {
    expect(leadingCall([])).toBeNull();
  });
});

describe("last caller", () => {
  it("shows the name, with number, source and time", () => {
    expect(lastCaller(report(event("ringing", "a")))).toStrictEqual({
      state: "Hans Muster",
      attributes: { number: "+41441234567", source: "phonebook", time: "2025-01-06T08:00:00.000Z" },
    });
  });

  it("shows the formatted number when no name is known", () => {
    const party = { ...HANS, name: null, source: null, kind: "unknown" } as const;
    expect(lastCaller(report(event("missed", "a"), party))).toStrictEqual({
      state: "044 123 45 67",
      attributes: { number: "+41441234567", source: null, time: "2025-01-06T08:00:00.000Z" },
    });
  });

  it("falls back to the number when the name is empty", () => {
    const party = { ...HANS, name: "" };
    expect(lastCaller(report(event("ringing", "a"), party))?.state).toBe("044 123 45 67");
    expect(lastCaller(report(event("ringing", "a"), party))?.attributes.source).toBeNull();
  });

  it("uses the digits as received for a number that is not valid", () => {
    const party: CallerResolution = {
      ...HANS,
      number: {
        kind: "number",
        key: "1818",
        e164: null,
        display: "1818",
        spoken: "1 8 1 8",
        domestic: false,
      },
      name: null,
      source: null,
    };
    expect(
      lastCaller(report(event("ringing", "a", { number: "1818" }), party))?.attributes.number,
    ).toBe("1818");
  });

  it("shows the phonebook's name for withheld numbers", () => {
    const party: CallerResolution = { ...HANS, number: { kind: "anonymous" }, name: "Unbekannt" };
    expect(
      lastCaller(report(event("ringing", "a", { number: null, anonymous: true }), party)),
    ).toStrictEqual({
      state: "Unbekannt",
      attributes: { number: null, source: "phonebook", time: "2025-01-06T08:00:00.000Z" },
    });
  });

  it("ignores calls without name and number, and outgoing calls", () => {
    const anonymous: CallerResolution = {
      ...HANS,
      number: { kind: "anonymous" },
      name: null,
      source: null,
    };
    expect(lastCaller(report(event("ringing", "a", { anonymous: true }), anonymous))).toBeNull();
    expect(lastCaller(report(event("outgoing", "b", { direction: "outgoing" })))).toBeNull();
  });

  it("cuts a state longer than HA accepts (255)", () => {
    const long = { ...HANS, name: "x".repeat(300) };
    const state = lastCaller(report(event("ringing", "a"), long))?.state ?? "";
    expect(state).toHaveLength(255);
    expect(state.endsWith("…")).toBe(true);
  });
});

describe("event and attribute payloads", () => {
  const answered = report(
    event("ended", "c1", { answeredAt: T0 + 10_000, endedAt: T0 + 70_000, at: T0 + 70_000 }),
  );

  it("gives the event entity event_type plus the call's event data", () => {
    expect(callEventPayload(answered)).toStrictEqual({
      event_type: "ended",
      type: "ended",
      line: "aaln/1@gw",
      line_name: "Home",
      direction: "incoming",
      number: "+41441234567",
      number_display: "044 123 45 67",
      anonymous: false,
      name: "Hans Muster",
      name_source: "phonebook",
      occupation: "Schreiner",
      city: "Zürich",
      canton: "ZH",
      nuisance: false,
      nuisance_label: null,
      nuisance_source: null,
      nuisance_score: null,
      spoken: "Anruf von Hans Muster. Schreiner. Zürich",
      call_id: "c1",
      started_at: "2025-01-06T08:00:00.000Z",
      answered_at: "2025-01-06T08:00:10.000Z",
      ended_at: "2025-01-06T08:01:10.000Z",
      duration_s: 60,
    });
  });

  it("repeats the name as caller_name in the phone attributes (HA drops `name`)", () => {
    const attributes = phoneAttributes(callEventData(answered));
    expect(attributes.caller_name).toBe("Hans Muster");
    expect(attributes.name).toBe("Hans Muster");
    expect(attributes.call_id).toBe("c1");
  });
});

describe("diagnostics payload", () => {
  const d = {
    lastPacketAgeS: 12.4,
    packets: 100,
    parseErrors: 2,
    mgcpMessages: 90,
    callEvents: 4,
    searchChQuotaUsed: 17,
    nuisanceCallsThisMonth: 3,
    directoryProblem: null,
    bridge: BRIDGE_OFF,
    capture: CAPTURE_OFF,
  };

  it("has one field per diagnostic entity", () => {
    expect(diagnosticsPayload(d)).toStrictEqual({
      last_packet_age: 12,
      packets: 100,
      parse_errors: 2,
      mgcp_messages: 90,
      call_events: 4,
      search_ch_quota_used: 17,
      nuisance_calls_this_month: 3,
      last_directory_problem: "none",
      capture_status: "off",
      bridge_status: "off",
    });
    expect(Object.keys(diagnosticsPayload(d)).sort()).toStrictEqual(
      DIAGNOSTIC_ENTITIES.map((spec) => spec.key).sort(),
    );
  });

  it("reports no packet yet as null (unknown in HA) and a problem as text", () => {
    const payload = diagnosticsPayload({
      ...d,
      lastPacketAgeS: null,
      directoryProblem: "search.ch refused the key (403)",
    });
    expect(payload.last_packet_age).toBeNull();
    expect(payload.last_directory_problem).toBe("search.ch refused the key (403)");
  });

  it("never reports a negative age", () => {
    expect(diagnosticsPayload({ ...d, lastPacketAgeS: -3 }).last_packet_age).toBe(0);
  });

  it("shows why a bridge waits, and its counters as the sensor's attributes", () => {
    const bridge = {
      state: "waiting" as const,
      detail: "eth1 is down",
      counters: { toExternal: 40, toInternal: 52, dropped: 7, rewritten: 2, errors: 1 },
      adapterIpv4: "172.16.5.28",
      restarts: 1,
    };
    expect(diagnosticsPayload({ ...d, bridge }).bridge_status).toBe("waiting: eth1 is down");
    expect(bridgeAttributesPayload(bridge)).toStrictEqual({
      frames_to_isp: 40,
      frames_to_adapter: 52,
      dhcp_replies_rewritten: 2,
      dropped: 7,
      errors: 1,
      restarts: 1,
      adapter_address: "172.16.5.28",
    });
    expect(bridgeAttributesPayload(BRIDGE_OFF).adapter_address).toBeNull();
  });
});

describe("switch", () => {
  it.each([
    ["ON", true],
    ["off", false],
    [" On\n", true],
    ["toggle", null],
    ["", null],
  ])("reads %j as %s", (payload, expected) => {
    expect(parseSwitchCommand(payload)).toBe(expected);
  });

  it("states ON and OFF", () => {
    expect([switchState(true), switchState(false)]).toStrictEqual(["ON", "OFF"]);
  });
});
