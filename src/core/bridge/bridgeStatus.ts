/*
 * What the bridge reports to the diagnostics and the command line: its state, and counters
 * that keep adding up across restarts of its worker process. Pure: values in, values out.
 *
 * The worker process holds one BridgeCore and reports its counters every second; when it dies
 * (cap aborts the process when an interface goes down) a new one starts from zero, so the
 * supervisor banks the last report of every finished worker and adds the current one to it.
 */

import type { BridgeCounters } from "./bridgeCore.js";

export type BridgeState =
  /** Disabled in the options. */
  | "off"
  /** Worker starting; interfaces being opened. */
  | "starting"
  | "running"
  /** An interface is missing or down, or the worker stopped: retrying by itself. */
  | "waiting"
  /** A problem that retrying cannot fix (permissions, an interface that is not Ethernet). */
  | "failed"
  | "stopped";

export interface BridgeStatus {
  readonly state: BridgeState;
  /** Why it waits or failed, in words (no numbers or names of callers); "" otherwise. */
  readonly detail: string;
  /**
   * BridgeCore's counters summed over every worker; `errors` also counts frames the kernel
   * refused to send (an interface without carrier), which BridgeCore cannot see.
   */
  readonly counters: BridgeCounters;
  /** The adapter's IPv4 address as last learned, or null before it was seen. */
  readonly adapterIpv4: string | null;
  /** How often the worker was started again after it stopped unexpectedly. */
  readonly restarts: number;
}

export const ZERO_COUNTERS: BridgeCounters = Object.freeze({
  toExternal: 0,
  toInternal: 0,
  dropped: 0,
  rewritten: 0,
  errors: 0,
});

export function addCounters(a: BridgeCounters, b: BridgeCounters): BridgeCounters {
  return {
    toExternal: a.toExternal + b.toExternal,
    toInternal: a.toInternal + b.toInternal,
    dropped: a.dropped + b.dropped,
    rewritten: a.rewritten + b.rewritten,
    errors: a.errors + b.errors,
  };
}

export const BRIDGE_OFF: BridgeStatus = Object.freeze({
  state: "off",
  detail: "",
  counters: ZERO_COUNTERS,
  adapterIpv4: null,
  restarts: 0,
});

/** The Bridge status sensor's state: the state, and the reason when there is one. */
export function bridgeStatusText(status: BridgeStatus): string {
  return status.detail === "" ? status.state : `${status.state}: ${status.detail}`;
}

/** One line for the log and the command line. */
export function bridgeCountersLine(status: BridgeStatus): string {
  const c = status.counters;
  const address = status.adapterIpv4 === null ? "not seen yet" : status.adapterIpv4;
  return `${c.toExternal} frames to the ISP, ${c.toInternal} to the adapter (${c.rewritten} rewritten), ${c.dropped} dropped, ${c.errors} errors, ${status.restarts} restarts; adapter address ${address}`;
}
