/**
 * Recognises retransmissions. MGCP over UDP repeats a command or response with the same
 * transaction id until it is acknowledged (RFC 3435 §3.5, §4); an entity must remember the ids
 * it has seen for T-HIST, 30 s by default. Memory is bounded: the oldest ids go first.
 */
export class TransactionWindow {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly historyMs = 30_000,
    private readonly maxEntries = 4096,
  ) {}

  /** Records the key; true when the same key was seen within the history window. */
  isRepeat(key: string, at: number): boolean {
    const seenAt = this.#seen.get(key);
    if (seenAt !== undefined && at - seenAt <= this.historyMs && at >= seenAt) return true;
    this.#seen.delete(key);
    this.#seen.set(key, at);
    if (this.#seen.size > this.maxEntries) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return false;
  }
}
