/**
 * The file formats of a nuisance list, each read into number/label pairs:
 *
 *   TSV (like the phonebook's):   0906*<TAB>Mehrwertdienst      a number alone is fine too
 *   CSV with a header row:        Nummer;Firma                  the phonebook's column names
 *                                 +41 44 555 12 12;Lotto Versand
 *   callblocker's JSON list (what its K-Tipp import writes; RFC 8259 text):
 *     {"name": "ktipp.ch blocklist", …, "entries": [
 *       {"number": "+41445551212", "name": "Lotto Versand", "date_created": "…", …}, …]}
 *
 * TSV and CSV go through the phonebook's readers with the nuisance collector, so a problem is
 * worded the same in both lists. A good JSON list is read by the native parser; one with a
 * problem again with jsonc-parser, which keeps each value's place in the text: a bad entry is
 * reported with its line, and the others still load.
 */
import {
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { CountryCode } from "../caller/numbers.js";
import { detectPhonebookFormat, type PieceReader } from "../caller/phonebook.js";
import { csvReader } from "../caller/phonebookCsv.js";
import { quoted } from "../caller/phonebookEntries.js";
import { finishSteps } from "../caller/phonebookLines.js";
import { tsvReader } from "../caller/phonebookTsv.js";
import { NuisanceCollector, type ParsedNuisanceList } from "./nuisanceEntries.js";

export type NuisanceFormat = "tsv" | "csv" | "json";

/** By the extension (`.json`, `.csv`, `.tsv`, `.txt`), else by content, as for phonebooks. */
export function detectNuisanceFormat(path: string, text: string): NuisanceFormat | "vcard" {
  if (/\.json$/i.test(path)) return "json";
  // A name that says what the file is wins over its content, as for phonebooks.
  const named = /\.(txt|tsv|csv|vcf|vcard)$/i.test(path);
  if (!named && /^\uFEFF?\s*[[{]/.test(text)) return "json";
  return detectPhonebookFormat(path, text);
}

/** Reads a text in pieces, as the file edge hands them over. */
export function nuisanceReader(
  source: string,
  format: NuisanceFormat,
  country: CountryCode,
): PieceReader<ParsedNuisanceList> {
  const collector = new NuisanceCollector(source, country);
  switch (format) {
    case "tsv":
      return tsvReader(collector, { shape: "number<TAB>label", numberAlone: true });
    case "csv":
      return csvReader(collector);
    case "json": {
      // A JSON text means something only whole; the file edge caps its size.
      const pieces: string[] = [];
      const endInSteps = function* () {
        const text = pieces.join("").replace(/^\uFEFF/, "");
        const quick = yield* readJsonQuickly(text, new NuisanceCollector(source, country));
        if (quick !== null) return quick;
        yield* readJsonWithLines(text, collector);
        return collector.result();
      };
      return {
        push: (piece) => void pieces.push(piece),
        endInSteps,
        end: () => finishSteps(endInSteps()),
      };
    }
  }
}

export function parseNuisanceList(
  text: string,
  source: string,
  format: NuisanceFormat,
  country: CountryCode,
): ParsedNuisanceList {
  const reader = nuisanceReader(source, format, country);
  reader.push(text);
  return reader.end();
}

/** At most this many syntax errors are named; the rest of the text is still read. */
const MAX_SYNTAX_ERRORS = 3;

/** Entries judged between two steps: a step is a few milliseconds (libphonenumber's parse). */
const ENTRIES_PER_STEP = 50;

/**
 * The usual case, a good list, through the native JSON.parse (jsonc-parser's tree of a K-Tipp
 * list of 20,000 entries takes 0.3–1 s in one go, the native parse a few ms); its entries carry
 * no line. Null when the text or an entry has a problem: then the lines are needed, to say it.
 */
function* readJsonQuickly(
  text: string,
  trial: NuisanceCollector,
): Generator<void, ParsedNuisanceList | null, void> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const list = Array.isArray(value) ? value : (value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) return null;
  for (let index = 0; index < list.length; index += 1) {
    if (index % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    const entry = list[index] as { number?: unknown; name?: unknown } | null;
    if (typeof entry?.number !== "string") return null;
    const label = typeof entry.name === "string" ? entry.name : "";
    if (!trial.add(entry.number, label, null, "")) return null;
  }
  const result = trial.result();
  return result.problems.length === 0 ? result : null;
}

/** Every entry with its line (jsonc-parser keeps each value's place), bad ones reported. */
function* readJsonWithLines(text: string, collector: NuisanceCollector): Generator<void> {
  const lineOf = lineFinder(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  for (const error of errors.slice(0, MAX_SYNTAX_ERRORS)) {
    collector.problem(lineOf(error.offset), `not valid JSON: ${printParseErrorCode(error.error)}`);
  }
  const list = root?.type === "array" ? root : entriesOf(root);
  if (list === undefined) {
    if (errors.length === 0) {
      collector.problem(
        null,
        `expected callblocker's list {"entries": [{"number": …, "name": …}, …]}`,
      );
    }
    return;
  }
  let inStep = 0;
  for (const node of list.children ?? []) {
    inStep += 1;
    if (inStep % ENTRIES_PER_STEP === 0) yield;
    const line = lineOf(node.offset);
    const context = () => quoted(text.slice(node.offset, node.offset + node.length));
    const value = node.type === "object" ? (getNodeValue(node) as Record<string, unknown>) : null;
    if (value === null || typeof value.number !== "string") {
      collector.problem(line, `expected {"number": "…", "name": "…"}, found ${context()}`);
      continue;
    }
    const label = typeof value.name === "string" ? value.name : "";
    collector.add(value.number, label, line, context);
  }
}

function entriesOf(root: Node | undefined): Node | undefined {
  if (root?.type !== "object") return undefined;
  const property = root.children?.find((child) => child.children?.[0]?.value === "entries");
  const list = property?.children?.[1];
  return list?.type === "array" ? list : undefined;
}

/** The 1-based line of an offset in `text`. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}
