/**
 * The household's own phonebook, asked before any online directory: numbers from the add-on
 * options and from files (the seed's tab-separated text, CSV exports, vCard address books),
 * each number under normalizeNumber's key, so that `+41 44 123 45 67` in a vCard answers a
 * call delivered as `441234567` (peers.md §5.1). Parsing is pure and never throws: whatever
 * is wrong is reported with its source and line, and the rest still loads.
 */
import type { CountryCode } from "./numbers.js";
import { classifyHeader, csvDelimiter, csvPhonebookReader } from "./phonebookCsv.js";
import {
  type ParsedPhonebook,
  PhonebookCollector,
  type PhonebookEntry,
  ShardedMap,
} from "./phonebookEntries.js";
import { finishSteps, type PieceReader } from "./phonebookLines.js";
import { LINE_BREAK, tsvPhonebookReader } from "./phonebookTsv.js";
import { vcardPhonebookReader } from "./phonebookVcard.js";

export type { ParsedPhonebook, PhonebookEntry, PhonebookProblem } from "./phonebookEntries.js";
export type { PieceReader } from "./phonebookLines.js";

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
  const reader = phonebookReader(source, format, country);
  reader.push(text);
  return reader.end();
}

/**
 * The same parse for a text that arrives in pieces, split anywhere: the result is the one
 * parsePhonebook gives for the whole text, and the caller decides when to push the next
 * piece (the file edge yields to the event loop between pieces).
 */
export function phonebookReader(
  source: string,
  format: PhonebookFormat,
  country: CountryCode,
): PieceReader<ParsedPhonebook> {
  switch (format) {
    case "tsv":
      return tsvPhonebookReader(source, country);
    case "csv":
      return csvPhonebookReader(source, country);
    case "vcard":
      return vcardPhonebookReader(source, country);
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
  static readonly empty = new Phonebook(new ShardedMap(), null);

  readonly #byKey: ShardedMap<PhonebookEntry>;
  readonly #anonymousName: string | null;

  private constructor(byKey: ShardedMap<PhonebookEntry>, anonymousName: string | null) {
    this.#byKey = byKey;
    this.#anonymousName = anonymousName;
  }

  /**
   * Merges parts in order, and a later part wins a number both have, as does a later "P"
   * text. Callers pass the add-on options first and then the files in their configured order,
   * so a file overrides an option entry and a later file an earlier one.
   */
  static build(parts: readonly Pick<ParsedPhonebook, "entries" | "anonymousName">[]): Phonebook {
    return finishSteps(Phonebook.buildInSteps(parts, Number.POSITIVE_INFINITY));
  }

  /**
   * build() a step at a time: each `next()` merges at most `entriesPerStep` entries, so that
   * the file edge can let other work run between steps while a large book is merged.
   */
  static *buildInSteps(
    parts: readonly Pick<ParsedPhonebook, "entries" | "anonymousName">[],
    entriesPerStep: number,
  ): Generator<void, Phonebook, void> {
    const byKey = new ShardedMap<PhonebookEntry>();
    let anonymousName: string | null = null;
    let inStep = 0;
    for (const part of parts) {
      for (const entry of part.entries) {
        byKey.set(entry.key, entry);
        inStep += 1;
        if (inStep >= entriesPerStep) {
          inStep = 0;
          yield;
        }
      }
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

  /** Every entry once (the one that won its number), in no particular order. */
  entries(): IterableIterator<PhonebookEntry> {
    return this.#byKey.values();
  }
}
