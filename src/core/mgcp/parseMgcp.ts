/**
 * MGCP message grammar as real equipment speaks it (RFC 3435 §3.1–§3.5, facts file §2).
 *
 *   command  = verb WSP transaction-id WSP endpoint WSP "MGCP" WSP version [WSP profile] EOL
 *   response = 3DIGIT WSP transaction-id [WSP commentary] EOL
 *   *( code ":" [WSP] value EOL )          parameter lines; codes are case-insensitive and
 *                                          may repeat (seven `L:` lines in one AUEP response)
 *   [ EOL sdp ]                            the session description follows one empty line
 *
 *   EOL = CRLF / LF, and CR alone in the wild (Cisco, mgcp-ndpi.pcap frames 27–29).
 *   Several messages may share one datagram ("piggy-backing", §3.5), separated by a line that
 *   holds a single ".". As Wireshark does, the datagram is split on those lines first.
 *
 * Wire input never throws: a datagram yields the messages that parse and one error code per
 * section that does not. Odd text in a message that parses does not lose it (nor its call):
 * a parameter line over MAX_LINE_LENGTH keeps its first and last MAX_LINE_LENGTH / 2
 * characters (a caller name is cut in its middle, the closing quote and parenthesis stay), and
 * NUL bytes after the start line stay in the values (cleanText blanks them in names); each is
 * reported as a warning code, so the anomaly counters still show it.
 */
import { isUtf8 } from "node:buffer";
import type { MgcpErrorCode, MgcpWarningCode } from "../errors.js";
import type { MgcpMessage } from "./types.js";

export interface MgcpParseResult {
  readonly messages: MgcpMessage[];
  readonly errors: MgcpErrorCode[];
  /** Odd input in messages that were kept: one code per cut line, one per datagram with NULs. */
  readonly warnings: MgcpWarningCode[];
}

/** Limits that keep garbage from costing more than a real message would. */
const MAX_LINE_LENGTH = 4096;
const MAX_PARAMETER_LINES = 256;

const RESPONSE_CODE = /^\d{3}$/;
const TRANSACTION_ID = /^\d{1,9}$/;
/** Four-letter verbs, plus Wireshark's rule that extension verbs are `X` and three more. */
const VERB = /^[A-Za-z][A-Za-z0-9]{3}$/;
const PROTOCOL = /^(MGCP|SGCP)$/i;
const VERSION_NUMBER = /^\d+\.\d+$/;
const PARAMETER_CODE = /^[A-Za-z0-9][A-Za-z0-9+\-/]{0,15}$/;
const WSP = /[ \t]+/;
const EOL = /\r\n|\n|\r/;

export function parseMgcp(payload: Uint8Array): MgcpParseResult {
  const text = decodeText(payload);
  if (text === null) return { messages: [], errors: ["mgcp-not-text"], warnings: [] };

  const messages: MgcpMessage[] = [];
  const errors: MgcpErrorCode[] = [];
  const warnings: MgcpWarningCode[] = [];
  for (const section of splitPiggybacked(text.split(EOL))) {
    const result = parseSection(section);
    if (typeof result === "string") errors.push(result);
    else {
      messages.push(result.message);
      if (result.badParameterLines > 0) errors.push("mgcp-bad-parameter");
      for (let i = 0; i < result.cutLines; i++) warnings.push("mgcp-line-cut");
    }
  }
  if (messages.length === 0 && errors.length === 0) errors.push("mgcp-bad-start-line");
  if (messages.length > 0 && text.includes("\0")) warnings.push("mgcp-nul-in-text");
  return { messages, errors, warnings };
}

/**
 * UTF-8 when the bytes are valid UTF-8 (names like "Müller"), otherwise Latin-1. Null for
 * binary data (RTP on a shared port): it does not start with a verb or a response code, or has
 * a NUL in its first line. A NUL further on is odd text in a message, not binary.
 */
