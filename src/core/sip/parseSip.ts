/**
 * SIP message grammar as real traffic speaks it (RFC 3261 §7, §18.3, §25.1; facts file §7):
 *
 *   message        = start-line *message-header CRLF [ message-body ]
 *   Request-Line   = Method SP Request-URI SP "SIP/2.0" CRLF           §7.1 (method upper-cased)
 *   Status-Line    = "SIP/2.0" SP 3DIGIT SP Reason-Phrase CRLF          §7.2 (reason may be empty)
 *   message-header = field-name *(SP / HTAB) ":" SWS field-value CRLF   §7.3, any case,
 *                    `From:<sip:…>` with no space after the colon (sip-heplify-sctp-pai.pcap)
 *   folding        = a line starting with SP / HTAB continues the header above (§7.3.1)
 *   compact forms  = i f t m v l c k s e o u r b x y a d j n            (§7.3.3, IANA registry)
 *
 *   CRLF = CRLF or LF alone. Before the start line: CRLF keep-alives (RFC 5626 §3.5.1; §7.5 says
 *   to ignore them) and NUL bytes (sip-zeek-junk-before-request.pcap); otherwise whole lines of
 *   junk are skipped up to the first line that looks like a start line.
 *
 * Framing (§18.3): the body is Content-Length bytes. On UDP Content-Length may be absent and the
 * body is the rest of the datagram; on a stream it is then 0. A body (SDP, multipart/mixed with
 * binary ISUP) stays bytes: only the header section is decoded, as UTF-8 when valid, else Latin-1.
 *
 * Wire input never throws: the result is a message or one error code. A malformed header line
 * is skipped (as tshark does) rather than losing the call; only a Content-Length that cannot
 * frame the message is an error. A header line over MAX_LINE_LENGTH bytes (an 8 KB display
 * name) is cut, not refused: its first and last MAX_LINE_LENGTH / 2 bytes stay (at UTF-8
 * character boundaries), so the header name and the `<sip:number@host>;tag=…` after a long
 * display name survive; each cut is a "sip-header-cut" warning. On a stream the cut is made
 * in the buffered bytes as they arrive (sipStreamFraming answers { cut }), so an endless line
 * costs MAX_LINE_LENGTH bytes, never more.
 */
import { isUtf8 } from "node:buffer";

export type SipErrorCode =
  | "sip-not-text"
  | "sip-bad-start-line"
  | "sip-bad-header"
  | "sip-too-long"
  | "sip-truncated-body";

/** Odd but kept: a header line over 8 KiB, cut in its middle; the message is still read. */
export type SipWarningCode = "sip-header-cut";

/** Header fields by name: case-insensitive, compact forms mapped to the full name. */
export interface SipHeaders {
  /** The first occurrence, unfolded and trimmed. */
  get(name: string): string | undefined;
  /** Every occurrence in order; a comma-separated line stays one occurrence. */
  getAll(name: string): string[];
}

export type SipMessage =
  | {
      kind: "request";
      method: string;
      requestUri: string;
      headers: SipHeaders;
      body: Uint8Array;
    }
  | { kind: "response"; status: number; reason: string; headers: SipHeaders; body: Uint8Array };

export type SipParseResult =
  | { ok: true; message: SipMessage; length: number; warnings: SipWarningCode[] }
  | { ok: false; code: SipErrorCode };

/** Remove `count` bytes at `at`: the middle of the overlong header line that starts at `line`. */
export interface LineCut {
  cut: { at: number; count: number; line: number };
}

/** Limits that keep garbage from costing more than a real message would. */
const MAX_HEADERS = 256;
const MAX_LINE_LENGTH = 8 * 1024;
const MAX_MESSAGE_LENGTH = 64 * 1024;
const KEEP_HEAD = MAX_LINE_LENGTH / 2;
const KEEP_TAIL = MAX_LINE_LENGTH / 2;

const LF = 0x0a;
const CR = 0x0d;

/** RFC 3261 §20 and the IANA "Header Fields" registry: compact form -> full name (lower case). */
const COMPACT_FORMS = new Map([
  ["a", "accept-contact"],
  ["b", "referred-by"],
  ["c", "content-type"],
  ["d", "request-disposition"],
  ["e", "content-encoding"],
  ["f", "from"],
  ["i", "call-id"],
  ["j", "reject-contact"],
  ["k", "supported"],
  ["l", "content-length"],
  ["m", "contact"],
  ["n", "identity-info"],
  ["o", "event"],
  ["r", "refer-to"],
  ["s", "subject"],
  ["t", "to"],
  ["u", "allow-events"],
  ["v", "via"],
  ["x", "session-expires"],
  ["y", "identity"],
]);

