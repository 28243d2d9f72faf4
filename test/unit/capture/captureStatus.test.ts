import { describe, expect, it } from "vitest";
import { BRIDGE_OFF } from "../../../src/core/bridge/bridgeStatus.js";
import {
  CAPTURE_OFF,
  captureStatusInBridge,
  captureStatusText,
} from "../../../src/core/capture/captureStatus.js";

describe("the Capture status sensor's text", () => {
  const on = { ...CAPTURE_OFF, interfaceName: "eth0" };

  it.each([
    [{ ...CAPTURE_OFF }, "off"],
    [{ ...on, state: "starting" as const }, "starting on eth0"],
    [{ ...on, state: "capturing" as const }, "capturing on eth0"],
    [{ ...on, state: "capturing" as const, inBridge: true }, "capturing on eth0 in the bridge"],
    [
      { ...on, state: "waiting" as const, detail: "eth0 is down" },
      "waiting for eth0: eth0 is down",
    ],
    [{ ...on, state: "waiting" as const }, "waiting for eth0"],
    [{ ...on, state: "failed" as const, detail: "needs root" }, "failed: needs root"],
    [{ ...on, state: "stopped" as const }, "stopped"],
  ])("%o reads %j", (status, text) => {
    expect(captureStatusText(status)).toBe(text);
  });

  it("follows the bridge when the capture runs in the bridge's worker", () => {
    const text = (bridge: typeof BRIDGE_OFF) =>
      captureStatusText(captureStatusInBridge(bridge, "eth0"));
    expect(text({ ...BRIDGE_OFF, state: "running" })).toBe("capturing on eth0 in the bridge");
    expect(text({ ...BRIDGE_OFF, state: "waiting", detail: "eth1 is down" })).toBe(
      "waiting for eth0: bridge eth1 is down",
    );
    expect(text({ ...BRIDGE_OFF, state: "failed", detail: "needs root" })).toBe(
      "failed: needs root",
    );
    expect(captureStatusInBridge({ ...BRIDGE_OFF, restarts: 2 }, "eth0").restarts).toBe(2);
  });
});