function decodeText(payload: Uint8Array): string | null {
  if (payload.length === 0) return null;
  const first = payload[0] ?? 0;
  const startsLikeText =
    (first >= 0x30 && first <= 0x39) || ((first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a);
  if (!startsLikeText) return null;
  const nul = payload.indexOf(0);
  if (nul !== -1 && !payload.subarray(0, nul).some((b) => b === 0x0a || b === 0x0d)) return null;
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return isUtf8(buffer) ? buffer.toString("utf8") : buffer.toString("latin1");
}

function* splitPiggybacked(lines: string[]): Generator<string[]> {
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || lines[i] === ".") {
      const section = lines.slice(start, i);
      // Blank lines around the "." separator belong to no message.
      while (section.length > 0 && section[0]?.trim() === "") section.shift();
      if (section.length > 0) yield section;
      start = i + 1;
    }
  }
}

interface ParsedSection {
  message: MgcpMessage;
  badParameterLines: number;
  cutLines: number;
}

function parseSection(lines: string[]): ParsedSection | MgcpErrorCode {
  const startLine = lines[0] ?? "";
  if (startLine.length > MAX_LINE_LENGTH) return "mgcp-too-long";
  const tokens = startLine.trim().split(WSP);

  const params = new Map<string, string[]>();
  let badParameterLines = 0;
  let sdp: string | null = null;
  let parameterLines = 0;
  let cutLines = 0;
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i] ?? "";
    if (line === "") {
      const rest = lines.slice(i + 1);
      while (rest.length > 0 && rest[rest.length - 1] === "") rest.pop();
      if (rest.length > 0) sdp = rest.join("\n");
      break;
    }
    if (++parameterLines > MAX_PARAMETER_LINES) return "mgcp-too-long";
    if (line.length > MAX_LINE_LENGTH) {
      line = cutMiddle(line, MAX_LINE_LENGTH);
      cutLines++;
    }
    const colon = line.indexOf(":");
    const code = colon > 0 ? line.slice(0, colon).trim() : "";
    if (!PARAMETER_CODE.test(code)) {
      badParameterLines++;
      continue;
    }
    const key = code.toUpperCase();
    const value = line.slice(colon + 1).trim();
    const values = params.get(key);
    if (values) values.push(value);
    else params.set(key, [value]);
  }

  const [first = "", transactionId = ""] = tokens;
  if (!TRANSACTION_ID.test(transactionId)) return "mgcp-bad-start-line";
  if (RESPONSE_CODE.test(first)) {
    const afterId = startLine.trim().slice(first.length).trimStart().slice(transactionId.length);
    const message: MgcpMessage = {
      kind: "response",
      code: Number(first),
      transactionId,
      commentary: afterId.trim(),
      params,
      sdp,
    };
    return { message, badParameterLines, cutLines };
  }

  const [, , endpoint = "", protocol = "", versionNumber = "", ...profile] = tokens;
  const isCommand =
    VERB.test(first) &&
    endpoint !== "" &&
    PROTOCOL.test(protocol) &&
    VERSION_NUMBER.test(versionNumber);
  if (!isCommand) return "mgcp-bad-start-line";
  const message: MgcpMessage = {
    kind: "command",
    verb: first.toUpperCase(),
    transactionId,
    endpoint,
    version: [protocol.toUpperCase(), versionNumber, ...profile].join(" "),
    params,
    sdp,
  };
  return { message, badParameterLines, cutLines };
}

/**
 * The first and last `keep / 2` characters of an overlong line: its code and the end of its
 * value (a closing quote or parenthesis, the parameters after a name) stay. Never splits a
 * surrogate pair.
 */
function cutMiddle(line: string, keep: number): string {
  let headEnd = keep >> 1;
  let tailStart = line.length - (keep >> 1);
  if (isLowSurrogate(line.charCodeAt(headEnd))) headEnd--;
  if (isLowSurrogate(line.charCodeAt(tailStart))) tailStart++;
  return line.slice(0, headEnd) + line.slice(tailStart);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
