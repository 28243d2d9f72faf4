/**
 * A list of numbers and prefixes, asked for the entry that covers a caller: the exact number
 * wins, else the longest prefix that starts it (`+41901*` over `+4190*`). The nuisance lists,
 * the allow list and the household's marks are each one such list; which list wins is the
 * verdict's business (verdict.ts), not the list's.
 */
import type { CountryCode } from "../caller/numbers.js";
import { ShardedMap } from "../caller/phonebookEntries.js";
import { type NumberPattern, prefixKey } from "./numberPattern.js";

export class NumberList<Entry extends NumberPattern> {
  static empty<Entry extends NumberPattern>(): NumberList<Entry> {
    return new NumberList<Entry>([]);
  }

  readonly #exact = new ShardedMap<Entry>();
  readonly #prefixes = new Map<string, Entry>();
  #longestPrefix = 0;

  /** A later entry for the same number or prefix replaces an earlier one. */
  constructor(entries: Iterable<Entry>) {
    for (const entry of entries) {
      if (!entry.prefix) {
        this.#exact.set(entry.key, entry);
        continue;
      }
      this.#prefixes.set(entry.key, entry);
      this.#longestPrefix = Math.max(this.#longestPrefix, entry.key.length);
    }
  }

  get size(): number {
    return this.#exact.size + this.#prefixes.size;
  }

  /**
   * The entry for a number by its normalizeNumber key. A key that is not E.164 (a number
   * libphonenumber does not call valid) is also tried as the prefixes are written, through
   * the same reading of its digits.
   */
  match(key: string, country: CountryCode): Entry | undefined {
    const exact = this.#exact.get(key);
    if (exact !== undefined || this.#prefixes.size === 0) return exact;
    const forms = key.startsWith("+") ? [key] : [prefixKey(key, country), key];
    let best: Entry | undefined;
    for (const form of forms) {
      for (let length = Math.min(form.length, this.#longestPrefix); length > 0; length -= 1) {
        const entry = this.#prefixes.get(form.slice(0, length));
        if (entry === undefined) continue;
        if (best === undefined || entry.key.length > best.key.length) best = entry;
        break;
      }
    }
    return best;
  }
}
