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

/** Every entry the household sees: its own first, then the others by name. */
export function listPhonebook(
  household: readonly HouseholdEntry[],
  others: Iterable<PhonebookEntry>,
  country: CountryCode,
): ListedEntry[] {
  const own = new Set(household.map((e) => e.key));
  const listed: ListedEntry[] = household.map((e) => ({
    id: e.id,
    number: e.number,
    number_display: displayNumber(e.number, country),
    name: e.name,
    source: "household",
    file: null,
    editable: true,
    overridden: false,
  }));
  const rest: ListedEntry[] = [];
  for (const e of others) {
    const fromOptions = e.source === "options";
    rest.push({
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
  rest.sort((a, b) => a.name.localeCompare(b.name));
  return [...listed, ...rest];
}

/** What an export writes for a number: E.164 when it is valid, else as written. */
function exportNumber(entry: ListedEntry, country: CountryCode): string {
  const normalized = normalizeNumber(entry.number, country);
  return normalized.kind === "number" && normalized.e164 ? normalized.e164 : entry.number;
}

/** The entries announced: an overridden one is left out (its number is exported once). */
function exported(entries: readonly ListedEntry[]): ListedEntry[] {
  return entries.filter((e) => !e.overridden);
}

/** A text value; `;` too in a structured value (N), where it separates the components. */
function vcardText(text: string, structured = false): string {
  const special = structured ? /[\\,;]/g : /[\\,]/g;
  return text.replace(special, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");
}

export function toVcard(entries: readonly ListedEntry[], country: CountryCode): string {
  return exported(entries)
    .map((e) =>
      [
        "BEGIN:VCARD",
        "VERSION:3.0",
        // FN is one text: its ";" is left as it is, since readers (ical.js among them, so the
        // import here) keep "\;" there as two characters.
        `FN:${vcardText(e.name)}`,
        `N:${vcardText(e.name, true)};;;;`,
        `TEL;TYPE=VOICE:${vcardText(exportNumber(e, country))}`,
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

export function toCsv(entries: readonly ListedEntry[], country: CountryCode): string {
  const rows = exported(entries).map(
    (e) => `${csvCell(e.name, true)},${csvCell(exportNumber(e, country), false)}`,
  );
  return ["Name,Number", ...rows].map((row) => `${row}\r\n`).join("");
}

export interface ImportPreview {
  readonly entries: { number: string; number_display: string; name: string }[];
  readonly problems: { line: number | null; message: string }[];
}

/** The entries a file would add, and what is wrong with its other lines. */
export function previewImport(filename: string, text: string, country: CountryCode): ImportPreview {
  // The file's name only says its format; problems name it without any folder.
  const name = (filename.split(/[\\/]/).pop() ?? "").slice(0, 100) || "import";
  const parsed = parsePhonebook(text, name, detectPhonebookFormat(name, text), country);
  const problems = parsed.problems.map((p) => ({ line: p.line, message: p.message }));
  if (parsed.anonymousName !== null) {
    problems.push({
      line: null,
      message: `${name}: the text for withheld numbers ("P") is not imported; set it in a phonebook file`,
    });
  }
  return {
    entries: parsed.entries.map((e) => ({
      number: e.number,
      number_display: displayNumber(e.number, country),
      name: e.name,
    })),
    problems,
  };
}
