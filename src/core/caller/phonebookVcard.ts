/**
 * Address-book exports as vCard: 3.0 (RFC 2426) from most phones and mail programs, 4.0
 * (RFC 6350) from newer ones, several contacts a file, several numbers a contact:
 *
 *   BEGIN:VCARD
 *   VERSION:3.0
 *   FN:Muster\, Hans                          escaped comma (RFC 2426 §4, RFC 6350 §3.4)
 *   N:Muster;Hans;;;                          Family;Given;Additional;Prefix;Suffix
 *   ORG:Muster AG;Verkauf
 *   TEL;TYPE=WORK,VOICE:+41 44 123 45 67
 *   item1.TEL;TYPE=CELL:079 123               a group prefix (Apple), and a folded line:
 *    45 67                                    CRLF + one space is removed (RFC 6350 §3.2)
 *   END:VCARD
 *   BEGIN:VCARD
 *   VERSION:4.0
 *   FN:Anna Beispiel
 *   TEL;VALUE=uri;TYPE="voice,home":tel:+41-44-123-45-67;ext=12     a tel: URI (RFC 3966)
 *   END:VCARD
 *
 * ical.js reads each card's properties; this file splits the file into cards first, so that a
 * broken card loses only itself (and a broken line only itself) and every problem has a line.
 * The name is FN, else N as "Given Family", else the first ORG component. Android and old
 * Nokia exports are vCard 2.1 (versit, no RFC): bare parameters (`TEL;CELL:`) and
 * QUOTED-PRINTABLE values are rewritten into 3.0 form before ical.js sees them.
 */
import { createRequire } from "node:module";
import type ICALModule from "ical.js";
import type { CountryCode } from "./numbers.js";
import { type ParsedPhonebook, PhonebookCollector, quoted } from "./phonebookEntries.js";
import { LineSplitter, type PieceReader } from "./phonebookLines.js";

interface ContentLine {
  text: string;
  /** The physical line it starts on. */
  line: number;
}

interface Card {
  start: number;
  lines: ContentLine[];
}

const BEGIN = /^BEGIN:VCARD\s*$/i;
const END = /^END:VCARD\s*$/i;
const TEL_LINE = /^(?:[A-Za-z0-9-]+\.)?TEL(?=[;:])/i;

/** A vCard address book read in pieces: each card is read as soon as its END:VCARD arrives. */
export function vcardPhonebookReader(
  source: string,
  country: CountryCode,
): PieceReader<ParsedPhonebook> {
  const collector = new PhonebookCollector(source, country);
  let card: Card | null = null;
  let strayReported = false;
  const lines = new LineSplitter((raw, line) => {
    if (BEGIN.test(raw)) {
      if (card !== null) {
        collector.problem(card.start, "this vCard has no END:VCARD before the next one; skipped");
      }
      card = { start: line, lines: [] };
      strayReported = false;
    } else if (END.test(raw)) {
      if (card === null) collector.problem(line, "END:VCARD without BEGIN:VCARD");
      else readCard(card, collector);
      card = null;
    } else if (card !== null) {
      card.lines.push({ text: raw, line });
    } else if (raw.trim() !== "" && !strayReported) {
      collector.problem(line, `text outside BEGIN:VCARD … END:VCARD ignored: ${quoted(raw)}`);
      strayReported = true; // once per run of stray lines, not once per line
    }
  });
  return {
    push: (piece) => lines.push(piece),
    end: () => {
      lines.end();
      const unfinished = card as Card | null;
      if (unfinished !== null) {
        collector.problem(unfinished.start, "this vCard has no END:VCARD; skipped");
      }
      return collector.result();
    },
  };
}

function isQuotedPrintable(line: string): boolean {
  const colon = line.indexOf(":");
  return colon > 0 && /QUOTED-PRINTABLE/i.test(line.slice(0, colon));
}

/** Unfolds continuation lines (RFC 6350 §3.2) and 2.1 quoted-printable soft breaks ("=" at end). */
function contentLines(physical: readonly ContentLine[]): ContentLine[] {
  const lines: ContentLine[] = [];
  for (const { text, line } of physical) {
    const previous = lines[lines.length - 1];
    if (previous !== undefined && /^[ \t]/.test(text)) {
      previous.text += text.slice(1);
    } else if (previous?.text.endsWith("=") && isQuotedPrintable(previous.text)) {
      previous.text = previous.text.slice(0, -1) + text;
    } else if (text.trim() !== "") {
      lines.push({ text: text.trimStart(), line });
    }
  }
  return lines;
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i += 1) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      const char = String.fromCodePoint(value.codePointAt(i) ?? 0xfffd);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  // A decoded line break would end the content line; 3.0 writes it as "\n".
  return decoderFor(charset)
    .decode(new Uint8Array(bytes))
    .replace(/\r\n|\r|\n/g, "\\n");
}

function decoderFor(charset: string) {
  try {
    return new TextDecoder(charset);
  } catch {
    return new TextDecoder("utf-8"); // an unknown CHARSET label
  }
}

