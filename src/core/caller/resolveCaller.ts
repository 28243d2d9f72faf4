/**
 * From a caller's number to what the household sees and hears, within a bounded time:
 *
 *   withheld / unavailable ─► the phonebook's "P" entry, else the matching sentence
 *   number ─► phonebook ─► cache ─► search.ch (domestic numbers only, online lookup on,
 *             quota left, no back-off) ─► the network-supplied name ─► the number itself
 *
 * Privacy: the phonebook is always asked first, so a known contact's number never leaves the
 * house, and only valid numbers of the configured country are sent to search.ch. A failing
 * directory never blocks a call: the client's time-out bounds the request and a failure
 * falls back to the number ("directory not reachable").
 */
import { type AnnouncementKind, buildAnnouncement, type Templates } from "./announcement.js";
import type { Language } from "./cantons.js";
import type { DirectoryCache } from "./directoryCache.js";
import { chooseDirectoryHit, type DirectoryHit, type SearchChOutcome } from "./directoryHit.js";
import { type CallerNumber, type CountryCode, normalizeNumber } from "./numbers.js";

export type NameSource = "phonebook" | "cache" | "search.ch" | "network";

/** What the resolver needs of a phonebook: a lookup by normalised key and the "P" entry. */
export interface PhonebookView {
  lookup(key: string): { readonly name: string } | undefined;
  readonly anonymousName: string | null;
}

export interface CallerQuery {
  /** The number as the network sent it, or null. */
  readonly number: string | null;
  readonly anonymous: boolean;
  readonly unavailable: boolean;
  /** A name the network sent with the call (MGCP ci, SIP display name), or null. */
  readonly networkName: string | null;
  /** false: never ask the directory (numbers the household dialled itself). */
  readonly allowOnline?: boolean;
}

export interface CallerResolution {
  readonly number: CallerNumber;
  readonly name: string | null;
  readonly source: NameSource | null;
  readonly occupation: string | null;
  readonly city: string | null;
  readonly canton: string | null;
  /** How many directory entries share the number (0 when the directory was not asked). */
  readonly directoryEntries: number;
  readonly kind: AnnouncementKind;
  readonly announcement: string;
  /** Why search.ch was or was not asked, for the log and `lookup`. */
  readonly lookup: LookupNote;
}

export type LookupNote =
  | "not-needed"
  | "asked"
  | "cached"
  | "offline"
  | "not-domestic"
  | "quota-used-up"
  | "backing-off"
  | "failed";

export interface ResolverSettings {
  readonly country: CountryCode;
  readonly lang: Language;
  readonly templates: Partial<Templates>;
  readonly onlineLookup: boolean;
  readonly monthlyQuota: number;
}

export interface ResolverDeps {
  readonly phonebook: () => PhonebookView;
  readonly cache: DirectoryCache;
  /** Called after the cache or the quota counter changed, to persist them. */
  readonly saveCache: () => void;
  /** null when no client is configured (online lookup off). */
  readonly directory: { lookup(number: string): Promise<SearchChOutcome> } | null;
  readonly now: () => number;
  /** A message for the log, once per new directory problem; never carries numbers or keys. */
  readonly warn: (message: string) => void;
}

/** After a 403 (bad or exhausted key) the directory is left alone this long. */
const FORBIDDEN_BACKOFF_MS = 3_600_000;
/** After a 429 without Retry-After. */
const RATE_LIMIT_BACKOFF_MS = 600_000;

export interface DirectoryDiagnostics {
  readonly quotaUsed: number;
  readonly quotaLimit: number;
  readonly lastProblem: string | null;
  readonly backoffUntil: number | null;
}

export class CallerResolver {
  #backoffUntil = 0;
  #lastProblem: string | null = null;

  constructor(
    private readonly settings: ResolverSettings,
    private readonly deps: ResolverDeps,
  ) {}

  diagnostics(): DirectoryDiagnostics {
    const now = this.deps.now();
    return {
      quotaUsed: this.deps.cache.quotaUsed(now),
      quotaLimit: this.settings.monthlyQuota,
      lastProblem: this.#lastProblem,
      backoffUntil: this.#backoffUntil > now ? this.#backoffUntil : null,
    };
  }

