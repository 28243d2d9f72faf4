/*
 * Decoded transport units in, whole SIP messages out (RFC 3261 §18.3, RFC 4168, RFC 7118).
 *
 *   UDP datagram ──────────────────────────────────────────────► one message (the datagram)
 *   TCP segments ─► TcpStream (per direction, 4-tuple) ─┬─ SIP: messageLength framing ─► messages
 *                                                       └─ after an HTTP upgrade:
 *                                                          WebSocketReader ─► one message per
 *                                                          text / binary WebSocket message
 *   SCTP DATA chunks ─► SctpMessages (per direction) ──────────► one message per user message
 *
 * On a stream (RFC 3261 §18.3) a message's end is known only from its Content-Length, which
 * the injected `messageLength` reads: the length of the first complete message at the front,
 * "incomplete", { skip: n } to drop n bytes of garbage (also the way back into step when a
 * capture starts mid-message or after a gap), or { cut } to remove the middle of an overlong
 * header line in place (counted once per line as "sip-header-cut"), so that an odd caller
 * name costs a bounded number of bytes and does not lose its message.
 *
 * WebSocket (RFC 6455 §4, RFC 7118): a direction whose bytes start with an HTTP head is read
 * as HTTP. `GET ... Upgrade: websocket` switches that direction to WebSocket frames; the
 * `101 Switching Protocols` answer switches the other one (and the client's too, should its
 * GET have been missed). An answer that puts an extension in force (Sec-WebSocket-Extensions,
 * e.g. permessage-deflate) makes both directions ignored, as does any frame with an RSV bit:
 * compressed SIP cannot be read without the sender's dictionary state.
 *
 * Bounds (every one counted when it bites, see SipStreamErrorCode):
 * - maxFlows directions (TCP and SCTP together), least recently used evicted first; flows idle
 *   for idleTimeoutMs are dropped. A TCP direction closed by FIN or RST stays as a small
 *   tombstone until then, so that late retransmissions are not read as a new stream.
 * - maxBufferedBytes per direction: in-order plus out-of-order bytes; past it the direction
 *   is reset (its buffered bytes dropped, reading resumes after the segment). WebSocket and
 *   SCTP messages are limited to half of it, so that a whole frame fits with the next segment.
 * - an out-of-order hole waits at most gapTimeoutMs of capture time (or MAX_HELD_SEGMENTS
 *   later segments) before it is given up.
 * Worst case held: maxFlows × (maxBufferedBytes + maxBufferedBytes / 2), 96 MiB by default.
 *
 * Payload bytes may be views into the caller's frame (UDP, unfragmented SCTP messages):
 * use them synchronously, or copy.
 */

import type { Datagram } from "../packet/datagram.js";
import type { SctpDataChunk } from "../packet/sctp.js";
import type { TcpSegment } from "../packet/tcp.js";
import type { LineCut, SipWarningCode } from "./parseSip.js";
import { type SctpMessageErrorCode, SctpMessages } from "./sctpMessages.js";
import { type FlowContext, payloadOf, SipTcpFlow, tcpKey } from "./tcpFlow.js";
import type { WebSocketErrorCode } from "./webSocket.js";

export interface SipPayload {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  transport: "udp" | "tcp" | "sctp" | "ws";
  /** Exactly one SIP message (for UDP: the whole datagram). */
  bytes: Uint8Array;
}

/** Length of the first complete message, "incomplete", garbage to drop, or bytes to cut out. */
export type MessageLength = (
  bytes: Uint8Array,
) => number | "incomplete" | { skip: number } | LineCut;

export interface SipStreamsOptions {
  messageLength: MessageLength;
  /** TCP and SCTP directions tracked at once; default 256. */
  maxFlows?: number;
  /** Buffered bytes per direction; default 256 KiB. */
  maxBufferedBytes?: number;
  /** A direction without traffic for this long is forgotten; default 120 s. */
  idleTimeoutMs?: number;
  /** An out-of-order hole is given up after this long; default 3 s. */
  gapTimeoutMs?: number;
}

