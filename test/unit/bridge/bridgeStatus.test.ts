import { describe, expect, it } from "vitest";
import { bridgeCaptureFilters, ipv4FromText } from "../../../src/core/bridge/bridgeFilters.js";
import {
  addCounters,
  BRIDGE_OFF,
  bridgeCountersLine,
  bridgeStatusText,
} from "../../../src/core/bridge/bridgeStatus.js";
import { parseMac } from "../../support/frameBuilder.js";

const ADAPTER = parseMac("00:90:f8:01:02:03");

describe("bridge capture filters", () => {
  it("let through the adapter's frames inside and, outside, what is for it or for everyone", () => {
    expect(bridgeCaptureFilters(ADAPTER)).toEqual({
      internal: "ether src 00:90:f8:01:02:03",
      external:
        "not ether src 00:90:f8:01:02:03 and (ether dst 00:90:f8:01:02:03 or ether multicast)",
    });
  });
});

describe("ipv4FromText", () => {
  it.each([
    ["172.16.5.28", 0xac10051c],
    ["0.0.0.0", 0],
    ["255.255.255.255", 0xffffffff],
  ])("reads %s", (text, value) => expect(ipv4FromText(text)).toBe(value));

  it.each(["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1.2.3.-4", " 1.2.3.4"])(
    "rejects %j",
    (text) => expect(ipv4FromText(text)).toBeNull(),
  );
});

describe("bridge status", () => {
  const counters = { toExternal: 1, toInternal: 2, dropped: 3, rewritten: 4, errors: 5 };

  it("adds counters field by field", () => {
    expect(addCounters(counters, counters)).toEqual({
      toExternal: 2,
      toInternal: 4,
      dropped: 6,
      rewritten: 8,
      errors: 10,
    });
  });

  it("reads as the state, with the reason when there is one", () => {
    expect(bridgeStatusText(BRIDGE_OFF)).toBe("off");
    expect(bridgeStatusText({ ...BRIDGE_OFF, state: "waiting", detail: "eth1 is down" })).toBe(
      "waiting: eth1 is down",
    );
  });

  it("sums up in one line for the log", () => {
    expect(
      bridgeCountersLine({ ...BRIDGE_OFF, counters, restarts: 1, adapterIpv4: "172.16.5.28" }),
    ).toBe(
      "1 frames to the ISP, 2 to the adapter (4 rewritten), 3 dropped, 5 errors, 1 restarts; adapter address 172.16.5.28",
    );
    expect(bridgeCountersLine(BRIDGE_OFF)).toContain("adapter address not seen yet");
  });
});
