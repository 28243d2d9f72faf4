// The parts of the cap adapter that need no capture privileges; real capture is covered by
// test/integration/liveCapture.test.ts.
import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../src/core/capture/frame.js";
import {
  classifyPcapError,
  isSupportedLinkType,
  linkTypeFromCapName,
  listInterfaces,
  openLiveCapture,
} from "../../src/io/liveCapture.js";

describe("linkTypeFromCapName", () => {
  it.each([
    ["ETHERNET", LINKTYPE.ETHERNET],
    ["LINKTYPE_LINUX_SLL", LINKTYPE.LINUX_SLL],
    ["RAW", LINKTYPE.RAW],
    ["NULL", LINKTYPE.NULL],
    ["IEEE802_11_RADIO", 127],
    ["Unknown linktype 276", LINKTYPE.LINUX_SLL2],
    ["Unknown linktype 228", LINKTYPE.IPV4],
    ["Unknown linktype 105", 105],
  ])("maps %s to %i", (name, linkType) => {
    expect(linkTypeFromCapName(name)).toBe(linkType);
  });

  it.each(["", "ethernet", "Unknown linktype", "Unknown linktype -1", "Unknown linktype 1x"])(
    "gives null for %j",
    (name) => {
      expect(linkTypeFromCapName(name)).toBeNull();
    },
  );
});

describe("isSupportedLinkType", () => {
  it("accepts what the decoder reads and rejects 802.11 radio and the like", () => {
    for (const linkType of Object.values(LINKTYPE))
      expect(isSupportedLinkType(linkType)).toBe(true);
    for (const linkType of [105, 127, 147, 9999]) expect(isSupportedLinkType(linkType)).toBe(false);
  });
});

describe("classifyPcapError", () => {
  it.each([
    ["socket: Operation not permitted", "permission"],
    [
      "eth0: You don't have permission to capture on that device (socket: Operation not permitted)",
      "permission",
    ],
    ["Attempt to set promiscuous mode failed: Permission denied", "permission"],
    ["No such device exists", "no-such-interface"],
    ["SIOCGIFINDEX: No such device", "no-such-interface"],
    ["can't parse filter expression: syntax error", null],
    ["Unable to set buffer size", null],
  ])("%s -> %s", (message, reason) => {
    expect(classifyPcapError(message)).toBe(reason);
  });
});

describe("openLiveCapture without opening anything", () => {
  const base = { interfaceName: "lo", filter: "udp", onFrame: () => {} };

  it.each([
    [{ snapLength: 10 }, /invalid snap length 10/],
    [{ snapLength: 70000 }, /invalid snap length 70000/],
    [{ bufferSize: 0 }, /invalid capture buffer size 0/],
    [{ bufferSize: 1.5 }, /invalid capture buffer size 1.5/],
  ])("rejects %j as other", (options, message) => {
    const result = openLiveCapture({ ...base, ...options });
    expect(result).toMatchObject({ ok: false, reason: "other" });
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("names the available interfaces when the requested one does not exist", () => {
    const result = openLiveCapture({ ...base, interfaceName: "eth-does-not-exist" });
    expect(result).toMatchObject({ ok: false, reason: "no-such-interface" });
    if (result.ok) return;
    expect(result.message).toBe(
      `unknown interface eth-does-not-exist; available: ${listInterfaces().join(", ")}`,
    );
    expect(listInterfaces()).toContain("lo");
  });

  it("treats an empty interface name as unknown", () => {
    expect(openLiveCapture({ ...base, interfaceName: "" })).toMatchObject({
      ok: false,
      reason: "no-such-interface",
    });
  });
});