export type SipStreamErrorCode =
  /** A direction's buffer would have passed maxBufferedBytes: reset. */
  | "sip-stream-overflow"
  /** A hole in a TCP stream was given up (bytes never captured); the unfinished message lost. */
  | "sip-stream-gap"
  /** The flow table was full: the least recently used direction was dropped. */
  | "sip-stream-evicted"
  /** A direction ended (FIN, RST, idle, eviction) in the middle of a message. */
  | "sip-stream-unfinished"
  /** messageLength answered something impossible (not 1..available, or skip < 1). */
  | "sip-stream-bad-length"
  /** Not an error: an overlong header line was cut in the buffer; its message is still read. */
  | SipWarningCode
  | SctpMessageErrorCode
  | WebSocketErrorCode;

interface SctpFlow {
  readonly kind: "sctp";
  readonly key: string;
  lastSeen: number;
  readonly messages: SctpMessages;
}

type Flow = SipTcpFlow | SctpFlow;

const NO_ERRORS: ReadonlyMap<SipStreamErrorCode, number> = new Map();

export class SipStreams {
  readonly #context: FlowContext;
  readonly #maxFlows: number;
  readonly #maxBytes: number;
  readonly #idleMs: number;
  readonly #gapMs: number;
  /** In least recently used order: touching a flow moves it to the end. */
  readonly #flows = new Map<string, Flow>();
  readonly #errors = new Map<SipStreamErrorCode, number>();
  #untaken = new Map<SipStreamErrorCode, number>();
  /** Latest capture time seen; the time of SCTP chunks given without one. */
  #now = 0;
  /** Earliest capture time at which a held hole times out; Infinity when none. */
  #nextGapDeadline = Number.POSITIVE_INFINITY;

