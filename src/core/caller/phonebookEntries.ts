/**
 * What every phonebook format turns into, and the one place where an entry is judged: the
 * number normalised to its lookup key, the name cleaned, the anonymous "P" entry recognised,
 * bad entries reported with their source and line. The format parsers only find number/name
 * pairs; they share these rules so that a TSV, a CSV and a vCard say the same about the same
 * mistake.
 */

import { cleanText } from "../text/cleanText.js";
import { type CountryCode, normalizeNumber } from "./numbers.js";

export interface PhonebookEntry {
  /** Cleaned text to speak for this number. */
  name: string;
  /** normalizeNumber's key: E.164 for valid numbers, else the digits as written. */
  key: string;
  /** The number as written in the source (a vCard's `tel:` scheme and parameters removed). */
  number: string;
  /** "options" or the file path. */
  source: string;
  /** First line of the entry in its file; null for the add-on options. */
  line: number | null;
}

export interface PhonebookProblem {
  source: string;
  line: number | null;
  /** Complete and self-contained, e.g. `/config/phonebook.csv line 7: no number in "…"`. */
  message: string;
}

export interface ParsedPhonebook {
  entries: PhonebookEntry[];
  /** Text for anonymous calls (the seed's `P` entry), or null when the source has none. */
  anonymousName: string | null;
  problems: PhonebookProblem[];
}

export const MAX_NAME_LENGTH = 120;

/**
 * A file of the wrong kind (a photo, a binary) would otherwise report every line; after this
 * many problems the rest are counted in one closing problem.
 */
const MAX_PROBLEMS = 25;

/** Source text inside a problem message: cleaned and short, so a log line stays one line. */
export function quoted(text: string): string {
  return `"${cleanText(text, 80)}"`;
}

/** The one field that marks the seed's entry for anonymous calls. */
export function isAnonymousMarker(number: string): boolean {
  return number.trim().toUpperCase() === "P";
}

/**
 * A Map split in shards by the key's last characters. One JS Map of several hundred thousand
 * numbers rehashes all of them at once when it grows, holding up the event loop for tens of
 * milliseconds; shards grow a small table at a time.
 */
export class ShardedMap<V> {
  static readonly #SHARDS = 64;
  /** Made on first use: a small phonebook (the options) needs only a few. */
  readonly #shards: (Map<string, V> | undefined)[] = [];
  #size = 0;

  #index(key: string): number {
    const n = key.length;
    const hash = key.charCodeAt(n - 1) * 31 + key.charCodeAt(n - 2) * 7 + key.charCodeAt(n - 3);
    return (hash >>> 0) % ShardedMap.#SHARDS;
  }

  get(key: string): V | undefined {
    return this.#shards[this.#index(key)]?.get(key);
  }

  set(key: string, value: V): void {
    const index = this.#index(key);
    let shard = this.#shards[index];
    if (shard === undefined) {
      shard = new Map();
      this.#shards[index] = shard;
    }
    if (!shard.has(key)) this.#size += 1;
    shard.set(key, value);
  }

  get size(): number {
    return this.#size;
  }

  *values(): IterableIterator<V> {
    for (const shard of this.#shards) if (shard !== undefined) yield* shard.values();
  }
}

/**
 * What a format reader (TSV, CSV) hands its number/text pairs and problems to: a phonebook's
 * collector, or a nuisance list's, which judge the pairs by their own rules.
 */
export interface EntrySink<Result> {
  problem(line: number | null, text: string): void;
  /** `context` names what the pair came from, for problems; a function when making it costs. */
  add(
    rawNumber: string,
    rawName: string,
    line: number | null,
    lazyContext: string | (() => string),
  ): boolean;
  result(): Result;
}

/** One source's problems, each naming the source and line; past MAX_PROBLEMS only counted. */
export class ProblemList {
  readonly #source: string;
  readonly #problems: PhonebookProblem[] = [];
  #suppressed = 0;

  constructor(source: string) {
    this.#source = source;
  }

