/**
 * Frames in, call events out: decode → MGCP → call state, with every skipped or malformed
 * input counted by its code. Pure and synchronous, so replay and live capture share it and a
 * frame's bytes can stay a view into the capture buffer.
 */

import type { CallEvent } from "./calls/callEvent.js";
import { MgcpCallTracker, type MgcpCallTrackerOptions } from "./calls/mgcpCallTracker.js";
import type { Frame, FramePrefilter } from "./capture/frame.js";
import { ErrorCounts } from "./errors.js";
import { parseMgcp } from "./mgcp/parseMgcp.js";
import { FrameDecoder } from "./packet/decodeFrame.js";

export const DEFAULT_MGCP_PORTS: readonly number[] = [2427, 2727];

export interface PipelineOptions extends MgcpCallTrackerOptions {
  readonly mgcpPorts?: readonly number[];
  /** Only frames from or to this adapter MAC (6 bytes). */
  readonly adapterMac?: Uint8Array;
}

export interface PipelineStats {
  frames: number;
  datagrams: number;
  mgcpMessages: number;
  retransmissions: number;
  unmatchedResponses: number;
  callEvents: number;
  readonly errors: ErrorCounts;
}

const NO_EVENTS: readonly CallEvent[] = Object.freeze([]);

export class CallerIdPipeline {
  readonly #decoder: FrameDecoder;
  readonly #tracker: MgcpCallTracker;
  readonly #stats: PipelineStats = {
    frames: 0,
    datagrams: 0,
    mgcpMessages: 0,
    retransmissions: 0,
    unmatchedResponses: 0,
    callEvents: 0,
    errors: new ErrorCounts(),
  };

  constructor(options: PipelineOptions = {}) {
    this.#decoder = new FrameDecoder({
      ports: options.mgcpPorts ?? DEFAULT_MGCP_PORTS,
      ...(options.adapterMac ? { mac: options.adapterMac } : {}),
    });
    this.#tracker = new MgcpCallTracker(options);
  }

  get stats(): Readonly<PipelineStats> {
    this.#stats.retransmissions = this.#tracker.stats.retransmissions;
    this.#stats.unmatchedResponses = this.#tracker.stats.unmatchedResponses;
    return this.#stats;
  }

  /**
   * For capture-file replay: true (and the frame counted) when the raw record can be passed
   * over without a Frame being made — RTP and other traffic on ports nobody asked for.
   */
  readonly prefilter: FramePrefilter = (linkType, bytes, start, end) => {
    if (!this.#decoder.isUnwanted(linkType, bytes, start, end)) return false;
    this.#stats.frames++;
    return true;
  };

  /** Call events caused by this frame (and by time-outs that expired before it). */
  handleFrame(frame: Frame): readonly CallEvent[] {
    const stats = this.#stats;
    stats.frames++;
    const expired = this.tick(frame.timestampMs);
    const outcome = this.#decoder.decode(frame);
    if (outcome.kind === "skipped") return expired;
    if (outcome.kind === "error") {
      stats.errors.add(outcome.code);
      return expired;
    }
    stats.datagrams++;
    const { datagram } = outcome;
    const parsed = parseMgcp(datagram.payload);
    for (const code of parsed.errors) stats.errors.add(code);
    if (parsed.messages.length === 0) return expired;

    const context = { src: datagram.src, dst: datagram.dst, at: frame.timestampMs };
    const events = [...expired];
    for (const message of parsed.messages) {
      stats.mgcpMessages++;
      events.push(...this.#tracker.handle(message, context));
    }
    stats.callEvents += events.length - expired.length;
    return events;
  }

  /** The earliest time at which `tick` has a time-out to resolve (Infinity: none). */
  get nextDeadline(): number {
    return this.#tracker.nextDeadline;
  }

  /** Resolves ring time-outs up to `now`; the live edge calls this from a timer. */
  tick(now: number): readonly CallEvent[] {
    if (now < this.#tracker.nextDeadline) return NO_EVENTS;
    const events = this.#tracker.tick(now);
    this.#stats.callEvents += events.length;
    return events;
  }
}