  async resolve(query: CallerQuery): Promise<CallerResolution> {
    const number = normalizeNumber(query.number, this.settings.country, query);
    const phonebook = this.deps.phonebook();
    if (number.kind === "anonymous") {
      const name = phonebook.anonymousName;
      return name
        ? this.#result(number, "known", "not-needed", name, "phonebook")
        : this.#result(number, "anonymous", "not-needed");
    }
    if (number.kind !== "number") {
      return query.networkName
        ? this.#result(number, "known", "not-needed", query.networkName, "network")
        : this.#result(number, "unavailable", "not-needed");
    }
    const entry = phonebook.lookup(number.key);
    if (entry) return this.#result(number, "known", "not-needed", entry.name, "phonebook");

    const now = this.deps.now();
    const cached = this.deps.cache.get(number.key, now);
    if (cached) return this.#fromDirectory(number, query, cached.hit, "cache", "cached");

    const skipped = query.allowOnline === false ? "offline" : this.#whyNotOnline(number, now);
    if (skipped) return this.#fallback(number, query, skipped);
    return this.#askDirectory(number, query);
  }

  #whyNotOnline(number: CallerNumber & { kind: "number" }, now: number): LookupNote | null {
    if (!this.settings.onlineLookup || this.deps.directory === null) return "offline";
    if (!number.domestic || number.e164 === null) return "not-domestic";
    if (this.#backoffUntil > now) return "backing-off";
    if (!this.deps.cache.tryConsumeQuota(now, this.settings.monthlyQuota)) return "quota-used-up";
    return null;
  }

  async #askDirectory(
    number: CallerNumber & { kind: "number" },
    query: CallerQuery,
  ): Promise<CallerResolution> {
    const directory = this.deps.directory;
    const e164 = number.e164 ?? number.key;
    const outcome = directory ? await directory.lookup(e164) : null;
    const now = this.deps.now();
    if (outcome?.kind === "entries") {
      const hit = chooseDirectoryHit(outcome.entries, this.settings.lang);
      this.deps.cache.put(number.key, hit, now);
      this.deps.saveCache();
      this.#lastProblem = null;
      return this.#fromDirectory(number, query, hit, "search.ch", "asked");
    }
    this.deps.saveCache(); // the quota counter moved
    if (outcome?.kind === "forbidden") {
      this.#problem(`search.ch refused the key: ${outcome.message}; lookups pause for an hour`);
      this.#backoffUntil = now + FORBIDDEN_BACKOFF_MS;
    } else if (outcome?.kind === "rate-limited") {
      this.#problem("search.ch asked to slow down (HTTP 429); lookups pause");
      this.#backoffUntil = now + (outcome.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS);
    } else if (outcome?.kind === "failed") {
      this.#problem(`search.ch lookup failed (${outcome.reason}): ${outcome.message}`);
    }
    return this.#fallback(number, query, "failed");
  }

  #fromDirectory(
    number: CallerNumber & { kind: "number" },
    query: CallerQuery,
    hit: DirectoryHit | null,
    source: NameSource,
    note: LookupNote,
  ): CallerResolution {
    if (hit === null) return this.#fallback(number, query, note);
    return this.#result(number, "directory", note, hit.name, source, hit);
  }

  /** No directory name: the network's name if there is one, else the number. */
  #fallback(number: CallerNumber, query: CallerQuery, note: LookupNote): CallerResolution {
    if (query.networkName) return this.#result(number, "known", note, query.networkName, "network");
    const unreachable = note === "failed" || note === "backing-off" || note === "quota-used-up";
    return this.#result(number, unreachable ? "unreachable" : "unknown", note);
  }

  #problem(message: string): void {
    if (message !== this.#lastProblem) this.deps.warn(message);
    this.#lastProblem = message;
  }

  #result(
    number: CallerNumber,
    kind: AnnouncementKind,
    lookup: LookupNote,
    name: string | null = null,
    source: NameSource | null = null,
    hit: DirectoryHit | null = null,
  ): CallerResolution {
    const facts = {
      kind,
      number,
      name,
      occupation: hit?.occupation ?? null,
      city: hit?.city ?? null,
      canton: hit?.canton ?? null,
    };
    return {
      ...facts,
      source,
      directoryEntries: hit?.entries ?? 0,
      announcement: buildAnnouncement(facts, this.settings.lang, this.settings.templates),
      lookup,
    };
  }
}
