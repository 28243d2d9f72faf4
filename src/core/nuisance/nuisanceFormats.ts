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
 * worded the same in both lists. The JSON is read with jsonc-parser, which keeps each value's
 * place in the text: a bad entry is reported with its line, and the others still load.
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
      return {
        push: (piece) => void pieces.push(piece),
        end: () => {
          readCallblockerJson(pieces.join("").replace(/^\uFEFF/, ""), collector);
          return collector.result();
        },
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

function readCallblockerJson(text: string, collector: NuisanceCollector): void {
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
  for (const node of list.children ?? []) {
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
