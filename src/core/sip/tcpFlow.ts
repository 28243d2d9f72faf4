/*
 * One direction of a TCP connection on a SIP port, from bytes to SIP messages:
 *
 *   segments ─► TcpStream ─► mode "sip": HTTP head? ─► else messageLength framing (RFC 3261 §18.3)
 *                          ─► mode "ws":  WebSocket frames (RFC 6455 §5, RFC 7118 §5)
 *                          ─► mode "ignored": nothing read (deflate, a broken or closed socket)
 *
 * The HTTP upgrade (RFC 6455 §4.1, §4.2.2) is watched in mode "sip": a `GET` with
 * `Upgrade: websocket` switches its own direction to "ws"; the `101` answer switches the
 * answering direction, and the requesting one too should its GET not have been captured. An
 * answer with Sec-WebSocket-Extensions (only the server's answer puts an extension in force,
 * §9.1) or an upgrade answered otherwise than with 101 makes both directions "ignored".
 */

import type { LineCut } from "./parseSip.js";
import type { MessageLength, SipPayload, SipStreamErrorCode } from "./sipStreams.js";
import type { AddResult } from "./tcpStream.js";
import { TcpStream } from "./tcpStream.js";
import { hasToken, looksLikeHttp, readHttpHead, WebSocketReader } from "./webSocket.js";

export interface FlowContext {
  readonly messageLength: MessageLength;
  readonly maxBytes: number;
  count(code: SipStreamErrorCode): void;
  /** The opposite direction of `flow`'s connection; tracked from now on when `create`. */
  peer(flow: SipTcpFlow, create: boolean): SipTcpFlow | undefined;
}

export interface Endpoints {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
}

export class SipTcpFlow implements Endpoints {
  readonly kind = "tcp";
  readonly key: string;
  readonly reverseKey: string;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  lastSeen: number;
  readonly stream: TcpStream;
  mode: "sip" | "ws" | "ignored" = "sip";
  /** FIN or RST seen: a tombstone until idle or a new SYN. */
  closed = false;
  #ws: WebSocketReader | null = null;
  /** Bytes still to step over: the unbuffered rest of a discarded WebSocket frame. */
  #discard = 0;
  /** Where the header line last cut starts, so that a line cut segment by segment counts once. */
  #lastCutLine = -1;
  readonly #context: FlowContext;

  constructor(endpoints: Endpoints, at: number, context: FlowContext) {
    ({ src: this.src, dst: this.dst, srcPort: this.srcPort, dstPort: this.dstPort } = endpoints);
    this.key = tcpKey(this.src, this.srcPort, this.dst, this.dstPort);
    this.reverseKey = tcpKey(this.dst, this.dstPort, this.src, this.srcPort);
    this.lastSeen = at;
    this.stream = new TcpStream(context.maxBytes);
    this.#context = context;
  }

