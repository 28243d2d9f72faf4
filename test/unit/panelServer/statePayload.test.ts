import { describe, expect, it } from "vitest";
import { BRIDGE_OFF } from "../../../src/core/bridge/bridgeStatus.js";
import { CAPTURE_OFF } from "../../../src/core/capture/captureStatus.js";
import { ErrorCounts } from "../../../src/core/errors.js";
import { EMPTY_HOUSEHOLD, newLine } from "../../../src/core/household/household.js";
import type { DaemonDiagnostics } from "../../../src/daemon/outputs/output.js";
import { panelState } from "../../../src/panel/server/statePayload.js";

const directory = { quotaUsed: 12, quotaLimit: 1000, lastProblem: null, backoffUntil: null };

function diagnostics(extra: Partial<DaemonDiagnostics> = {}): DaemonDiagnostics {
  return {
    stats: {
      frames: 120,
      datagrams: 120,
      mgcpMessages: 100,
      sipMessages: 0,
      retransmissions: 0,
      unmatchedResponses: 0,
      refusedInvites: 0,
      callEvents: 4,
      errors: new ErrorCounts(),
    },
    lastPacketAgeS: 10,
    directory,
    bridge: BRIDGE_OFF,
    capture: { ...CAPTURE_OFF, state: "capturing", interfaceName: "eth1" },
    ...extra,
  };
}

describe("api/state", () => {
  it("before the first diagnostics: the lines, the capture starting on the configured interface", () => {
    const state = panelState({
      version: "1.0",
      household: { lines: [newLine("aaln/1@mta", "Home")] },
      published: null,
      directory,
      onlineLookup: true,
      captureInterface: "eth0",
      now: 0,
    });
    expect(state).toEqual({
      version: "1.0",
      lines: [
        {
          key: "aaln/1@mta",
          label: "Home",
          state: "idle",
          missedCalls: 0,
          announcements: true,
          caller: null,
          lastCall: null,
        },
      ],
      capture: {
        state: "starting",
        interface: "eth0",
        detail: "",
        lastPacketAgeS: null,
        packets: 0,
        parseErrors: 0,
      },
      bridge: null,
      directory: {
        searchChUsedThisMonth: 12,
        searchChQuota: 1000,
        onlineLookup: true,
        lastProblem: null,
      },
    });
  });

  it("counts the last packet's age on from when the diagnostics were published, and shows a running bridge", () => {
    const bridge = {
      ...BRIDGE_OFF,
      state: "running" as const,
      counters: { toExternal: 5, toInternal: 7, dropped: 1, rewritten: 2, errors: 0 },
    };
    const state = panelState({
      version: "1.0",
      household: EMPTY_HOUSEHOLD,
      published: { diagnostics: diagnostics({ bridge }), at: 1_000_000 },
      directory,
      onlineLookup: false,
      captureInterface: "eth0",
      now: 1_025_400,
    });
    expect(state.capture).toEqual({
      state: "capturing",
      interface: "eth1",
      detail: "",
      lastPacketAgeS: 35,
      packets: 120,
      parseErrors: 0,
    });
    expect(state.bridge).toEqual({
      state: "running",
      detail: "",
      frames: 12,
      toExternal: 5,
      toInternal: 7,
      dropped: 1,
      rewritten: 2,
      errors: 0,
      restarts: 0,
    });
  });
});