/** `TEL;CELL;ENCODING=QUOTED-PRINTABLE:…` (2.1) → `TEL;TYPE=CELL:…` with the value decoded. */
function upgradeFrom21(text: string): string {
  const colon = text.indexOf(":");
  if (colon < 0) return text;
  const [name = "", ...params] = text.slice(0, colon).split(";");
  let value = text.slice(colon + 1);
  let quotedPrintable = false;
  let charset = "utf-8";
  const kept: string[] = [];
  for (const param of params) {
    const equals = param.indexOf("=");
    const key = (equals < 0 ? param : param.slice(0, equals)).toUpperCase();
    const paramValue = param.slice(equals + 1);
    if (
      key === "QUOTED-PRINTABLE" ||
      (key === "ENCODING" && /^quoted-printable$/i.test(paramValue))
    )
      quotedPrintable = true;
    else if (key === "CHARSET") charset = paramValue;
    else if (equals < 0 && param !== "") kept.push(`TYPE=${param}`);
    else if (param !== "") kept.push(param);
  }
  if (quotedPrintable) value = decodeQuotedPrintable(value, charset);
  return `${[name, ...kept].join(";")}:${value}`;
}

/**
 * ical.js, loaded at the first card: most households never read a vCard, and its source alone
 * takes half a megabyte of the daemon's heap (V8 keeps it as UTF-16 text).
 */
let ical: typeof ICALModule | null = null;

function parseCard(lines: readonly ContentLine[]): unknown {
  const body = lines.map((l) => l.text).join("\r\n");
  ical ??= createRequire(import.meta.url)("ical.js") as typeof ICALModule;
  return ical.parse(`BEGIN:VCARD\r\n${body}${body === "" ? "" : "\r\n"}END:VCARD\r\n`);
}

function errorText(error: unknown): string {
  return cleanMessage(error instanceof Error ? error.message : String(error));
}

function cleanMessage(message: string): string {
  return message.replace(/\s+/g, " ").slice(0, 100);
}

/** ical.js's jCard properties: [name, parameters, value type, value, …]. */
function properties(parsed: unknown): unknown[][] {
  const component = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  if (!Array.isArray(component) || !Array.isArray(component[1])) return [];
  return component[1].filter((p: unknown): p is unknown[] => Array.isArray(p));
}

/** A jCard value as text: structured and multiple values (arrays) joined by spaces. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value))
    return value
      .map(textOf)
      .filter((t) => t.trim() !== "")
      .join(" ");
  return "";
}

function contactName(props: readonly unknown[][]): string {
  const values = (name: string) =>
    props.filter((p) => String(p[0]).toLowerCase() === name).map((p) => p[3]);
  const fn = values("fn")
    .map(textOf)
    .find((t) => t.trim() !== "");
  if (fn !== undefined) return fn;
  for (const n of values("n")) {
    const joined = Array.isArray(n) ? [textOf(n[1]), textOf(n[0])].join(" ") : textOf(n);
    if (joined.trim() !== "") return joined;
  }
  for (const org of values("org")) {
    const first = Array.isArray(org) ? textOf(org[0]) : textOf(org);
    if (first.trim() !== "") return first;
  }
  return "";
}

/** The number in a TEL value: plain text (3.0) or a tel: URI (4.0, RFC 3966); null for sip: etc. */
function telNumber(value: string): string | null {
  const trimmed = value.trim();
  if (/^tel:/i.test(trimmed)) return trimmed.slice(4).split(";")[0] ?? "";
  return /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? null : trimmed;
}

function readCard(card: Card, collector: PhonebookCollector): void {
  let lines = contentLines(card.lines);
  if (lines.some((l) => /^VERSION:\s*2\.1\s*$/i.test(l.text))) {
    lines = lines.map((l) => ({ text: upgradeFrom21(l.text), line: l.line }));
  }
  let parsed: unknown;
  try {
    parsed = parseCard(lines);
  } catch {
    // Find the lines ical.js cannot read, report and drop them, and keep the rest of the card.
    lines = lines.filter((l) => {
      try {
        parseCard([l]);
        return true;
      } catch (error) {
        collector.problem(l.line, `cannot read ${quoted(l.text)} (${errorText(error)}); ignored`);
        return false;
      }
    });
    try {
      parsed = parseCard(lines);
    } catch (error) {
      collector.problem(card.start, `cannot read this vCard (${errorText(error)}); skipped`);
      return;
    }
  }
  const props = properties(parsed);
  const name = contactName(props);
  const tels = props.filter((p) => String(p[0]).toLowerCase() === "tel");
  const telLines = lines.filter((l) => TEL_LINE.test(l.text));
  // ical.js keeps the order of the properties, so the i-th TEL is the i-th TEL line.
  const lineOf = (i: number) =>
    (telLines.length === tels.length ? telLines[i] : undefined) ?? {
      text: `TEL of the vCard on line ${card.start}`,
      line: card.start,
    };
  tels.forEach((tel, i) => {
    const { text, line } = lineOf(i);
    const value = textOf(tel[3]);
    const number = telNumber(value);
    if (number === null) {
      collector.problem(line, `${quoted(value)} is not a telephone number, in ${quoted(text)}`);
    } else {
      collector.add(number, name, line, () => quoted(text));
    }
  });
}
