/*
 * What the caller-id capture reports to the diagnostics and to `listen`: whether it captures,
 * waits for its interface, or gave up. Pure: values in, values out.
 *
 * The capture runs in a worker process (cap aborts the process whose interface goes down);
 * the worker comes and goes with the interface, and this is what the user sees of it.
 */

import type { BridgeStatus } from "../bridge/bridgeStatus.js";

export type CaptureState =
  /** No live capture: a replay. */
  | "off"
  | "starting"
  | "capturing"
  /** The interface is missing or down, or the worker stopped: retrying by itself. */
  | "waiting"
  /** A problem that retrying cannot fix (permissions, a link type we cannot decode). */
  | "failed"
  | "stopped";

export interface CaptureStatus {
  readonly state: CaptureState;
  readonly interfaceName: string;
  /** Why it waits or failed, in words (no numbers or names of callers); "" otherwise. */
  readonly detail: string;
  /** How often the capture was started again after it stopped unexpectedly. */
  readonly restarts: number;
  /** Whether it runs in the MAC bridge's worker (the interface is a bridge port). */
  readonly inBridge: boolean;
}

export const CAPTURE_OFF: CaptureStatus = Object.freeze({
  state: "off",
  interfaceName: "",
  detail: "",
  restarts: 0,
  inBridge: false,
});

/**
 * The Capture status sensor's state and `listen`'s words: "capturing on eth0", "waiting for
 * eth0: eth0 is down", "failed: …".
 */
export function captureStatusText(status: CaptureStatus): string {
  const name = status.interfaceName;
  switch (status.state) {
    case "off":
    case "stopped":
      return status.state;
    case "starting":
      return `starting on ${name}`;
    case "capturing":
      return status.inBridge ? `capturing on ${name} in the bridge` : `capturing on ${name}`;
    case "waiting":
      return status.detail === "" ? `waiting for ${name}` : `waiting for ${name}: ${status.detail}`;
    case "failed":
      return `failed: ${status.detail}`;
  }
}

/** The capture run by the bridge's worker lives and dies with the bridge. */
export function captureStatusInBridge(bridge: BridgeStatus, interfaceName: string): CaptureStatus {
  const common = {
    interfaceName,
    detail: bridge.detail,
    restarts: bridge.restarts,
    inBridge: true,
  };
  switch (bridge.state) {
    case "running":
      return { ...common, state: "capturing", detail: "" };
    case "off":
    case "stopped":
      return { ...common, state: "stopped" };
    case "waiting":
      return { ...common, state: "waiting", detail: `bridge ${bridge.detail}`.trim() };
    case "starting":
    case "failed":
      return { ...common, state: bridge.state };
  }
}
