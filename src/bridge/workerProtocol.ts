/*
 * The messages between the bridge supervisor and its worker process (Node's IPC channel of
 * child_process.fork). The worker is a process of its own because cap aborts the whole
 * process when an interface it captures on goes down (see worker/workerSupervisor.ts); a
 * worker dies alone and the supervisor starts a new one.
 */

import type { BridgeCounters } from "../core/bridge/bridgeCore.js";
import { type Frame, isFrame } from "../core/capture/frame.js";
import { parseConfigArgument } from "../worker/workerSide.js";
import type { LifecycleMessage } from "../worker/workerSupervisor.js";

/** Handed to the worker as its one argument (JSON). */
export interface WorkerConfig {
  readonly externalInterface: string;
  readonly internalInterface: string;
  /** The adapter's MAC as text, e.g. 00:90:f8:12:34:56. */
  readonly adapterMac: string;
  readonly rewriteDhcpDestination: boolean;
  readonly statusIntervalMs: number;
  /** The adapter's address as learned by the previous worker, if any. */
  readonly adapterIpv4: string | null;
  /**
   * The caller-id capture, when it listens on one of the bridge's interfaces: it runs here
   * too, so that an interface going down takes only this process with it, and its frames
   * come back as "frame" messages.
   */
  readonly sniffer: { readonly interfaceName: string; readonly filter: string } | null;
}

export type WorkerMessage =
  | { readonly type: "ready"; readonly filters: { external: string; internal: string } }
  | {
      readonly type: "counters";
      readonly counters: BridgeCounters;
      readonly adapterIpv4: string | null;
    }
  | Extract<LifecycleMessage, { type: "failed" }>
  | { readonly type: "frame"; readonly frame: Frame };

/** The worker's argument, checked; a message when it is not a WorkerConfig. */
export function parseWorkerConfig(text: string | undefined): WorkerConfig | string {
  return parseConfigArgument(
    text,
    "bridge worker",
    (v) =>
      typeof v.externalInterface === "string" &&
      typeof v.internalInterface === "string" &&
      typeof v.adapterMac === "string" &&
      typeof v.rewriteDhcpDestination === "boolean" &&
      typeof v.statusIntervalMs === "number" &&
      (v.adapterIpv4 === null || typeof v.adapterIpv4 === "string") &&
      (v.sniffer === null || isSniffer(v.sniffer)),
  );
}

function isSniffer(value: unknown): boolean {
  const sniffer = value as { interfaceName?: unknown; filter?: unknown } | null;
  return typeof sniffer?.interfaceName === "string" && typeof sniffer.filter === "string";
}

/** A message from the worker, or null when it is not one (ignored, never trusted). */
export function asWorkerMessage(value: unknown): WorkerMessage | null {
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (type === "frame") {
    return isFrame((value as { frame?: unknown }).frame) ? (value as WorkerMessage) : null;
  }
  return type === "ready" || type === "counters" || type === "failed"
    ? (value as WorkerMessage)
    : null;
}
