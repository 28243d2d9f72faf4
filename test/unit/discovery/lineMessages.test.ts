import { describe, expect, it } from "vitest";
import {
  confirmationTopic,
  lineStateMessages,
  readInbound,
} from "../../../src/core/discovery/lineMessages.js";
import { planDiscovery } from "../../../src/core/discovery/publisherState.js";
import { type LineState, newLine } from "../../../src/core/household/household.js";

const SETTINGS = { baseTopic: "voip_callerid", discoveryPrefix: "homeassistant" };
const LINE: LineState = {
  ...newLine("aaln/1@gw", "Home"),
  missedCalls: 2,
  announcements: false,
  lastCaller: {
    state: "Hans Muster",
    attributes: { number: "+41441234567", source: "phonebook", time: "2025-01-06T08:00:00.000Z" },
  },
  lastCall: { type: "missed", call_id: "c1", name: "Hans Muster" },
};
const L = "voip_callerid/aaln_1_gw";

describe("a line's MQTT messages", () => {
  it("shows a line: attributes before their state, then count and switch", () => {
    expect(lineStateMessages("voip_callerid", LINE)).toEqual([
      {
        topic: `${L}/phone/attributes`,
        payload:
          '{"call_id":"c1","caller_name":"Hans Muster","name":"Hans Muster","type":"missed"}',
      },
      { topic: `${L}/phone`, payload: "idle" },
      {
        topic: `${L}/last_caller/attributes`,
        payload: '{"number":"+41441234567","source":"phonebook","time":"2025-01-06T08:00:00.000Z"}',
      },
      { topic: `${L}/last_caller`, payload: "Hans Muster" },
      { topic: `${L}/missed_calls`, payload: "2" },
      { topic: `${L}/announcements`, payload: "OFF" },
    ]);
  });

  it("leaves out attributes and last caller a new line does not have yet", () => {
    expect(
      lineStateMessages("voip_callerid", newLine("aaln/1@gw", "Home")).map((m) => m.topic),
    ).toEqual([`${L}/phone`, `${L}/missed_calls`, `${L}/announcements`]);
  });

  it("confirms a command on the entity it is about", () => {
    expect(confirmationTopic("voip_callerid", "reset-missed-calls", "aaln/1@gw")).toBe(
      `${L}/missed_calls`,
    );
    expect(confirmationTopic("voip_callerid", "set-announcements", "aaln/1@gw")).toBe(
      `${L}/announcements`,
    );
  });
});

describe("inbound MQTT messages", () => {
  const read = (topic: string, text: string) => readInbound(SETTINGS, [LINE], topic, text);

  it("turns the switch and the button into household commands for a known line", () => {
    expect(read(`${L}/announcements/set`, " on ")).toEqual({
      kind: "command",
      command: { kind: "set-announcements", line: "aaln/1@gw", on: true },
    });
    expect(read(`${L}/announcements/set`, "OFF")).toEqual({
      kind: "command",
      command: { kind: "set-announcements", line: "aaln/1@gw", on: false },
    });
    expect(read(`${L}/missed_calls/reset`, "PRESS")).toEqual({
      kind: "command",
      command: { kind: "reset-missed-calls", line: "aaln/1@gw" },
    });
  });

  it("hears Home Assistant come online, and nothing else on its status topic", () => {
    expect(read("homeassistant/status", "online\n")).toEqual({ kind: "home-assistant-online" });
    expect(read("homeassistant/status", "offline")).toEqual({ kind: "ignored", note: null });
  });

  it("ignores unknown lines, other topics and switch commands it cannot read", () => {
    expect(read("voip_callerid/aaln_9_gw/missed_calls/reset", "PRESS")).toEqual({
      kind: "ignored",
      note: null,
    });
    expect(read(`${L}/phone`, "idle")).toEqual({ kind: "ignored", note: null });
    expect(read("elsewhere/aaln_1_gw/missed_calls/reset", "PRESS").kind).toBe("ignored");
    expect(read("voip_callerid", "x").kind).toBe("ignored");
    expect(read(`${L}/announcements/set`, "maybe")).toEqual({
      kind: "ignored",
      note: 'ignoring announcements command "maybe"',
    });
  });
});

describe("discovery bookkeeping", () => {
  it("clears topics no longer produced, and saves only when the set changes", () => {
    const state = { discoveryTopics: ["a", "b"] };
    expect(planDiscovery(state, ["a", "b"])).toEqual({ stale: [], next: null });
    expect(planDiscovery(state, ["b", "a"])).toEqual({ stale: [], next: null });
    expect(planDiscovery(state, ["a"])).toEqual({ stale: ["b"], next: { discoveryTopics: ["a"] } });
    expect(planDiscovery(state, ["a", "b", "c"])).toEqual({
      stale: [],
      next: { discoveryTopics: ["a", "b", "c"] },
    });
  });
});
