/**
 * Frames in, call events out: decode → MGCP or SIP → call state, with every skipped or
 * malformed input counted by its code. Pure and synchronous, so replay and live capture share
 * it and a frame's bytes can stay a view into the capture buffer.
 *
 *   UDP on an MGCP port ─► parseMgcp ─► MgcpCallTracker ─┐
 *   UDP on a SIP port ──────────────┐                     ├─► call events
 *   TCP / WebSocket / SCTP on a SIP port ─► SipStreams ─► parseSipMessage ─► SipCallTracker ─┘
 */
import type { CallEvent } from "./calls/callEvent.js";
import { MgcpCallTracker, type MgcpCallTrackerOptions } from "./calls/mgcpCallTracker.js";
import { SipCallTracker, type SipCallTrackerOptions } from "./calls/sipCallTracker.js";
import type { Frame, FramePrefilter } from "./capture/frame.js";
import { ErrorCounts } from "./errors.js";
import { parseMgcp } from "./mgcp/parseMgcp.js";
import { FrameDecoder } from "./packet/decodeFrame.js";
import { isSipKeepAlive, parseSipMessage, sipStreamFraming } from "./sip/parseSip.js";
import { type SipPayload, SipStreams } from "./sip/sipStreams.js";
import { DEFAULT_MGCP_PORTS, DEFAULT_SIP_PORTS } from "./wellKnownPorts.js";

export { DEFAULT_MGCP_PORTS, DEFAULT_SIP_PORTS };

export interface PipelineOptions extends MgcpCallTrackerOptions {
  readonly mgcpPorts?: readonly number[];
  /** SIP's ports, for UDP, TCP (also WebSocket) and SCTP alike; empty = no SIP. */
  readonly sipPorts?: readonly number[];
  readonly sip?: Omit<SipCallTrackerOptions, "newCallId" | "ringTimeoutMs">;
  /** Only frames from or to this adapter MAC (6 bytes). */
  readonly adapterMac?: Uint8Array;
}

export interface PipelineStats {
  frames: number;
  datagrams: number;
  mgcpMessages: number;
  sipMessages: number;
  retransmissions: number;
  unmatchedResponses: number;
  /** SIP INVITEs refused before they rang (scanners): no call was reported for them. */
  refusedInvites: number;
  callEvents: number;
  readonly errors: ErrorCounts;
}

const NO_EVENTS: readonly CallEvent[] = Object.freeze([]);

export class CallerIdPipeline {
  readonly #decoder: FrameDecoder;
  readonly #mgcp: MgcpCallTracker;
  readonly #sip: SipCallTracker;
  readonly #sipPorts: ReadonlySet<number>;
  readonly #streams: SipStreams;
  readonly #stats: PipelineStats = {
    frames: 0,
    datagrams: 0,
    mgcpMessages: 0,
    sipMessages: 0,
    retransmissions: 0,
    unmatchedResponses: 0,
    refusedInvites: 0,
    callEvents: 0,
    errors: new ErrorCounts(),
  };

  constructor(options: PipelineOptions = {}) {
    const mgcpPorts = options.mgcpPorts ?? DEFAULT_MGCP_PORTS;
    const sipPorts = options.sipPorts ?? [];
    this.#sipPorts = new Set(sipPorts);
    this.#decoder = new FrameDecoder({
      ports: [...mgcpPorts, ...sipPorts],
      tcpPorts: sipPorts,
      sctpPorts: sipPorts,
      ...(options.adapterMac ? { mac: options.adapterMac } : {}),
    });
    this.#mgcp = new MgcpCallTracker(options);
    this.#sip = new SipCallTracker({
      ...options.sip,
      ...(options.newCallId ? { newCallId: options.newCallId } : {}),
      ...(options.ringTimeoutMs ? { ringTimeoutMs: options.ringTimeoutMs } : {}),
    });
    this.#streams = new SipStreams({ messageLength: sipStreamFraming });
  }

  get stats(): Readonly<PipelineStats> {
    this.#stats.retransmissions = this.#mgcp.stats.retransmissions;
    this.#stats.unmatchedResponses = this.#mgcp.stats.unmatchedResponses;
    this.#stats.refusedInvites = this.#sip.stats.refusedBeforeRinging;
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
    const at = frame.timestampMs;
    switch (outcome.kind) {
      case "skipped":
        return expired;
      case "error":
        stats.errors.add(outcome.code);
        return expired;
      case "datagram": {
        stats.datagrams++;
        const { datagram } = outcome;
        const isSip = this.#sipPorts.has(datagram.dstPort) || this.#sipPorts.has(datagram.srcPort);
        if (!isSip) return this.#collect(expired, this.#mgcpEvents(datagram, at));
        const payload: SipPayload = { ...datagram, transport: "udp", bytes: datagram.payload };
        return this.#collect(expired, this.#sipEvents([payload], at));
      }
      case "tcp":
        return this.#collect(
          expired,
          this.#sipEvents(this.#streams.fromTcp(outcome.segment, at), at),
        );
      case "sctp":
        return this.#collect(
          expired,
          this.#sipEvents(
            outcome.chunks.flatMap((chunk) => this.#streams.fromSctp(chunk, at)),
            at,
          ),
        );
    }
  }

  /** The earliest time at which `tick` has a time-out to resolve (Infinity: none). */
  get nextDeadline(): number {
    return Math.min(this.#mgcp.nextDeadline, this.#sip.nextDeadline);
  }

  /** Resolves ring time-outs up to `now`; the live edge calls this from a timer. */
  tick(now: number): readonly CallEvent[] {
    if (now < this.nextDeadline) return NO_EVENTS;
    const events = [...this.#mgcp.tick(now), ...this.#sip.tick(now)];
    this.#stats.callEvents += events.length;
    return events.length === 0 ? NO_EVENTS : events;
  }

  #collect(expired: readonly CallEvent[], events: readonly CallEvent[]): readonly CallEvent[] {
    this.#stats.callEvents += events.length;
    this.#countStreamErrors();
    if (expired.length === 0) return events;
    return events.length === 0 ? expired : [...expired, ...events];
  }

  #mgcpEvents(
    datagram: { payload: Uint8Array; src: string; dst: string },
    at: number,
  ): CallEvent[] {
    const parsed = parseMgcp(datagram.payload);
    for (const code of parsed.errors) this.#stats.errors.add(code);
    // Odd text in a message that was kept: counted with the errors, so a user sees it.
    for (const code of parsed.warnings) this.#stats.errors.add(code);
    const events: CallEvent[] = [];
    const context = { src: datagram.src, dst: datagram.dst, at };
    for (const message of parsed.messages) {
      this.#stats.mgcpMessages++;
      events.push(...this.#mgcp.handle(message, context));
    }
    return events;
  }

  #sipEvents(payloads: readonly SipPayload[], at: number): CallEvent[] {
    const events: CallEvent[] = [];
    for (const payload of payloads) {
      if (isSipKeepAlive(payload.bytes)) continue; // NAT keep-alives are no fault
      const parsed = parseSipMessage(payload.bytes);
      if (!parsed.ok) {
        this.#stats.errors.add(parsed.code);
        continue;
      }
      this.#stats.sipMessages++;
      for (const code of parsed.warnings) this.#stats.errors.add(code);
      events.push(...this.#sip.handle(parsed.message, { src: payload.src, dst: payload.dst, at }));
    }
    return events;
  }

  /** The stream layer counts its own skips; they join the summary's error counts. */
  #countStreamErrors(): void {
    for (const [code, count] of this.#streams.takeErrors()) this.#stats.errors.add(code, count);
  }
}
