import { describe, expect, it } from "vitest";
import { buildDiscovery, lineId } from "../../../src/core/discovery/buildDiscovery.js";
import {
  lineClearingMessages,
  lineStateMessages,
} from "../../../src/core/discovery/lineMessages.js";
import { droppedLineIds } from "../../../src/core/discovery/publisherState.js";
import { newLine } from "../../../src/core/household/household.js";

const PREFIX = "homeassistant";
const BASE = "voip_callerid";
const configs = (keys: string[], prefix = PREFIX) =>
  buildDiscovery({
    discoveryPrefix: prefix,
    baseTopic: BASE,
    swVersion: "1",
    lines: keys.map((key) => ({ key, label: key })),
  }).map((m) => m.topic);

describe("a line gone from the household", () => {
  it("is found among the discovery topics being cleared, once, and not the add-on's own", () => {
    const stale = configs(["aaln/1@gw", "sip:100@scan"]);
    expect(droppedLineIds(stale, PREFIX, new Set())).toEqual(["aaln_1_gw", "sip_100_scan"]);
    expect(droppedLineIds(stale, PREFIX, new Set([lineId("aaln/1@gw")]))).toEqual(["sip_100_scan"]);
    expect(droppedLineIds(configs(["a/b"], "ha/x"), "ha/x", new Set())).toEqual(["a_b"]);
    expect(
      droppedLineIds(["other/sensor/voip_callerid_x/phone/config"], PREFIX, new Set()),
    ).toEqual([]);
  });

  it("has every retained state topic a line ever shows cleared with an empty payload", () => {
    const line = {
      ...newLine("aaln/1@gw", "Home"),
      lastCall: { type: "missed" },
      lastCaller: { state: "Hans", attributes: { number: null, source: null, time: "t" } },
    };
    const shown = lineStateMessages(BASE, line).map((m) => m.topic);
    const cleared = lineClearingMessages(BASE, lineId(line.key));
    expect(cleared.map((m) => m.topic).sort()).toEqual([...shown].sort());
    expect(cleared.every((m) => m.payload === "")).toBe(true);
  });
});
