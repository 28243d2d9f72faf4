/**
 * What was seen of recent transactions. MGCP over UDP repeats a command or response with the
 * same transaction id until it is acknowledged (RFC 3435 §3.5, §4); an entity must remember
 * the ids it has seen for T-HIST, 30 s by default. Memory is bounded twice: entries older than
 * the history are dropped as time moves on, and beyond `maxEntries` the oldest go first.
 */
export class TransactionWindow<T> {
  /** Insertion order is first-seen order, so the oldest entries are always at the front. */
  readonly #entries = new Map<string, { at: number; value: T }>();

  constructor(
    private readonly historyMs = 30_000,
    private readonly maxEntries = 4096,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value remembered for a key within the history, seen from time `at`. */
  get(key: string, at: number): T | undefined {
    this.#forgetBefore(at - this.historyMs);
    return this.#entries.get(key)?.value;
  }

  /** Remembers a value from time `at`, replacing any earlier one for the key. */
  remember(key: string, at: number, value: T): void {
    this.#forgetBefore(at - this.historyMs);
    this.#entries.delete(key);
    this.#entries.set(key, { at, value });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** The value remembered for a key, which is forgotten. */
  take(key: string, at: number): T | undefined {
    const value = this.get(key, at);
    this.#entries.delete(key);
    return value;
  }

  #forgetBefore(limit: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.at >= limit) break;
      this.#entries.delete(key);
    }
  }
}
