/**
 * What search.ch said about a number, kept so that a caller who rings again costs no request:
 * hits for 90 days and misses for 7 by default. With it, the monthly request counter that stops
 * lookups at the key's quota (1000 a month under the current terms). Both survive restarts:
 * the state is plain JSON that the edge writes atomically.
 */
import { monthOf } from "../time/zonedTime.js";
import type { DirectoryHit } from "./directoryHit.js";

export interface CachedLookup {
  readonly storedAt: number;
  /** null: search.ch knows no entry for the number. */
  readonly hit: DirectoryHit | null;
}

export interface DirectoryCacheState {
  readonly version: 1;
  readonly entries: Readonly<Record<string, CachedLookup>>;
  /** Requests sent in the calendar month `month` (YYYY-MM, in the cache's time zone). */
  readonly quota: { readonly month: string; readonly used: number };
}

const DAY_MS = 86_400_000;

export class DirectoryCache {
  readonly #entries = new Map<string, CachedLookup>();
  #quota = { month: "", used: 0 };

  /** `timeZone`: where the quota's months begin (search.ch counts Swiss months). */
  constructor(
    private readonly hitDays: number,
    private readonly missDays: number,
    private readonly timeZone: string,
  ) {}

  /** The cached answer for a key, unless it has expired. */
  get(key: string, now: number): CachedLookup | undefined {
    const cached = this.#entries.get(key);
    if (cached === undefined) return undefined;
    if (this.#isExpired(cached, now)) {
      this.#entries.delete(key);
      return undefined;
    }
    return cached;
  }

  put(key: string, hit: DirectoryHit | null, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { storedAt: now, hit });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Requests counted in the current month. */
  quotaUsed(now: number): number {
    return this.#quota.month === monthOf(now, this.timeZone) ? this.#quota.used : 0;
  }

  /** Counts one request if the month's quota allows it; false when it is used up. */
  tryConsumeQuota(now: number, limit: number): boolean {
    const month = monthOf(now, this.timeZone);
    if (this.#quota.month !== month) this.#quota = { month, used: 0 };
    if (this.#quota.used >= limit) return false;
    this.#quota.used++;
    return true;
  }

  toState(now: number): DirectoryCacheState {
    const entries: Record<string, CachedLookup> = {};
    for (const [key, cached] of this.#entries)
      if (!this.#isExpired(cached, now)) entries[key] = cached;
    return { version: 1, entries, quota: { ...this.#quota } };
  }

  /**
   * Restores a saved state. Anything that does not look like one is dropped entry by entry,
   * and counted, so that a damaged file costs at most some cached answers.
   */
  restore(state: unknown): { restored: number; dropped: number } {
    let restored = 0;
    let dropped = 0;
    if (!isRecord(state) || state.version !== 1) return { restored, dropped: 1 };
    if (
      isRecord(state.quota) &&
      typeof state.quota.month === "string" &&
      Number.isInteger(state.quota.used)
    ) {
      this.#quota = { month: state.quota.month, used: Number(state.quota.used) };
    }
    for (const [key, cached] of Object.entries(isRecord(state.entries) ? state.entries : {})) {
      if (isCachedLookup(cached)) {
        this.#entries.set(key, cached);
        restored++;
      } else dropped++;
    }
    return { restored, dropped };
  }

  #isExpired(cached: CachedLookup, now: number): boolean {
    const days = cached.hit === null ? this.missDays : this.hitDays;
    return now - cached.storedAt >= days * DAY_MS || cached.storedAt > now + DAY_MS;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCachedLookup(value: unknown): value is CachedLookup {
  if (!isRecord(value) || typeof value.storedAt !== "number") return false;
  if (value.hit === null) return true;
  const hit = value.hit;
  return (
    isRecord(hit) &&
    typeof hit.name === "string" &&
    ["occupation", "city", "canton"].every((f) => hit[f] === null || typeof hit[f] === "string") &&
    typeof hit.entries === "number" &&
    ["single", "household", "first-of-several"].includes(hit.rule as string)
  );
}
