/**
 * The phonebook as the panel shows and exports it, and an import's preview. Pure.
 *
 * - Listing: the household's own entries (editable) first, then the options' and the files'
 *   (read-only), each with its source; an entry whose number the household's own phonebook
 *   also has is marked `overridden` (the household's name is the one announced).
 * - Export: vCard 3.0 (RFC 2426, text escaped as §5 says except `;` in FN: see toVcard) and
 *   CSV (RFC 4180, header `Name,Number`, which the phonebook's own CSV reader recognises).
 * - Import: the phonebook parsers of src/core/caller (vCard, CSV, TSV, chosen by the file name
 *   and the first line); their problems name the line.
 */
import { type CountryCode, normalizeNumber } from "../../core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  type PhonebookEntry,
  parsePhonebook,
} from "../../core/caller/phonebook.js";
import type { HouseholdEntry } from "../../io/householdPhonebook.js";

export interface ListedEntry {
  readonly id: string;
  readonly number: string;
  readonly number_display: string;
  readonly name: string;
  readonly source: "household" | "options" | "file";
  readonly file: string | null;
  readonly editable: boolean;
  readonly overridden: boolean;
}

export function displayNumber(number: string, country: CountryCode): string {
  const normalized = normalizeNumber(number, country);
  return normalized.kind === "number" ? normalized.display : number;
}

/**
 * One collator for every comparison (localeCompare builds one per call), made when the panel
 * first sorts: making it pages in 3 MB of ICU's collation data, which a daemon whose panel is
 * never opened does not need.
 */
let collator: Intl.Collator | null = null;
function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  collator ??= new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  return collator.compare(a.name, b.name);
}

/** Listed at most (of the options' and files' entries) unless asked for fewer. */
export const DEFAULT_LIST_LIMIT = 1000;
/** Exports are sorted by name up to this size; a bigger book keeps its own order. */
const SORT_EXPORT_UP_TO = 10_000;

export interface PhonebookListing {
  readonly entries: ListedEntry[];
  /** Every entry that matches, the ones not listed included. */
  readonly total: number;
  /** Some of the options' and files' entries were left out: search to narrow them down. */
  readonly truncated: boolean;
}

/** Whether an entry matches a search: part of the name (any case), or digits of its number. */
function matcher(q: string): (name: string, number: string, key: string) => boolean {
  const text = q.trim().toLowerCase();
  if (text === "") return () => true;
  const digits = /^[\d\s+\-/().]+$/.test(text) ? text.replace(/\D/g, "") : "";
  return (name, number, key) =>
    name.toLowerCase().includes(text) ||
    (digits !== "" && (key.includes(digits) || number.replace(/\D/g, "").includes(digits)));
}

/**
 * What the household sees: its own entries first (all of them), then up to `limit` of the
 * options' and files' by name. The numbers are formatted for the listed entries only: a
 * phonebook file of 100,000 numbers would take seconds of the event loop (calls wait on it).
 */
export function listPhonebook(
  household: readonly HouseholdEntry[],
  others: Iterable<PhonebookEntry>,
  country: CountryCode,
  options: { q?: string; limit?: number } = {},
): PhonebookListing {
  const matches = matcher(options.q ?? "");
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  const own = new Set(household.map((e) => e.key));
  const listed: ListedEntry[] = household
    .filter((e) => matches(e.name, e.number, e.key))
    .map((e) => ({
      id: e.id,
      number: e.number,
      number_display: displayNumber(e.number, country),
      name: e.name,
      source: "household",
      file: null,
      editable: true,
      overridden: false,
    }));
  const kept: PhonebookEntry[] = [];
  let found = 0;
  for (const e of others) {
    if (!matches(e.name, e.number, e.key)) continue;
    found += 1;
    if (kept.length < limit) kept.push(e);
  }
  kept.sort(byName);
  for (const e of kept) {
    const fromOptions = e.source === "options";
    listed.push({
      id: `${fromOptions ? "options" : "file"}:${e.key}`,
      number: e.number,
      number_display: displayNumber(e.number, country),
      name: e.name,
      source: fromOptions ? "options" : "file",
      file: fromOptions ? null : e.source,
      editable: false,
      overridden: own.has(e.key),
    });
  }
  return { entries: listed, total: listed.length - kept.length + found, truncated: found > limit };
}

