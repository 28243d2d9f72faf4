import { describe, expect, it } from "vitest";
import { parsePublisherState } from "../../../src/core/discovery/publisherState.js";
import { type HouseholdState, newLine } from "../../../src/core/household/household.js";
import { parseHousehold, serializeHousehold } from "../../../src/core/household/householdFile.js";

const STATE: HouseholdState = {
  lines: [
    {
      ...newLine("aaln/1@gw", "Home"),
      missedCalls: 3,
      announcements: false,
      lastCaller: {
        state: "Hans Muster",
        attributes: {
          number: "+41441234567",
          source: "phonebook",
          time: "2025-01-06T08:00:00.000Z",
        },
      },
      lastCall: { type: "missed", call_id: "c1" },
      lastActivityAt: 1_736_150_400_000,
    },
    newLine("aaln/2@gw", "Office"),
  ],
};

/** The MQTT publisher's state file as versions before the household wrote it. */
const MQTT_STATE_OF_OLD = {
  version: 1,
  lines: [
    {
      key: "aaln/1@gw",
      label: "Home",
      missedCalls: 2,
      announcements: false,
      lastCaller: {
        state: "Hans Muster",
        attributes: { number: "+41441234567", source: "phonebook", time: "2025-01-06T08:00:00Z" },
      },
      lastCall: { type: "missed", call_id: "c1", caller_name: "Hans Muster" },
    },
  ],
  discoveryTopics: ["homeassistant/sensor/voip_callerid_aaln_1_gw/phone/config"],
};

describe("household file", () => {
  it("survives a round trip through JSON", () => {
    const stored = JSON.parse(JSON.stringify(serializeHousehold(STATE)));
    expect(stored.version).toBe(1);
    expect(parseHousehold(stored)).toStrictEqual(STATE);
  });

  it("does not keep open calls: after a restart nobody is on the phone", () => {
    const ringing: HouseholdState = {
      lines: [
        {
          ...newLine("aaln/1@gw", "Home"),
          openCalls: [{ callId: "c9", direction: "incoming", answered: false }],
          openCallData: { c9: { type: "ringing" } },
        },
      ],
    };
    expect(parseHousehold(serializeHousehold(ringing))).toStrictEqual({
      lines: [newLine("aaln/1@gw", "Home")],
    });
  });

  it("reads the lines of the MQTT publisher's older state file, and its topics stay the publisher's", () => {
    expect(parseHousehold(MQTT_STATE_OF_OLD)).toStrictEqual({
      lines: [
        {
          ...newLine("aaln/1@gw", "Home"),
          missedCalls: 2,
          announcements: false,
          lastCaller: MQTT_STATE_OF_OLD.lines[0]?.lastCaller,
          lastCall: MQTT_STATE_OF_OLD.lines[0]?.lastCall,
        },
      ],
    });
    expect(parsePublisherState(MQTT_STATE_OF_OLD)).toStrictEqual({
      discoveryTopics: MQTT_STATE_OF_OLD.discoveryTopics,
    });
  });

  it("starts empty from nothing or garbage", () => {
    for (const raw of [undefined, null, 42, "x", [], { lines: "no" }]) {
      expect(parseHousehold(raw)).toStrictEqual({ lines: [] });
      expect(parsePublisherState(raw)).toStrictEqual({ discoveryTopics: [] });
    }
  });

  it("keeps what makes sense of a damaged file", () => {
    const parsed = parseHousehold({
      lines: [
        {
          key: "aaln/1@gw",
          label: "",
          missedCalls: -2,
          announcements: "no",
          lastCaller: { state: 1 },
          lastActivityAt: "yesterday",
        },
        { key: "aaln/1@gw", label: "duplicate" },
        { key: "aaln/3@gw", lastCaller: { state: "Y", attributes: { number: "1" } } },
        { label: "no key" },
        "garbage",
        {
          key: "aaln/2@gw",
          label: "Office",
          missedCalls: 2.5,
          lastCaller: { state: "X", attributes: { time: "t", source: "elsewhere", number: 5 } },
          lastCall: [1],
        },
      ],
    });
    expect(parsed).toStrictEqual({
      lines: [
        newLine("aaln/1@gw", "aaln/1@gw"),
        newLine("aaln/3@gw", "aaln/3@gw"),
        {
          ...newLine("aaln/2@gw", "Office"),
          lastCaller: { state: "X", attributes: { number: null, source: null, time: "t" } },
        },
      ],
    });
    expect(parsePublisherState({ discoveryTopics: ["a", 1, "a", "b"] })).toStrictEqual({
      discoveryTopics: ["a", "b"],
    });
  });

  it("turns announcements on for a new line", () => {
    expect(newLine("l", "L").announcements).toBe(true);
  });
});
