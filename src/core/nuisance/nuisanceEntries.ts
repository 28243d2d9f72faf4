/**
 * What every nuisance list turns into — the options' `directory.nuisance` and `allow`, each
 * nuisance file — and the one place where an entry is judged: its number read as a number or
 * a prefix (numberPattern.ts), its label cleaned like a caller's name, bad entries reported
 * with their source and line while the rest loads. The file formats (TSV, CSV, callblocker's
 * JSON) only find number/label pairs, with the phonebook's readers.
 */
import type { CountryCode } from "../caller/numbers.js";
import {
  EntryCollector,
  MAX_NAME_LENGTH,
  type PhonebookProblem,
} from "../caller/phonebookEntries.js";
import { cleanText } from "../text/cleanText.js";
import { type NumberPattern, parseNumberPattern } from "./numberPattern.js";

export interface NuisanceEntry extends NumberPattern {
  /** The list's label ("Lotto Versand"), cleaned; null when it gave none. */
  readonly label: string | null;
  /** The number as written in the list. */
  readonly number: string;
  /** "options" or the file's path. */
  readonly source: string;
  /** The entry's line in its file; null in the options. */
  readonly line: number | null;
}

export interface ParsedNuisanceList {
  readonly entries: NuisanceEntry[];
  readonly problems: PhonebookProblem[];
}

/** A list's label, cleaned as a caller's name is; null when nothing is left of it. */
export function cleanLabel(label: string | null | undefined): string | null {
  const cleaned = cleanText(label ?? "", MAX_NAME_LENGTH);
  return cleaned === "" ? null : cleaned;
}

export class NuisanceCollector extends EntryCollector<ParsedNuisanceList> {
  readonly #entries: NuisanceEntry[] = [];

  protected take(
    number: string,
    rawLabel: string,
    line: number | null,
    context: () => string,
  ): boolean {
    const parsed = parseNumberPattern(number, this.country);
    if (!parsed.ok) {
      this.problem(line, `${parsed.message}, in ${context()}`);
      return false;
    }
    this.#entries.push({
      ...parsed.pattern,
      label: cleanLabel(rawLabel),
      number,
      source: this.source,
      line,
    });
    return true;
  }

  result(): ParsedNuisanceList {
    return { entries: [...this.#entries], problems: this.problems.list() };
  }
}

/** The options' entries (`directory.nuisance`, or `directory.allow` as numbers alone). */
export function nuisanceFromOptions(
  entries: readonly (string | { number: string; label?: string })[],
  country: CountryCode,
): ParsedNuisanceList {
  const collector = new NuisanceCollector("options", country);
  entries.forEach((entry, index) => {
    const { number, label } = typeof entry === "string" ? { number: entry, label: "" } : entry;
    collector.add(String(number ?? ""), String(label ?? ""), null, `entry ${index + 1}`);
  });
  return collector.result();
}

/**
 * The options' numbers that cannot be read, each named as the user wrote the option
 * (`directory.nuisance.2.number: …`), so the add-on says so before anything starts.
 */
export function nuisanceOptionProblems(
  directory: {
    readonly nuisance?: readonly { number?: unknown }[];
    readonly allow?: readonly unknown[];
    readonly tellows_key?: unknown;
    readonly tellows_partner?: unknown;
  },
  country: CountryCode,
): string[] {
  const problems: string[] = [];
  const check = (value: unknown, name: string) => {
    if (typeof value !== "string") return; // the schema says what is wrong with it
    const parsed = parseNumberPattern(value, country);
    if (!parsed.ok) problems.push(`${name}: ${parsed.message}`);
  };
  (directory.nuisance ?? []).forEach((entry, index) => {
    check(entry?.number, `directory.nuisance.${index}.number`);
  });
  (directory.allow ?? []).forEach((number, index) => {
    check(number, `directory.allow.${index}`);
  });
  const filled = (value: unknown) => typeof value === "string" && value.trim() !== "";
  if (filled(directory.tellows_key) && !filled(directory.tellows_partner)) {
    problems.push(
      "directory.tellows_partner: tellows needs the partner name that goes with the key",
    );
  }
  return problems;
}
