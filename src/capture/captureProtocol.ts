/*
 * What the caller-id capture's supervisor and its process (tcpdump, tcpdumpCapture.ts) say to
 * each other. The capture is a process of its own so that it dies alone when the interface it
 * captures on goes down or away (see worker/workerSupervisor.ts), and the supervisor starts a
 * new one once the interface is back.
 */

import { type Frame, LINKTYPE } from "../core/capture/frame.js";
import type { LifecycleMessage } from "../worker/workerSupervisor.js";

/**
 * The BPF filter for one link type, or why that link type is refused (e.g. an adapter MAC on
 * the "any" device, which has no destination addresses). The link type is known for sure only
 * once the interface is open, so the capture gets the answer for every one it decodes.
 */
export type LinkTypeFilter =
  | { readonly linkType: number; readonly filter: string }
  | { readonly linkType: number; readonly problem: string };

/** What a capture is started with. */
export interface CaptureWorkerConfig {
  readonly interfaceName: string;
  readonly filters: readonly LinkTypeFilter[];
}

export type CaptureWorkerMessage =
  | { readonly type: "ready"; readonly linkType: number; readonly filter: string }
  | Extract<LifecycleMessage, { type: "failed" }>
  /** Frames captured together (one read of tcpdump's output), oldest first. */
  | { readonly type: "frames"; readonly frames: readonly Frame[] };

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
