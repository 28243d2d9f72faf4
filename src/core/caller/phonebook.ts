/**
 * The household's own phonebook, asked before any online directory: numbers from the add-on
 * options and from files (the seed's tab-separated text, CSV exports, vCard address books),
 * each number under normalizeNumber's key, so that `+41 44 123 45 67` in a vCard answers a
 * call delivered as `441234567` (peers.md §5.1). Parsing is pure and never throws: whatever
 * is wrong is reported with its source and line, and the rest still loads.
 */
import type { CountryCode } from "./numbers.js";
import { classifyHeader, csvDelimiter, parseCsvPhonebook } from "./phonebookCsv.js";
import {
  type ParsedPhonebook,
  PhonebookCollector,
  type PhonebookEntry,
} from "./phonebookEntries.js";
import { LINE_BREAK, parseTsvPhonebook } from "./phonebookTsv.js";
import { parseVcardPhonebook } from "./phonebookVcard.js";

export type { ParsedPhonebook, PhonebookEntry, PhonebookProblem } from "./phonebookEntries.js";

export type PhonebookFormat = "tsv" | "csv" | "vcard";

const FORMAT_BY_EXTENSION: Readonly<Record<string, PhonebookFormat>> = {
  txt: "tsv",
  tsv: "tsv",
  csv: "csv",
  vcf: "vcard",
  vcard: "vcard",
};

/**
 * By the file name's extension, else by content: a vCard begins with BEGIN:VCARD; a CSV has
 * a header row naming a number or name column between commas or semicolons; anything else is
 * read as the seed's tab-separated text, whose problems then say what a line should look like.
 */
export function detectPhonebookFormat(path: string, text: string): PhonebookFormat {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  const byName = extension === undefined ? undefined : FORMAT_BY_EXTENSION[extension];
  if (byName !== undefined) return byName;
  const first = text
    .replace(/^\uFEFF/, "")
    .split(LINE_BREAK, 200)
    .find((line) => line.trim() !== "");
  if (first === undefined) return "tsv";
  if (/^\s*BEGIN:VCARD\s*$/i.test(first)) return "vcard";
  if (/[,;]/.test(first) && !first.includes("\t")) {
    const cells = first.split(csvDelimiter(first)).map((cell) => cell.replace(/"/g, ""));
    if (cells.some((cell) => classifyHeader(cell) !== null)) return "csv";
  }
  return "tsv";
}

export function parsePhonebook(
  text: string,
  source: string,
  format: PhonebookFormat,
  country: CountryCode,
): ParsedPhonebook {
  switch (format) {
    case "tsv":
      return parseTsvPhonebook(text, source, country);
    case "csv":
      return parseCsvPhonebook(text, source, country);
    case "vcard":
      return parseVcardPhonebook(text, source, country);
  }
}

/**
 * The `phonebook` entries of the add-on options, judged by the same rules as a file's lines
 * (number "P" is the text for anonymous calls); source "options", no line numbers.
 */
export function phonebookFromOptions(
  entries: readonly { number: string; name: string }[],
  country: CountryCode,
): ParsedPhonebook {
  const collector = new PhonebookCollector("options", country);
  entries.forEach((entry, index) => {
    collector.add(String(entry.number ?? ""), String(entry.name ?? ""), null, `entry ${index + 1}`);
  });
  return collector.result();
}

export class Phonebook {
  static readonly empty = new Phonebook(new Map(), null);

  readonly #byKey: ReadonlyMap<string, PhonebookEntry>;
  readonly #anonymousName: string | null;

  private constructor(byKey: ReadonlyMap<string, PhonebookEntry>, anonymousName: string | null) {
    this.#byKey = byKey;
    this.#anonymousName = anonymousName;
  }

  /**
   * Merges parts in order, and a later part wins a number both have, as does a later "P"
   * text. Callers pass the add-on options first and then the files in their configured order,
   * so a file overrides an option entry and a later file an earlier one.
   */
  static build(parts: readonly Pick<ParsedPhonebook, "entries" | "anonymousName">[]): Phonebook {
    const byKey = new Map<string, PhonebookEntry>();
    let anonymousName: string | null = null;
    for (const part of parts) {
      for (const entry of part.entries) byKey.set(entry.key, entry);
      if (part.anonymousName !== null) anonymousName = part.anonymousName;
    }
    return new Phonebook(byKey, anonymousName);
  }

  /** The entry for a normalizeNumber key. */
  lookup(key: string): PhonebookEntry | undefined {
    return this.#byKey.get(key);
  }

  /** The text for anonymous calls: the last "P" entry, or null. */
  get anonymousName(): string | null {
    return this.#anonymousName;
  }

  get size(): number {
    return this.#byKey.size;
  }
}