  add(line: number | null, text: string): void {
    if (this.#problems.length >= MAX_PROBLEMS) {
      this.#suppressed += 1;
      return;
    }
    const where = line === null ? this.#source : `${this.#source} line ${line}`;
    this.#problems.push({ source: this.#source, line, message: `${where}: ${text}` });
  }

  list(): PhonebookProblem[] {
    const problems = [...this.#problems];
    if (this.#suppressed > 0) {
      problems.push({
        source: this.#source,
        line: null,
        message: `${this.#source}: ${this.#suppressed} more problems not listed`,
      });
    }
    return problems;
  }
}

/** One source's entries being read (a phonebook's or a nuisance list's): where, and its problems. */
export abstract class EntryCollector<Result> implements EntrySink<Result> {
  protected readonly source: string;
  protected readonly country: CountryCode;
  protected readonly problems: ProblemList;

  constructor(source: string, country: CountryCode) {
    this.source = source;
    this.country = country;
    this.problems = new ProblemList(source);
  }

  problem(line: number | null, text: string): void {
    this.problems.add(line, text);
  }

  /**
   * Adds one number/name pair. `context` names what the pair came from (the quoted line, or
   * "entry 3") for problem messages; a function when making it costs (it is then made only
   * for a problem). Returns whether an entry was taken.
   */
  add(
    rawNumber: string,
    rawName: string,
    line: number | null,
    lazyContext: string | (() => string),
  ): boolean {
    const context = () => (typeof lazyContext === "string" ? lazyContext : lazyContext());
    const number = rawNumber.trim();
    if (number === "") {
      this.problem(line, `no number in ${context()}`);
      return false;
    }
    return this.take(number, rawName, line, context);
  }

  /** Takes a pair that has a number (trimmed); whether an entry was taken. */
  protected abstract take(
    number: string,
    rawName: string,
    line: number | null,
    context: () => string,
  ): boolean;

  abstract result(): Result;
}

export class PhonebookCollector extends EntryCollector<ParsedPhonebook> {
  readonly #entries: PhonebookEntry[] = [];
  /** key → index into #entries, so a later duplicate replaces the earlier one in place. */
  readonly #indexByKey = new ShardedMap<number>();
  #anonymousName: string | null = null;

  /** An entry, or the text for anonymous calls (the number "P"): whether it was taken. */
  protected take(
    number: string,
    rawName: string,
    line: number | null,
    context: () => string,
  ): boolean {
    const name = cleanText(rawName, MAX_NAME_LENGTH);
    if (isAnonymousMarker(number)) {
      if (name === "") {
        this.problem(line, `no text for anonymous calls in ${context()}`);
        return false;
      }
      this.#anonymousName = name; // a later P line wins, as later numbers do
      return true;
    }
    const normalized = normalizeNumber(number, this.country);
    if (normalized.kind !== "number") {
      this.problem(line, `${quoted(number)} is not a phone number, in ${context()}`);
      return false;
    }
    if (name === "") {
      this.problem(line, `no name for ${quoted(number)} in ${context()}`);
      return false;
    }
    const entry: PhonebookEntry = { name, key: normalized.key, number, source: this.source, line };
    const earlier = this.#indexByKey.get(entry.key);
    if (earlier === undefined) {
      this.#indexByKey.set(entry.key, this.#entries.length);
      this.#entries.push(entry);
      return true;
    }
    const previous = this.#entries[earlier];
    // The same contact listing one number twice (home and voice) is not worth a word; two
    // different names for one number are, since only one of them can be announced.
    if (previous !== undefined && previous.name !== name) {
      const before = previous.line === null ? "earlier" : `on line ${previous.line}`;
      this.problem(
        line,
        `${quoted(number)} is also ${before} as ${quoted(previous.name)}; the later ${quoted(name)} wins`,
      );
    }
    this.#entries[earlier] = entry;
    return true;
  }

  result(): ParsedPhonebook {
    const problems = this.problems.list();
    return { entries: [...this.#entries], anonymousName: this.#anonymousName, problems };
  }
}