  /** @throws RangeError on an invalid option (configuration, never wire input). */
  constructor(options: SipStreamsOptions) {
    this.#maxFlows = options.maxFlows ?? 256;
    this.#maxBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.#idleMs = options.idleTimeoutMs ?? 120_000;
    this.#gapMs = options.gapTimeoutMs ?? 3_000;
    if (!Number.isInteger(this.#maxFlows) || this.#maxFlows < 1) {
      throw new RangeError(`maxFlows must be a positive integer, got ${this.#maxFlows}`);
    }
    if (!Number.isInteger(this.#maxBytes) || this.#maxBytes < 2) {
      throw new RangeError(`maxBufferedBytes must be an integer >= 2, got ${this.#maxBytes}`);
    }
    if (!(this.#idleMs >= 0) || !(this.#gapMs >= 0)) {
      throw new RangeError("idleTimeoutMs and gapTimeoutMs must be >= 0");
    }
    this.#context = {
      messageLength: options.messageLength,
      maxBytes: this.#maxBytes,
      count: (code) => this.#count(code),
      peer: (flow, create) => {
        const peer = this.#flows.get(flow.reverseKey);
        if (peer?.kind === "tcp") return peer;
        if (!create) return undefined;
        const reversed = flow.reversed(flow.lastSeen);
        this.#insert(reversed);
        return reversed;
      },
    };
  }

  /**
   * Everything counted since construction, by code. The pipeline reads increments with
   * takeErrors() instead.
   */
  get errors(): ReadonlyMap<SipStreamErrorCode, number> {
    return this.#errors;
  }

  /** Counts since the last call, then starts afresh (cheap when nothing happened). */
  takeErrors(): ReadonlyMap<SipStreamErrorCode, number> {
    if (this.#untaken.size === 0) return NO_ERRORS;
    const taken = this.#untaken;
    this.#untaken = new Map();
    return taken;
  }

  /** Directions currently tracked (tombstones included). */
  get flowCount(): number {
    return this.#flows.size;
  }

  /** Bytes held across all directions (buffers, out-of-order segments, partial messages). */
  get bufferedBytes(): number {
    let total = 0;
    for (const flow of this.#flows.values()) {
      if (flow.kind === "sctp") total += flow.messages.heldBytes;
      else total += flow.heldBytes;
    }
    return total;
  }

  fromUdp(datagram: Datagram): SipPayload[] {
    if (datagram.payload.length === 0) return [];
    const { src, dst, srcPort, dstPort } = datagram;
    return [{ src, dst, srcPort, dstPort, transport: "udp", bytes: datagram.payload }];
  }

  /** @param at capture time (ms) of the segment; drives idle and hole time-outs. */
  fromTcp(segment: TcpSegment, at: number): SipPayload[] {
    const out: SipPayload[] = [];
    this.#advance(at, out);
    const key = tcpKey(segment.src, segment.srcPort, segment.dst, segment.dstPort);
    let flow = this.#flows.get(key);
    let dataSeq = segment.seq;
    if (flow !== undefined && flow.kind !== "tcp") return out; // unreachable: keys differ
    if (segment.syn) {
      if (flow !== undefined && !flow.closed && flow.stream.isInitialSyn(segment.seq)) {
        this.#touch(flow, at);
        return out; // a retransmitted SYN
      }
      flow?.close();
      flow = new SipTcpFlow(segment, at, this.#context);
      this.#insert(flow);
      flow.stream.synchronize(segment.seq);
      dataSeq = (segment.seq + 1) >>> 0;
    } else if (flow === undefined) {
      if (segment.rst || segment.payload.length === 0) return out;
      flow = new SipTcpFlow(segment, at, this.#context);
      this.#insert(flow);
    } else if (flow.closed) {
      return out; // late data after FIN / RST
    } else {
      this.#touch(flow, at);
    }

    if (segment.payload.length > 0) flow.receive(dataSeq, segment.payload, at, out);
    if (flow.stream.hasGap) {
      this.#nextGapDeadline = Math.min(
        this.#nextGapDeadline,
        flow.stream.heldSinceMs + this.#gapMs,
      );
    }
    if (segment.rst) {
      flow.close();
      this.#context.peer(flow, false)?.close();
    } else if (segment.fin) {
      // Nothing more comes this way: what waits behind a hole is read as it is.
      let more = true;
      while (more && flow.mode !== "ignored") more = flow.skipGap(out);
      flow.close();
    }
    return out;
  }

  /** @param at capture time (ms); when absent, the latest time seen so far. */
  fromSctp(chunk: SctpDataChunk, at: number = this.#now): SipPayload[] {
    const out: SipPayload[] = [];
    this.#advance(at, out);
    const key = `s ${chunk.src} ${chunk.srcPort} ${chunk.dst} ${chunk.dstPort}`;
    let flow = this.#flows.get(key);
    if (flow === undefined) {
      flow = { kind: "sctp", key, lastSeen: at, messages: new SctpMessages(this.#maxBytes >> 1) };
      this.#insert(flow);
    } else {
      this.#touch(flow, at);
    }
    if (flow.kind !== "sctp") return out; // unreachable: keys differ
    const message = flow.messages.add(chunk, (code) => this.#count(code));
    if (message !== undefined) out.push(payloadOf(chunk, "sctp", message));
    return out;
  }

  /** Resolves idle and hole time-outs up to `at`; the live edge calls it from a timer. */
  tick(at: number): SipPayload[] {
    const out: SipPayload[] = [];
    this.#advance(at, out);
    return out;
  }

  #insert(flow: Flow): void {
    this.#flows.delete(flow.key); // a replaced flow (new SYN) moves to the end
    if (this.#flows.size >= this.#maxFlows) {
      for (const oldest of this.#flows.values()) {
        if (oldest.kind === "tcp" ? !oldest.closed : oldest.messages.heldBytes > 0) {
          this.#count("sip-stream-evicted");
        }
        this.#forget(oldest);
        break;
      }
    }
    this.#flows.set(flow.key, flow);
  }

  #touch(flow: Flow, at: number): void {
    flow.lastSeen = at;
    this.#flows.delete(flow.key);
    this.#flows.set(flow.key, flow);
  }

  #forget(flow: Flow): void {
    if (flow.kind === "tcp") flow.close();
    this.#flows.delete(flow.key);
  }

  /** Idle directions are forgotten, holes past their time given up. */
  #advance(at: number, out: SipPayload[]): void {
    if (at > this.#now) this.#now = at;
    for (const flow of this.#flows.values()) {
      if (!(at - flow.lastSeen > this.#idleMs)) break; // the rest were seen more recently
      this.#forget(flow);
    }
    if (!(at >= this.#nextGapDeadline)) return;
    let next = Number.POSITIVE_INFINITY;
    for (const flow of this.#flows.values()) {
      if (flow.kind !== "tcp" || !flow.stream.hasGap) continue;
      let more = true;
      while (more && at >= flow.stream.heldSinceMs + this.#gapMs) more = flow.skipGap(out);
      if (flow.stream.hasGap) next = Math.min(next, flow.stream.heldSinceMs + this.#gapMs);
    }
    this.#nextGapDeadline = next;
  }

  #count(code: SipStreamErrorCode): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
    this.#untaken.set(code, (this.#untaken.get(code) ?? 0) + 1);
  }
}
