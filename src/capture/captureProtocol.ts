/*
 * The messages between the caller-id capture's supervisor and its worker process (Node's IPC
 * channel of child_process.fork, structured clone). The worker is a process of its own because
 * cap aborts the whole process when the interface it captures on goes down or away (see
 * worker/workerSupervisor.ts); the worker dies alone and the supervisor starts a new one.
 */

import { type Frame, isFrame, LINKTYPE } from "../core/capture/frame.js";
import { parseConfigArgument } from "../worker/workerSide.js";
import type { LifecycleMessage } from "../worker/workerSupervisor.js";

/**
 * The BPF filter for one link type, or why that link type is refused (e.g. an adapter MAC on
 * the "any" device, which has no destination addresses). The worker learns the link type only
 * once it opens the interface, so the parent hands it the answer for every one it decodes.
 */
export type LinkTypeFilter =
  | { readonly linkType: number; readonly filter: string }
  | { readonly linkType: number; readonly problem: string };

/** Handed to the worker as its one argument (JSON). */
export interface CaptureWorkerConfig {
  readonly interfaceName: string;
  readonly filters: readonly LinkTypeFilter[];
}

export type CaptureWorkerMessage =
  | { readonly type: "ready"; readonly linkType: number; readonly filter: string }
  | Extract<LifecycleMessage, { type: "failed" }>
  /**
   * Every frame captured in one turn of the worker's event loop, oldest first; `dropped`:
   * frames lost since the last message because the parent did not keep up.
   */
  | { readonly type: "frames"; readonly frames: readonly Frame[]; readonly dropped: number };

/** Builds the table of filters from a function that may throw to refuse a link type. */
export function filtersByLinkType(filter: (linkType: number) => string): LinkTypeFilter[] {
  return Object.values(LINKTYPE).map((linkType) => {
    try {
      return { linkType, filter: filter(linkType) };
    } catch (error) {
      return { linkType, problem: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** The filter for a link type from the table; throws (as openLiveCapture expects) if refused. */
export function filterFor(filters: readonly LinkTypeFilter[], linkType: number): string {
  const entry = filters.find((candidate) => candidate.linkType === linkType);
  if (entry === undefined) throw new Error(`no capture filter for link type ${linkType}`);
  if ("problem" in entry) throw new Error(entry.problem);
  return entry.filter;
}

/** The worker's argument, checked; a message when it is not a CaptureWorkerConfig. */
export function parseCaptureWorkerConfig(text: string | undefined): CaptureWorkerConfig | string {
  return parseConfigArgument(
    text,
    "capture worker",
    (v) =>
      typeof v.interfaceName === "string" &&
      Array.isArray(v.filters) &&
      v.filters.every(isLinkTypeFilter),
  );
}

function isLinkTypeFilter(value: unknown): boolean {
  const entry = value as { linkType?: unknown; filter?: unknown; problem?: unknown } | null;
  return (
    typeof entry?.linkType === "number" &&
    (typeof entry.filter === "string" || typeof entry.problem === "string")
  );
}

/** A message from the worker, or null when it is not one (ignored, never trusted). */
export function asCaptureWorkerMessage(value: unknown): CaptureWorkerMessage | null {
  if (typeof value !== "object" || value === null) return null;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case "frames":
      return Array.isArray(message.frames) &&
        message.frames.every(isFrame) &&
        typeof message.dropped === "number"
        ? (value as CaptureWorkerMessage)
        : null;
    case "ready":
      return typeof message.linkType === "number" && typeof message.filter === "string"
        ? (value as CaptureWorkerMessage)
        : null;
    case "failed":
      return (message.failure === "retry" || message.failure === "permanent") &&
        typeof message.message === "string"
        ? (value as CaptureWorkerMessage)
        : null;
    default:
      return null;
  }
}
