/**
 * `voip-callerid bridge --external IF --internal IF --mac MAC`: the MAC bridge on its own,
 * until SIGINT/SIGTERM. What happens goes to stderr; with --json, the state and counters go to
 * stdout as one JSON object per line (on every change of state and every status interval), for
 * scripts and tests.
 */

import type { BridgeLog, BridgeSettings, StartedBridge } from "../bridge/startBridge.js";
import type { BridgeStatus } from "../core/bridge/bridgeStatus.js";
import { bridgeCountersLine } from "../core/bridge/bridgeStatus.js";
import type { BridgeFlags } from "./args.js";

export interface BridgeCommandDeps {
  readonly startBridge: (
    settings: BridgeSettings,
    log: BridgeLog,
    onStatus: (status: BridgeStatus, stateChanged: boolean) => void,
  ) => Promise<StartedBridge>;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
  /** Resolves when the user asks the program to stop (SIGINT, SIGTERM). */
  readonly stopRequested: Promise<void>;
}

/** Counters refresh faster than they are printed, so the last line before exit is current. */
const REFRESH_MS = 1000;

export async function runBridgeCommand(
  flags: BridgeFlags,
  deps: BridgeCommandDeps,
): Promise<number> {
  const log: BridgeLog = {
    info: (text) => deps.writeErr(`bridge: ${text}`),
    warn: (text) => deps.writeErr(`bridge: ${text}`),
    error: (text) => deps.writeErr(`bridge: ${text}`),
  };
  let gaveUp: () => void = () => {};
  const givenUp = new Promise<"failed">((resolve) => {
    gaveUp = () => resolve("failed");
  });
  const printJson = (status: BridgeStatus) => deps.writeOut(JSON.stringify(status));
  const onStatus = (status: BridgeStatus, stateChanged: boolean) => {
    if (!stateChanged) return;
    if (flags.json) printJson(status);
    // Permissions or a non-Ethernet interface: waiting would not help.
    if (status.state === "failed") gaveUp();
  };

  const started = await deps.startBridge(
    {
      externalInterface: flags.externalInterface,
      internalInterface: flags.internalInterface,
      adapterMac: flags.adapterMac,
      rewriteDhcpDestination: flags.rewriteDhcpDestination,
      protectHost: flags.protectHost,
      statusIntervalMs: Math.min(REFRESH_MS, flags.statusIntervalMs),
    },
    log,
    onStatus,
  );
  if (!started.ok) {
    deps.writeErr(`voip-callerid: ${started.message}`);
    return 1;
  }
  const { bridge } = started;
  const print = () => {
    if (flags.json) printJson(bridge.status);
    else log.info(bridgeCountersLine(bridge.status));
  };
  const timer = setInterval(print, flags.statusIntervalMs);
  const ended = await Promise.race([deps.stopRequested, givenUp]);
  clearInterval(timer);
  await bridge.stop();
  print();
  return ended === "failed" ? 1 : 0;
}
