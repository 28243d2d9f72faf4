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
 * section that does not.
 */
import { isUtf8 } from "node:buffer";
import type { MgcpErrorCode } from "../errors.js";
import type { MgcpMessage } from "./types.js";

export interface MgcpParseResult {
  readonly messages: MgcpMessage[];
  readonly errors: MgcpErrorCode[];
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
  if (text === null) return { messages: [], errors: ["mgcp-not-text"] };

  const messages: MgcpMessage[] = [];
  const errors: MgcpErrorCode[] = [];
  for (const section of splitPiggybacked(text.split(EOL))) {
    const result = parseSection(section);
    if (typeof result === "string") errors.push(result);
    else {
      messages.push(result.message);
      if (result.badParameterLines > 0) errors.push("mgcp-bad-parameter");
    }
  }
  if (messages.length === 0 && errors.length === 0) errors.push("mgcp-bad-start-line");
  return { messages, errors };
}

/** UTF-8 when the bytes are valid UTF-8 (names like "Müller"), otherwise Latin-1. */
function decodeText(payload: Uint8Array): string | null {
  if (payload.length === 0) return null;
  const first = payload[0] ?? 0;
  // A message starts with a verb or a response code; binary data (RTP on a shared port) does not.
  const startsLikeText =
    (first >= 0x30 && first <= 0x39) || ((first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a);
  if (!startsLikeText || payload.includes(0)) return null;
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
}

function parseSection(lines: string[]): ParsedSection | MgcpErrorCode {
  const startLine = lines[0] ?? "";
  if (startLine.length > MAX_LINE_LENGTH) return "mgcp-too-long";
  const tokens = startLine.trim().split(WSP);

  const params = new Map<string, string[]>();
  let badParameterLines = 0;
  let sdp: string | null = null;
  let parameterLines = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") {
      const rest = lines.slice(i + 1);
      while (rest.length > 0 && rest[rest.length - 1] === "") rest.pop();
      if (rest.length > 0) sdp = rest.join("\n");
      break;
    }
    if (++parameterLines > MAX_PARAMETER_LINES || line.length > MAX_LINE_LENGTH) {
      return "mgcp-too-long";
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
    return { message, badParameterLines };
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
  return { message, badParameterLines };
}
