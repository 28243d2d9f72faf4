/*
 * SIP over WebSocket (RFC 7118) as seen by a sniffer: an HTTP/1.1 upgrade, then frames.
 *
 * Opening handshake (RFC 6455 §4.1, §4.2.2), one HTTP head per direction:
 *   client: GET <path> HTTP/1.1 CRLF ... Upgrade: websocket CRLF ...
 *           [Sec-WebSocket-Extensions: permessage-deflate ...] CRLF CRLF
 *   server: HTTP/1.1 101 Switching Protocols CRLF Upgrade: websocket CRLF ...
 *           [Sec-WebSocket-Extensions: <the extensions in force>] CRLF CRLF
 * Only the server's answer puts an extension in force (§9.1): a client offering
 * permessage-deflate (RFC 7692) that the server does not echo sends plain frames.
 *
 * Frame (RFC 6455 §5.2):
 *   | FIN:1 | RSV1:1 | RSV2:1 | RSV3:1 | opcode:4 | MASK:1 | payload len:7 |
 *   | extended payload length: 16 bits if len = 126, 64 bits if len = 127 |
 *   | masking key: 32 bits if MASK = 1 (every client-to-server frame, §5.3) |
 *   | payload data (XOR masking key[i mod 4] when masked) |
 * Opcodes: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong (§5.5, §5.6). Control
 * frames carry at most 125 bytes and are never fragmented, but may sit between the fragments
 * of a message (§5.4). A set RSV bit means an extension is in use (§5.2).
 *
 * RFC 7118 §5.2: each text or binary message carries exactly one SIP message, so a message,
 * once reassembled from its fragments, is the SIP message (no Content-Length framing).
 */

import { u32 } from "../packet/bytes.js";

/** Largest HTTP head looked at; a longer one is not a WebSocket handshake worth waiting for. */
export const MAX_HTTP_HEAD_BYTES = 16 * 1024;

export type WebSocketErrorCode =
  /** Extensions in force (permessage-deflate) or RSV bits set: the connection is ignored. */
  | "ws-extension"
  /** Reserved opcode, fragmented or long control frame, continuation out of place. */
  | "ws-bad-frame"
  /** A message larger than the buffer cap: dropped, the frames stepped over. */
  | "ws-message-too-large"
  /** An upgrade request answered by something other than 101, or an oversized HTTP head. */
  | "ws-handshake-failed";

export interface HttpHead {
  /** Bytes up to and including the blank line. */
  readonly length: number;
  readonly startLine: string;
  /** Header names lower-cased; repeated headers joined with ", " (RFC 9110 §5.3). */
  readonly headers: ReadonlyMap<string, string>;
}

const GET = [0x47, 0x45, 0x54, 0x20]; // "GET "
const HTTP = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/** Whether the bytes start as an HTTP request line ("GET ") or status line ("HTTP/"). */
export function looksLikeHttp(bytes: Uint8Array): "yes" | "no" | "too-short" {
  for (const prefix of [GET, HTTP]) {
    let matched = 0;
    while (
      matched < prefix.length &&
      matched < bytes.length &&
      bytes[matched] === prefix[matched]
    ) {
      matched++;
    }
    if (matched === prefix.length) return "yes";
    if (matched === bytes.length) return "too-short";
  }
  return "no";
}

/** The HTTP head at the start of `bytes`, "incomplete", or "too-long" past MAX_HTTP_HEAD_BYTES. */
export function readHttpHead(bytes: Uint8Array): HttpHead | "incomplete" | "too-long" {
  const limit = Math.min(bytes.length, MAX_HTTP_HEAD_BYTES);
  let end = -1;
  for (let i = 3; i < limit; i++) {
    if (
      bytes[i] === 0x0a &&
      bytes[i - 1] === 0x0d &&
      bytes[i - 2] === 0x0a &&
      bytes[i - 3] === 0x0d
    ) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) return bytes.length >= MAX_HTTP_HEAD_BYTES ? "too-long" : "incomplete";
  const lines = new TextDecoder("latin1").decode(bytes.subarray(0, end - 4)).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  return { length: end, startLine: lines[0] ?? "", headers };
}

/** Whether a header value lists `token` (comma-separated, case-insensitive). */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(",").some((part) => part.trim().toLowerCase() === token);
}