/** A name and number as exported. */
export interface ExportedEntry {
  readonly name: string;
  /** E.164 when the number is valid (the lookup key), else as written. */
  readonly number: string;
}

/**
 * Every number the household's calls are named from, once, with the name announced for it:
 * its own entries, then the options' and files' it does not override.
 */
export function exportEntries(
  household: readonly HouseholdEntry[],
  others: Iterable<PhonebookEntry>,
): ExportedEntry[] {
  const own = new Set(household.map((e) => e.key));
  const number = (e: { key: string; number: string }) => (e.key.startsWith("+") ? e.key : e.number);
  const rest: ExportedEntry[] = [];
  for (const e of others) if (!own.has(e.key)) rest.push({ name: e.name, number: number(e) });
  if (rest.length <= SORT_EXPORT_UP_TO) rest.sort(byName);
  return [...household.map((e) => ({ name: e.name, number: number(e) })), ...rest];
}

/** A text value; `;` too in a structured value (N), where it separates the components. */
function vcardText(text: string, structured = false): string {
  const special = structured ? /[\\,;]/g : /[\\,]/g;
  return text.replace(special, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");
}

export function toVcard(entries: readonly ExportedEntry[]): string {
  return entries
    .map((e) =>
      [
        "BEGIN:VCARD",
        "VERSION:3.0",
        // FN is one text: its ";" is left as it is, since readers (ical.js among them, so the
        // import here) keep "\;" there as two characters.
        `FN:${vcardText(e.name)}`,
        `N:${vcardText(e.name, true)};;;;`,
        `TEL;TYPE=VOICE:${vcardText(e.number)}`,
        "END:VCARD",
      ].join("\r\n"),
    )
    .map((card) => `${card}\r\n`)
    .join("");
}

/** A cell as RFC 4180 quotes it; a name a spreadsheet would run as a formula gets a `'`. */
function csvCell(text: string, isName: boolean): string {
  const safe = isName && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(entries: readonly ExportedEntry[]): string {
  const rows = entries.map((e) => `${csvCell(e.name, true)},${csvCell(e.number, false)}`);
  return ["Name,Number", ...rows].map((row) => `${row}\r\n`).join("");
}

export interface ImportPreview {
  /** The first PREVIEW_SHOWN entries, with their numbers formatted. */
  readonly entries: { number: string; number_display: string; name: string }[];
  /** How many entries the file has in all. */
  readonly total: number;
  readonly problems: { line: number | null; message: string }[];
}

/** Entries listed in a preview; a bigger file is counted, and imported whole. */
const PREVIEW_SHOWN = 1000;

/** The file's name says its format; problems name it without any folder. */
export function importName(filename: string): string {
  return (filename.split(/[\\/]/).pop() ?? "").slice(0, 100) || "import";
}

/** What a parsed file would add, and what is wrong with its other lines. */
export function importPreview(
  parsed: ParsedPhonebook,
  name: string,
  country: CountryCode,
): ImportPreview {
  const problems = parsed.problems.map((p) => ({ line: p.line, message: p.message }));
  if (parsed.anonymousName !== null) {
    problems.push({
      line: null,
      message: `${name}: the text for withheld numbers ("P") is not imported; set it in a phonebook file`,
    });
  }
  return {
    entries: parsed.entries.slice(0, PREVIEW_SHOWN).map((e) => ({
      number: e.number,
      number_display: displayNumber(e.number, country),
      name: e.name,
    })),
    total: parsed.entries.length,
    problems,
  };
}

/** The preview of a whole text at once (tests; the server parses in slices). */
export function previewImport(filename: string, text: string, country: CountryCode): ImportPreview {
  const name = importName(filename);
  const parsed = parsePhonebook(text, name, detectPhonebookFormat(name, text), country);
  return importPreview(parsed, name, country);
}