const TOKEN = "[!%'*+\\-.0-9A-Z_`a-z~]+";
const REQUEST_LINE = new RegExp(
  `^(${TOKEN})[ \\t]+([A-Za-z][A-Za-z0-9+.\\-]*:\\S*)[ \\t]+SIP/2\\.0[ \\t]*$`,
  "i",
);
const STATUS_LINE = /^SIP\/2\.0[ \t]+([1-6]\d\d)(?:[ \t]+(.*))?$/i;
const HEADER_LINE = new RegExp(`^(${TOKEN})[ \\t]*:(.*)$`, "s");
/** What the first, unfinished line of a stream may look like while more bytes are on the way. */
const PARTIAL_START_LINE = new RegExp(
  `^(?:${TOKEN}(?:[ \\t][^\\x00-\\x08\\x0a-\\x1f\\x7f]*)?|SIP/[^\\x00-\\x08\\x0a-\\x1f\\x7f]*)$`,
  "i",
);
const LINE_END = /\r?\n/;

class HeaderMap implements SipHeaders {
  readonly #fields = new Map<string, string[]>();

  add(name: string, value: string): void {
    const key = canonicalName(name);
    const values = this.#fields.get(key);
    if (values) values.push(value);
    else this.#fields.set(key, [value]);
  }

  get(name: string): string | undefined {
    return this.#fields.get(canonicalName(name))?.[0];
  }

