/*
 * Test stand-ins for the SIP stream tests: a Content-Length framer with the signature of
 * sipMessageLength (src/core/sip/parseSip.ts), so that SipStreams is tested on its own, and
 * builders of TCP segments, SCTP chunks and WebSocket frames as the frame decoder returns them.
 *
 * Framing (RFC 3261 §18.3, §7.5): the head ends at the first CRLF CRLF, the body has
 * Content-Length (compact form "l") bytes, 0 when absent. Leading CR / LF (keep-alives,
 * RFC 5626 §3.5.1) and anything before a plausible start line are garbage to skip.
 */

import type { SctpDataChunk } from "../../src/core/packet/sctp.js";
import type { TcpSegment } from "../../src/core/packet/tcp.js";

const latin1 = new TextDecoder("latin1");
const START_LINE = /^(?:[A-Z]+ \S+ SIP\/2\.0\r\n|SIP\/2\.0 \d{3} )/;
const ANY_START_LINE = /(?:[A-Z]+ sips?:\S+ SIP\/2\.0\r\n|SIP\/2\.0 \d{3} )/;

export function contentLengthFraming(bytes: Uint8Array): number | "incomplete" | { skip: number } {
  let blank = 0;
  while (blank < bytes.length && (bytes[blank] === 13 || bytes[blank] === 10)) blank++;
  if (blank > 0) return { skip: blank };
  const text = latin1.decode(bytes);
  if (!START_LINE.test(text)) {
    // Garbage up to the next start line; the last bytes may be the start of one.
    const next = ANY_START_LINE.exec(text)?.index;
    if (next !== undefined) return { skip: next };
    return bytes.length > 256 ? { skip: bytes.length - 256 } : "incomplete";
  }
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return "incomplete";
  const length = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(text.slice(0, headEnd + 2));
  const total = headEnd + 4 + Number(length?.[1] ?? 0);
  return total <= bytes.length ? total : "incomplete";
}

export function sipMessage(startLine: string, body = "", extra = ""): string {
  return `${startLine}\r\nCall-ID: ${startLine.length}@test\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
}

export const bytesOf = (text: string) => new TextEncoder().encode(text);
export const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * Both directions of one TCP connection with running sequence numbers: `send` returns the
 * segment for the next bytes (and advances), `at` builds one at any position.
 */
export class TcpConnection {
  readonly #next = new Map<"c" | "s", number>();

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    clientIsn = 1000,
    serverIsn = 50_000,
  ) {
    this.#next.set("c", clientIsn);
    this.#next.set("s", serverIsn);
  }

  syn(from: "c" | "s"): TcpSegment {
    const segment = this.at(from, this.#seq(from), new Uint8Array(0), { syn: true });
    this.#next.set(from, (this.#seq(from) + 1) >>> 0);
    return segment;
  }

  send(from: "c" | "s", data: string | Uint8Array, flags: { fin?: boolean } = {}): TcpSegment {
    const bytes = typeof data === "string" ? bytesOf(data) : data;
    const segment = this.at(from, this.#seq(from), bytes, flags);
    this.#next.set(from, (this.#seq(from) + bytes.length + (flags.fin ? 1 : 0)) >>> 0);
    return segment;
  }

  /** Consecutive segments of at most `size` bytes. */
  sendSplit(from: "c" | "s", data: string | Uint8Array, size: number): TcpSegment[] {
    const bytes = typeof data === "string" ? bytesOf(data) : data;
    const segments: TcpSegment[] = [];
    for (let i = 0; i < bytes.length; i += size)
      segments.push(this.send(from, bytes.slice(i, i + size)));
    return segments;
  }

  at(
    from: "c" | "s",
    seq: number,
    payload: Uint8Array,
    flags: { syn?: boolean; fin?: boolean; rst?: boolean } = {},
  ): TcpSegment {
    const [a, b] = from === "c" ? [this.client, this.server] : [this.server, this.client];
    return {
      family: a.address.includes(":") ? 6 : 4,
      src: a.address,
      dst: b.address,
      srcPort: a.port,
      dstPort: b.port,
      seq: seq >>> 0,
      syn: flags.syn ?? false,
      fin: flags.fin ?? false,
      rst: flags.rst ?? false,
      payload,
      vlans: [],
    };
  }

  seq(from: "c" | "s"): number {
    return this.#seq(from);
  }

  #seq(from: "c" | "s"): number {
    return this.#next.get(from) ?? 0;
  }
}

export function sctpChunk(
  tsn: number,
  payload: string | Uint8Array,
  flags: { beginning?: boolean; ending?: boolean } = {},
): SctpDataChunk {
  return {
    family: 4,
    src: "10.249.30.11",
    dst: "10.108.207.113",
    srcPort: 57_098,
    dstPort: 5060,
    tsn: tsn >>> 0,
    streamId: 0,
    streamSequence: 0,
    ppid: 0,
    beginning: flags.beginning ?? true,
    ending: flags.ending ?? true,
    unordered: false,
    payload: typeof payload === "string" ? bytesOf(payload) : payload,
    vlans: [],
  };
}

export interface WsFrameSpec {
  opcode?: number;
  fin?: boolean;
  /** Masking key (client frames); none for server frames. */
  mask?: [number, number, number, number];
  rsv?: number;
  /** Force the 16- or 64-bit length form. */
  lengthForm?: 7 | 16 | 64;
}

/** One WebSocket frame (RFC 6455 §5.2). */
export function wsFrame(payload: string | Uint8Array, spec: WsFrameSpec = {}): Uint8Array {
  const data = typeof payload === "string" ? bytesOf(payload) : payload;
  const form = spec.lengthForm ?? (data.length < 126 ? 7 : data.length < 65_536 ? 16 : 64);
  const header: number[] = [
    ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode ?? 1),
  ];
  const maskBit = spec.mask ? 0x80 : 0;
  if (form === 7) header.push(maskBit | data.length);
  else if (form === 16) header.push(maskBit | 126, data.length >> 8, data.length & 0xff);
  else {
    header.push(maskBit | 127, 0, 0, 0, 0);
    for (let shift = 24; shift >= 0; shift -= 8) header.push((data.length >>> shift) & 0xff);
  }
  if (spec.mask) header.push(...spec.mask);
  const frame = new Uint8Array(header.length + data.length);
  frame.set(header);
  data.forEach((byte, i) => {
    frame[header.length + i] = spec.mask ? byte ^ (spec.mask[i & 3] ?? 0) : byte;
  });
  return frame;
}
