import { describe, expect, it } from "vitest";
import {
  newLineRecord,
  type PublisherState,
  parsePublisherState,
  serializePublisherState,
} from "../../../src/core/discovery/publisherState.js";

const STATE: PublisherState = {
  lines: [
    {
      ...newLineRecord("aaln/1@gw", "Home"),
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
    },
    newLineRecord("aaln/2@gw", "Office"),
  ],
  discoveryTopics: ["homeassistant/sensor/voip_callerid_aaln_1_gw/phone/config"],
};

describe("publisher state", () => {
  it("survives a round trip through JSON", () => {
    const stored = JSON.parse(JSON.stringify(serializePublisherState(STATE)));
    expect(stored.version).toBe(1);
    expect(parsePublisherState(stored)).toStrictEqual(STATE);
  });

  it("starts empty from nothing or garbage", () => {
    for (const raw of [undefined, null, 42, "x", [], { lines: "no" }]) {
      expect(parsePublisherState(raw)).toStrictEqual({ lines: [], discoveryTopics: [] });
    }
  });

  it("keeps what makes sense of a damaged file", () => {
    const parsed = parsePublisherState({
      lines: [
        {
          key: "aaln/1@gw",
          label: "",
          missedCalls: -2,
          announcements: "no",
          lastCaller: { state: 1 },
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
      discoveryTopics: ["a", 1, "a", "b"],
    });
    expect(parsed).toStrictEqual({
      lines: [
        { ...newLineRecord("aaln/1@gw", "aaln/1@gw") },
        { ...newLineRecord("aaln/3@gw", "aaln/3@gw") },
        {
          ...newLineRecord("aaln/2@gw", "Office"),
          lastCaller: { state: "X", attributes: { number: null, source: null, time: "t" } },
        },
      ],
      discoveryTopics: ["a", "b"],
    });
  });

  it("turns announcements on for a new line", () => {
    expect(newLineRecord("l", "L").announcements).toBe(true);
  });
});