  getAll(name: string): string[] {
    return [...(this.#fields.get(canonicalName(name)) ?? [])];
  }

  /** For logs and test output: full names in lower case. */
  toJSON(): Record<string, string[]> {
    return Object.fromEntries(this.#fields);
  }
}

function canonicalName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_FORMS.get(lower) ?? lower;
}

/** One datagram (or one framed stream message) into a message. */
export function parseSipMessage(input: Uint8Array): SipParseResult {
  const start = findStartLine(input);
  if (typeof start === "string") return { ok: false, code: start };

  // Overlong header lines are cut in a copy; `removed` bytes then count toward the length.
  let bytes = input;
  let removed = 0;
  const warnings: SipWarningCode[] = [];
  let head = scanHeaderSection(bytes, start);
  while (typeof head === "object" && "cut" in head) {
    const { at, count } = head.cut;
    const shorter = new Uint8Array(bytes.length - count);
    shorter.set(bytes.subarray(0, at));
    shorter.set(bytes.subarray(at + count), at);
    bytes = shorter;
    removed += count;
    warnings.push("sip-header-cut");
    head = scanHeaderSection(bytes, start);
  }
  if (head === "too-long") return { ok: false, code: "sip-too-long" };
  // A datagram that ends without the blank line: its headers are all there is.
  const { textEnd, bodyStart } = head === "unterminated" ? whole(bytes) : head;

  const parsed = parseHeaderSection(decodeText(bytes.subarray(start, textEnd)));
  if (typeof parsed === "string") return { ok: false, code: parsed };
  const contentLength = readContentLength(parsed.headers);
  if (contentLength === "bad") return { ok: false, code: "sip-bad-header" };

  const end = contentLength === null ? bytes.length : bodyStart + contentLength;
  if (end - start > MAX_MESSAGE_LENGTH) return { ok: false, code: "sip-too-long" };
  if (end > bytes.length) return { ok: false, code: "sip-truncated-body" };
  // Copied: the bytes may be a view into a capture buffer that is reused for the next frame.
  const body = bytes.slice(bodyStart, end);
  const message: SipMessage = { ...parsed.startLine, headers: parsed.headers, body };
  return { ok: true, message, length: end + removed, warnings };
}

/**
 * For stream transports (TCP, TLS, SCTP, WebSocket): the length of the first complete message in
 * `bytes` (headers plus Content-Length body; an absent Content-Length means no body, §18.3),
 * "incomplete" when more bytes are needed, or `{ skip }` bytes to drop first: keep-alive CRLFs
 * and NUL padding (not an error), or garbage that can never become a message, up to the next
 * line that starts a request or status line. `skip` is always at least 1 and at most
 * bytes.length, so a loop over this function always advances. A length n is always one that
 * parseSipMessage(bytes.subarray(0, n)) accepts whole. A message with an overlong header line
 * cannot be framed within the limits without cutting it: it is skipped (see sipStreamFraming).
 */
export function sipMessageLength(bytes: Uint8Array): number | "incomplete" | { skip: number } {
  const answer = sipStreamFraming(bytes);
  return typeof answer === "object" && "cut" in answer ? skipToStartLine(bytes, 1) : answer;
}

/**
 * sipMessageLength as the stream layer uses it: a message whose header line is over the limit
 * (finished or still arriving) is not dropped but answered with `{ cut }`, the bytes to remove
 * from the middle of that line before asking again. The line then holds MAX_LINE_LENGTH bytes
 * at most, so the same line is cut again only once more of it has arrived.
 */
export function sipStreamFraming(
  bytes: Uint8Array,
): number | "incomplete" | { skip: number } | LineCut {
  let filler = 0;
  while (filler < bytes.length && isFiller(bytes[filler] ?? 0)) filler++;
  if (filler > 0) return { skip: filler };
  if (bytes.length === 0) return "incomplete";

  const lineEnd = bytes.subarray(0, MAX_LINE_LENGTH + 2).indexOf(LF);
  if (lineEnd === -1) {
    return mayBecomeStartLine(bytes, 0) ? "incomplete" : skipToStartLine(bytes, 1);
  }
  if (parseStartLine(lineText(bytes, 0, lineEnd)) === null) return skipToStartLine(bytes, 1);

  const head = scanHeaderSection(bytes, 0);
  if (head === "unterminated") return "incomplete";
  // A message that can never be accepted is dropped whole, up to the next start line.
  if (head === "too-long") return skipToStartLine(bytes, lineEnd + 1);
  if ("cut" in head) return head;
  const parsed = parseHeaderSection(decodeText(bytes.subarray(0, head.textEnd)));
  if (typeof parsed === "string") return skipToStartLine(bytes, lineEnd + 1);
  const contentLength = readContentLength(parsed.headers);
  if (contentLength === "bad") return skipToStartLine(bytes, lineEnd + 1);
  const end = head.bodyStart + (contentLength ?? 0);
  if (end > MAX_MESSAGE_LENGTH) return skipToStartLine(bytes, lineEnd + 1);
  return end <= bytes.length ? end : "incomplete";
}

/**
 * A datagram of nothing but CRLFs, spaces or NULs: a NAT keep-alive (RFC 5626 §3.5.1; five
 * spaces in sip-ndpi-sip.pcap), which parseSipMessage calls "sip-not-text" but which is no fault.
 */
export function isSipKeepAlive(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.every(isFiller);
}

/** NUL, HT, LF, CR and SP: what keep-alives and padding in front of a message are made of. */
function isFiller(byte: number): boolean {
  return byte === 0 || byte === 0x09 || byte === LF || byte === CR || byte === 0x20;
}

type StartLine =
  | { kind: "request"; method: string; requestUri: string }
  | { kind: "response"; status: number; reason: string };

function parseStartLine(line: string): StartLine | null {
  if (line.length > MAX_LINE_LENGTH) return null;
  const request = REQUEST_LINE.exec(line);
  if (request) {
    const [, method = "", requestUri = ""] = request;
    return { kind: "request", method: method.toUpperCase(), requestUri };
  }
  const status = STATUS_LINE.exec(line);
  if (status) {
    const [, code = "", reason = ""] = status;
    return { kind: "response", status: Number(code), reason: reason.trim() };
  }
  return null;
}

/**
 * Where the start line begins: after filler bytes on its own line, and after whole lines of
 * junk. An error says why nothing in the datagram looks like SIP.
 */
function findStartLine(bytes: Uint8Array): number | SipErrorCode {
  const limit = Math.min(bytes.length, MAX_MESSAGE_LENGTH);
  let firstText = -1;
  let firstLineLength = 0;
  for (let lineStart = 0; lineStart < limit; ) {
    let pos = lineStart;
    while (pos < limit && isFiller(bytes[pos] ?? 0) && bytes[pos] !== LF) pos++;
    const lf = bytes.indexOf(LF, pos);
    const lineEnd = lf === -1 ? bytes.length : lf;
    if (firstText === -1 && pos < lineEnd) {
      firstText = pos;
      firstLineLength = lineEnd - pos;
      const first = bytes[pos] ?? 0;
      // Binary (RTP or STUN sharing the port) never starts with printable ASCII.
      if (first < 0x21 || first > 0x7e) return "sip-not-text";
    }
    if (pos < lineEnd && parseStartLine(lineText(bytes, pos, lineEnd)) !== null) return pos;
    if (lf === -1) break;
    lineStart = lf + 1;
  }
  if (firstText === -1) return "sip-not-text";
  return firstLineLength > MAX_LINE_LENGTH ? "sip-too-long" : "sip-bad-start-line";
}

/** `{ skip }` up to the next line at or after `from` that could start a message. */
function skipToStartLine(bytes: Uint8Array, from: number): { skip: number } {
  let lineStart = bytes.indexOf(LF, from - 1) + 1;
  while (lineStart > 0 && lineStart < bytes.length) {
    let pos = lineStart;
    while (pos < bytes.length && isFiller(bytes[pos] ?? 0) && bytes[pos] !== LF) pos++;
    const lf = bytes.indexOf(LF, pos);
    if (lf === -1) {
      const keep = pos === bytes.length || mayBecomeStartLine(bytes, pos);
      return { skip: keep ? lineStart : bytes.length };
    }
    if (parseStartLine(lineText(bytes, pos, lf)) !== null) return { skip: lineStart };
    lineStart = lf + 1;
  }
  return { skip: bytes.length };
}

/** Whether the unfinished last line, from `start`, may still grow into a start line. */
function mayBecomeStartLine(bytes: Uint8Array, start: number): boolean {
  if (bytes.length - start > MAX_LINE_LENGTH) return false;
  const partial = latin1(bytes.subarray(start)).replace(/\r$/, "");
  return PARTIAL_START_LINE.test(partial);
}

interface HeaderSection {
  /** End of the last header line (the blank line is not part of the text). */
  textEnd: number;
  /** First byte after the blank line. */
  bodyStart: number;
}

/**
 * Finds the blank line that ends the headers, within the message limit; the first header line
 * over the line limit (unfinished or not) comes back as the cut that shortens it.
 */
function scanHeaderSection(
  bytes: Uint8Array,
  start: number,
): HeaderSection | LineCut | "unterminated" | "too-long" {
  for (let pos = start; ; ) {
    const lf = bytes.indexOf(LF, pos);
    const lineEnd = lf === -1 ? bytes.length : lf;
    const contentEnd = lineEnd > pos && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (contentEnd - pos > MAX_LINE_LENGTH && pos > start) return middleCut(bytes, pos, contentEnd);
    if (contentEnd - pos > MAX_LINE_LENGTH) return "too-long";
    if (lineEnd + 1 - start > MAX_MESSAGE_LENGTH) return "too-long";
    if (lf === -1) return "unterminated";
    const empty = lineEnd === pos || (lineEnd === pos + 1 && bytes[pos] === CR);
    if (empty && pos > start) return { textEnd: pos, bodyStart: lf + 1 };
    pos = lf + 1;
  }
}

/** The bytes between the line's first KEEP_HEAD and last KEEP_TAIL, at UTF-8 boundaries. */
function middleCut(bytes: Uint8Array, line: number, contentEnd: number): LineCut {
  const isContinuation = (at: number) => ((bytes[at] ?? 0) & 0xc0) === 0x80;
  let at = line + KEEP_HEAD;
  while (at > line && isContinuation(at)) at--;
  let tail = contentEnd - KEEP_TAIL;
  while (tail < contentEnd && isContinuation(tail)) tail++;
  return { cut: { at, count: tail - at, line } };
}

function whole(bytes: Uint8Array): HeaderSection {
  return { textEnd: bytes.length, bodyStart: bytes.length };
}

interface ParsedHead {
  startLine: StartLine;
  headers: HeaderMap;
}

function parseHeaderSection(text: string): ParsedHead | SipErrorCode {
  const lines = text.split(LINE_END);
  const startLine = parseStartLine(lines[0] ?? "");
  if (startLine === null) return "sip-bad-start-line";

  const headers = new HeaderMap();
  let count = 0;
  let pending: { name: string; value: string } | null = null;
  const flush = () => {
    if (pending) headers.add(pending.name, pending.value.trim());
    pending = null;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      // Folding: the continuation joins the value with one space (LWS is equivalent to SP).
      if (pending) pending.value = `${pending.value.trimEnd()} ${line.trim()}`;
      continue;
    }
    flush();
    const match = HEADER_LINE.exec(line);
    if (!match) continue;
    if (++count > MAX_HEADERS) return "sip-too-long";
    pending = { name: match[1] ?? "", value: match[2] ?? "" };
  }
  flush();
  return { startLine, headers };
}

/** null when absent; "bad" when not a decimal number or when copies disagree. */
function readContentLength(headers: SipHeaders): number | null | "bad" {
  const values = headers.getAll("content-length");
  if (values.length === 0) return null;
  const first = values[0] ?? "";
  if (!/^\d{1,10}$/.test(first) || values.some((v) => Number(v) !== Number(first))) return "bad";
  return Number(first);
}

function lineText(bytes: Uint8Array, start: number, end: number): string {
  const last = end > start && bytes[end - 1] === CR ? end - 1 : end;
  return latin1(bytes.subarray(start, Math.min(last, start + MAX_LINE_LENGTH + 1)));
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** UTF-8 when the bytes are valid UTF-8 (Cyrillic display names), otherwise Latin-1. */
function decodeText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? buffer.toString("utf8") : buffer.toString("latin1");
}