/** What the frame at the start of the buffer amounts to. */
export type WebSocketStep =
  | { kind: "incomplete" }
  /** `length` bytes were one frame; `message` when it completed a text / binary message. */
  | { kind: "frame"; length: number; message?: Uint8Array }
  /** A close frame: nothing more is read from this direction. */
  | { kind: "close"; length: number }
  /** Step over `length` bytes (possibly more than are buffered); count `code` when given. */
  | { kind: "discard"; length: number; code?: WebSocketErrorCode }
  /** The stream cannot be read further; count `code`. */
  | { kind: "fatal"; code: WebSocketErrorCode };

const OPCODE_CONTINUATION = 0;
const OPCODE_BINARY = 2;
const OPCODE_CLOSE = 8;
const OPCODE_PONG = 10;
const MAX_CONTROL_PAYLOAD = 125;
const INCOMPLETE: WebSocketStep = Object.freeze({ kind: "incomplete" });

/**
 * Frames of one direction of one connection, read one at a time from the front of a buffer.
 * Holds only the fragments of an unfinished message, at most maxMessageBytes.
 */
export class WebSocketReader {
  readonly #maxMessageBytes: number;
  /** Fragments of the message being reassembled; null when none is open. */
  #fragments: Uint8Array[] | null = null;
  #fragmentBytes = 0;
  /** The open message was too large: its remaining fragments are stepped over. */
  #dropping = false;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Bytes held for an unfinished fragmented message. */
  get heldBytes(): number {
    return this.#fragmentBytes;
  }

  next(bytes: Uint8Array): WebSocketStep {
    if (bytes.length < 2) return INCOMPLETE;
    const first = bytes[0] ?? 0;
    const second = bytes[1] ?? 0;
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x70) !== 0) return { kind: "fatal", code: "ws-extension" };

    let headerLength = 2;
    let payloadLength = second & 0x7f;
    if (payloadLength === 126) {
      headerLength = 4;
      if (bytes.length < headerLength) return INCOMPLETE;
      payloadLength = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
    } else if (payloadLength === 127) {
      headerLength = 10;
      if (bytes.length < headerLength) return INCOMPLETE;
      // The most significant bit must be 0 (§5.2); anything past 2^53 is garbage anyway.
      const high = u32(bytes, 2);
      if (high >= 0x0020_0000) return { kind: "fatal", code: "ws-bad-frame" };
      payloadLength = high * 2 ** 32 + u32(bytes, 6);
    }
    const masked = (second & 0x80) !== 0;
    if (masked) headerLength += 4;
    const length = headerLength + payloadLength;

    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG || !fin || payloadLength > MAX_CONTROL_PAYLOAD) {
        return { kind: "fatal", code: "ws-bad-frame" };
      }
      if (bytes.length < length) return INCOMPLETE;
      return opcode === OPCODE_CLOSE ? { kind: "close", length } : { kind: "frame", length };
    }
    if (opcode > OPCODE_BINARY) return { kind: "fatal", code: "ws-bad-frame" };
    const continuation = opcode === OPCODE_CONTINUATION;
    if (continuation !== (this.#fragments !== null || this.#dropping)) {
      return { kind: "fatal", code: "ws-bad-frame" };
    }

    if (this.#dropping) {
      this.#dropping = !fin;
      return { kind: "discard", length }; // counted with the message's first frame
    }
    if (this.#fragmentBytes + payloadLength > this.#maxMessageBytes) {
      this.#fragments = null;
      this.#fragmentBytes = 0;
      this.#dropping = !fin;
      return { kind: "discard", length, code: "ws-message-too-large" };
    }
    if (bytes.length < length) return INCOMPLETE;

    const payload = bytes.slice(headerLength, length);
    if (masked) {
      const key = bytes.subarray(headerLength - 4, headerLength);
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (key[i & 3] ?? 0);
    }
    if (fin && this.#fragments === null) {
      return payload.length > 0
        ? { kind: "frame", length, message: payload }
        : { kind: "frame", length };
    }
    this.#fragments ??= [];
    this.#fragments.push(payload);
    this.#fragmentBytes += payload.length;
    if (!fin) return { kind: "frame", length };

    const message = new Uint8Array(this.#fragmentBytes);
    let offset = 0;
    for (const part of this.#fragments) {
      message.set(part, offset);
      offset += part.length;
    }
    this.#fragments = null;
    this.#fragmentBytes = 0;
    return message.length > 0 ? { kind: "frame", length, message } : { kind: "frame", length };
  }
}