  /** Buffered bytes plus those of an unfinished WebSocket message. */
  get heldBytes(): number {
    return this.stream.size + (this.#ws?.heldBytes ?? 0);
  }

  /** The opposite direction, as a new flow (not yet tracked). */
  reversed(at: number): SipTcpFlow {
    const { src, dst, srcPort, dstPort } = this;
    return new SipTcpFlow(
      { src: dst, dst: src, srcPort: dstPort, dstPort: srcPort },
      at,
      this.#context,
    );
  }

  /** A data segment's bytes at `seq`; complete messages are pushed to `out`. */
  receive(seq: number, payload: Uint8Array, at: number, out: SipPayload[]): void {
    if (this.mode === "ignored" || this.closed) return;
    const stream = this.stream;
    let result: AddResult = stream.add(seq, payload, at);
    if (result === "too-many-held") {
      this.skipGap(out);
      if (this.#isIgnored()) return; // the skipped hole ended a WebSocket stream
      result = stream.add(seq, payload, at);
    }
    if (result === "overflow" || result === "too-many-held") {
      // Reset: what was buffered is dropped; this segment starts afresh if it fits alone.
      this.#context.count("sip-stream-overflow");
      stream.clear();
      this.#discard = 0;
      this.#lastCutLine = -1;
      if (this.mode === "ws") {
        this.ignore();
        return;
      }
      result = stream.add(seq, payload, at);
      if (result === "overflow") {
        stream.skipTo(seq + payload.length);
        return;
      }
    }
    if (result === "resynced") {
      this.#context.count("sip-stream-gap");
      this.#discard = 0;
      this.#lastCutLine = -1;
      if (this.mode === "ws") this.ignore();
    }
    this.#drain(out);
  }

  /** Gives up the first hole and reads on; false when there was none. */
  skipGap(out: SipPayload[]): boolean {
    if (!this.stream.skipGap()) return false;
    this.#context.count("sip-stream-gap");
    this.#discard = 0;
    this.#lastCutLine = -1;
    // WebSocket frames cannot be found again in the middle of a stream.
    if (this.mode === "ws") this.ignore();
    else this.#drain(out);
    return true;
  }

  /** A method, so that TypeScript does not carry the narrowing of `mode` across calls. */
  #isIgnored(): boolean {
    return this.mode === "ignored";
  }

  ignore(): void {
    this.mode = "ignored";
    this.#ws = null;
    this.#discard = 0;
    this.#lastCutLine = -1;
    this.stream.clear();
  }

  /** Ends the direction (FIN, RST, idle, eviction); counts an unfinished message. */
  close(): void {
    if (this.closed) return;
    if (this.mode !== "ignored" && this.heldBytes > 0) {
      this.#context.count("sip-stream-unfinished");
    }
    this.closed = true;
    this.#ws = null;
    this.stream.clear();
  }

  /** Reads every complete message at the front of the buffer. */
  #drain(out: SipPayload[]): void {
    const stream = this.stream;
    for (;;) {
      const bytes = stream.bytes;
      if (bytes.length === 0 || this.mode === "ignored") return;
      if (this.#discard > 0) {
        const count = Math.min(this.#discard, bytes.length);
        stream.consume(count);
        this.#discard -= count;
      } else if (this.mode === "ws") {
        if (!this.#webSocketFrame(bytes, out)) return;
      } else {
        const http = looksLikeHttp(bytes);
        if (http === "too-short") return;
        if (http === "yes") {
          if (!this.#httpHead(bytes)) return;
          continue;
        }
        const length = this.#context.messageLength(bytes);
        if (length === "incomplete") return;
        if (typeof length === "object" && "cut" in length) {
          if (!this.#cutLine(length.cut, bytes.length)) return;
          continue;
        }
        this.#lastCutLine = -1;
        const isMessage = typeof length === "number";
        const count = isMessage ? length : length.skip;
        if (!Number.isInteger(count) || count < 1 || (isMessage && count > bytes.length)) {
          this.#context.count("sip-stream-bad-length");
          stream.consume(bytes.length);
          return;
        }
        if (isMessage) out.push(payloadOf(this, "tcp", bytes.slice(0, count)));
        stream.consume(count); // a skip past the buffered bytes drops only those
      }
    }
  }

  /** Removes the middle of an overlong header line; false (all dropped) when the cut is impossible. */
  #cutLine(cut: LineCut["cut"], available: number): boolean {
    const { at, count, line } = cut;
    const valid =
      Number.isInteger(at) &&
      Number.isInteger(count) &&
      at >= 0 &&
      count >= 1 &&
      at + count <= available;
    if (!valid) {
      this.#context.count("sip-stream-bad-length");
      this.stream.consume(available);
      return false;
    }
    this.stream.cut(at, count);
    if (line !== this.#lastCutLine) this.#context.count("sip-header-cut");
    this.#lastCutLine = line;
    return true;
  }

  /** One frame; false when the direction must wait for more bytes or stopped. */
  #webSocketFrame(bytes: Uint8Array, out: SipPayload[]): boolean {
    this.#ws ??= new WebSocketReader(this.#context.maxBytes >> 1);
    const step = this.#ws.next(bytes);
    switch (step.kind) {
      case "incomplete":
        return false;
      case "frame":
        this.stream.consume(step.length);
        if (step.message !== undefined) out.push(payloadOf(this, "ws", step.message));
        return true;
      case "close":
        this.ignore();
        return false;
      case "discard":
        if (step.code !== undefined) this.#context.count(step.code);
        this.stream.consume(step.length);
        this.#discard = Math.max(0, step.length - bytes.length);
        return true;
      case "fatal":
        this.#context.count(step.code);
        this.ignore();
        return false;
    }
  }

  /** An HTTP head at the front of the buffer; false while it is incomplete. */
  #httpHead(bytes: Uint8Array): boolean {
    const head = readHttpHead(bytes);
    if (head === "incomplete") return false;
    if (head === "too-long") {
      this.#context.count("ws-handshake-failed");
      this.stream.consume(bytes.length);
      return true;
    }
    this.stream.consume(head.length);
    const upgrade = hasToken(head.headers.get("upgrade"), "websocket");
    if (head.startLine.startsWith("GET ")) {
      if (upgrade) {
        this.#toWebSocket();
        this.#context.peer(this, true); // the answer comes the other way: track it
      }
      return true;
    }
    if (/^HTTP\/1\.\d 101(?: |$)/.test(head.startLine) && upgrade) {
      const client = this.#context.peer(this, true);
      if ((head.headers.get("sec-websocket-extensions") ?? "") !== "") {
        this.#context.count("ws-extension");
        this.ignore();
        client?.ignore();
        return true;
      }
      this.#toWebSocket();
      if (client?.mode === "sip") client.#toWebSocket();
      return true;
    }
    const client = this.#context.peer(this, false);
    if (client?.mode === "ws") {
      this.#context.count("ws-handshake-failed"); // the upgrade was refused: plain HTTP follows
      client.ignore();
      this.ignore();
    }
    return true;
  }

  #toWebSocket(): void {
    this.mode = "ws";
    this.#ws = new WebSocketReader(this.#context.maxBytes >> 1);
  }
}

export function tcpKey(src: string, srcPort: number, dst: string, dstPort: number): string {
  return `t ${src} ${srcPort} ${dst} ${dstPort}`;
}

export function payloadOf(
  from: Endpoints,
  transport: SipPayload["transport"],
  bytes: Uint8Array,
): SipPayload {
  const { src, dst, srcPort, dstPort } = from;
  return { src, dst, srcPort, dstPort, transport, bytes };
}
