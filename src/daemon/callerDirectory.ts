/**
 * The caller directory as the options describe it — phonebook (files watched, and the
 * household's own, edited in the panel, asked first), the cache of
 * search.ch answers with its monthly quota (kept in data_dir), the search.ch client, and the
 * resolver over them — wired in one place for the daemon and for `voip-callerid lookup`.
 * The adapters come in as dependencies, so `lookup` loads no more than it needs.
 */
import { join } from "node:path";
import { resolverSettings } from "../config/resolverSettings.js";
import type { Options } from "../config/schema.js";
import { DirectoryCache } from "../core/caller/directoryCache.js";
import type { SearchChOutcome } from "../core/caller/directoryHit.js";
import type { CountryCode } from "../core/caller/numbers.js";
import type { Phonebook, PhonebookProblem } from "../core/caller/phonebook.js";
import { CallerResolver, type PhonebookView } from "../core/caller/resolveCaller.js";
import {
  HOUSEHOLD_PHONEBOOK_FILE,
  type HouseholdPhonebook,
  openHouseholdPhonebook,
} from "../io/householdPhonebook.js";
import type { JsonReadResult } from "../io/jsonFile.js";
import type { SearchChClientOptions } from "../io/searchChClient.js";

const DIRECTORY_CACHE_FILE = "directory-cache.json";

export interface CallerDirectoryDeps {
  readonly openPhonebook: (options: {
    files: string[];
    entries: { number: string; name: string }[];
    country: CountryCode;
    onProblem: (problem: PhonebookProblem) => void;
    onReload?: (phonebook: Phonebook) => void;
  }) => Promise<{ current(): Phonebook; close(): void }>;
  readonly createSearchCh: (settings: SearchChClientOptions) => {
    lookup(number: string): Promise<SearchChOutcome>;
  };
  readonly readState: (path: string) => JsonReadResult;
  /** How the cache file is written: at once (lookup) or a moment later (the daemon). */
  readonly stateWriter: (path: string) => { save(value: unknown): void; flush(): Promise<void> };
  readonly now: () => number;
  /** Where the quota's months begin. */
  readonly timeZone: string;
  /** State files go here (data_dir, or its fallback outside the Supervisor). */
  readonly stateFolder: string;
  /** Reloads, and problems of the phonebook files (each names its file and line). */
  readonly phonebookLog: { info(message: string): void; warn(message: string): void };
  /** Problems of the cache file and of search.ch (never with numbers or keys). */
  readonly directoryLog: { warn(message: string): void };
}

export interface CallerDirectory {
  readonly resolver: CallerResolver;
  /** The options' and the files' phonebook as it is now (the panel lists it). */
  readonly phonebook: () => Phonebook;
  /** The household's own phonebook (the panel edits it); it wins over the others. */
  readonly household: HouseholdPhonebook;
  /** Stops watching the phonebook files and writes what the cache has pending. */
  close(): Promise<void>;
}

/** The search.ch client's settings from the options. */
function searchChClientOptions(options: Options): SearchChClientOptions {
  const { directory, announce } = options;
  return {
    baseUrl: directory.search_ch_url,
    lang: announce.language,
    timeoutMs: directory.lookup_timeout_ms,
    ...(directory.search_ch_key ? { key: directory.search_ch_key } : {}),
  };
}

export async function openCallerDirectory(
  options: Options,
  deps: CallerDirectoryDeps,
): Promise<CallerDirectory> {
  const { directory } = options;
  const phonebook = await deps.openPhonebook({
    files: directory.phonebook_files,
    entries: directory.phonebook,
    // validateOptions has checked that libphonenumber knows the country.
    country: directory.country as CountryCode,
    onProblem: (problem) => deps.phonebookLog.warn(problem.message),
    onReload: (book) => deps.phonebookLog.info(`phonebook reloaded: ${book.size} numbers`),
  });

  const household = openHouseholdPhonebook({
    path: join(deps.stateFolder, HOUSEHOLD_PHONEBOOK_FILE),
    country: directory.country as CountryCode,
    warn: (message) => deps.phonebookLog.warn(message),
  });
  // The household's own names first: read on every call, so an edit applies to the next one.
  const merged: PhonebookView = {
    lookup: (key) => household.current().lookup(key) ?? phonebook.current().lookup(key),
    get anonymousName() {
      return phonebook.current().anonymousName;
    },
  };

  const cacheFile = join(deps.stateFolder, DIRECTORY_CACHE_FILE);
  const cache = new DirectoryCache(
    directory.cache_days_hit,
    directory.cache_days_miss,
    deps.timeZone,
  );
  const saved = deps.readState(cacheFile);
  if (saved.ok) cache.restore(saved.value);
  else if (saved.reason !== "missing")
    deps.directoryLog.warn(`${saved.message}; starting with an empty directory cache`);
  const writer = deps.stateWriter(cacheFile);

  const resolver = new CallerResolver(resolverSettings(options), {
    phonebook: () => merged,
    cache,
    saveCache: () => writer.save(cache.toState(deps.now())),
    directory: directory.online_lookup ? deps.createSearchCh(searchChClientOptions(options)) : null,
    now: deps.now,
    warn: (message) => deps.directoryLog.warn(message),
  });
  return {
    resolver,
    phonebook: () => phonebook.current(),
    household,
    close: async () => {
      phonebook.close();
      await Promise.all([writer.flush(), household.flush()]);
    },
  };
}
