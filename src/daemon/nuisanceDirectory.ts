/**
 * The nuisance lists as the options describe them — `directory.allow`, `directory.nuisance`,
 * the nuisance files (watched), tellows when the user gave a key — with the household's own
 * marks, wired in one place: the call router asks it once per incoming call whether the
 * caller is a likely nuisance.
 *
 * tellows is asked last, only for a valid number that no list flagged, allowed or knows from
 * the phonebook (the number is all that is sent), within the lookup time-out; its answers are
 * kept a day in memory, so a caller who rings twice costs one request. A failure flags nothing
 * and is said once per new problem, without numbers or the key.
 */
import type { Options } from "../config/schema.js";
import type { CountryCode } from "../core/caller/numbers.js";
import type { PhonebookProblem } from "../core/caller/phonebookEntries.js";
import type { CallerResolution } from "../core/caller/resolveCaller.js";
import type { MarkPattern } from "../core/nuisance/householdList.js";
import { listVerdict, type NuisanceLists } from "../core/nuisance/judgeCaller.js";
import { type NuisanceEntry, nuisanceFromOptions } from "../core/nuisance/nuisanceEntries.js";
import { NumberList } from "../core/nuisance/numberList.js";
import { NOT_FLAGGED, type NuisanceVerdict } from "../core/nuisance/verdict.js";
import {
  type TellowsClient,
  type TellowsClientOptions,
  tellowsNumber,
} from "../io/tellowsClient.js";

export interface NuisanceDirectoryDeps {
  readonly openFiles: (options: {
    files: string[];
    country: CountryCode;
    onProblem: (problem: PhonebookProblem) => void;
    onReload?: (list: NumberList<NuisanceEntry>) => void;
  }) => Promise<{ current(): NumberList<NuisanceEntry>; close(): void }>;
  readonly marks: { matcher(): NumberList<MarkPattern> };
  /** Made only when the options give a tellows key. */
  readonly createTellows: (options: TellowsClientOptions) => TellowsClient;
  readonly now: () => number;
  /** Reloads and problems of the files (each names its file and line), tellows' problems. */
  readonly log: { info(message: string): void; warn(message: string): void };
}

export interface NuisanceDirectory {
  /** The verdict on a call's other party (the caller of an incoming call). */
  judge(party: Pick<CallerResolution, "number" | "source">): Promise<NuisanceVerdict>;
  close(): void;
}

const TELLOWS_KEEP_MS = 86_400_000;
const TELLOWS_KEEP_MAX = 500;

export async function openNuisanceDirectory(
  options: Options,
  deps: NuisanceDirectoryDeps,
): Promise<NuisanceDirectory> {
  const { directory } = options;
  // validateOptions has checked the country and every number of the options.
  const country = directory.country as CountryCode;
  const fromOptions = (entries: Parameters<typeof nuisanceFromOptions>[0]) => {
    const parsed = nuisanceFromOptions(entries, country);
    for (const problem of parsed.problems) deps.log.warn(problem.message);
    return new NumberList(parsed.entries);
  };
  const allow = fromOptions(directory.allow);
  const listed = fromOptions(directory.nuisance);
  const files = await deps.openFiles({
    files: directory.nuisance_files,
    country,
    onProblem: (problem) => deps.log.warn(problem.message),
    onReload: (list) => deps.log.info(`nuisance files reloaded: ${list.size} numbers and prefixes`),
  });
  const online = directory.tellows_key.trim() ? tellowsAsker(options, deps) : null;

  const judge = async (party: Pick<CallerResolution, "number" | "source">) => {
    const lists: NuisanceLists = {
      allow,
      household: deps.marks.matcher(),
      files: files.current(),
      options: listed,
    };
    const verdict = listVerdict(party, lists, country);
    if (verdict === "exempt") return NOT_FLAGGED;
    if (verdict.flagged || online === null) return verdict;
    const e164 = party.number.kind === "number" ? party.number.e164 : null;
    return e164 === null ? verdict : online(e164);
  };
  return {
    async judge(party) {
      try {
        return await judge(party);
      } catch (error) {
        // A list that fails must not cost the household the call: it goes out unflagged.
        deps.log.warn(
          `nuisance lists failed, the call is not flagged: ${(error as Error).message}`,
        );
        return NOT_FLAGGED;
      }
    },
    close: () => files.close(),
  };
}

/** tellows for a number no list decided: its verdict, kept a day; nothing flagged on failure. */
function tellowsAsker(
  options: Options,
  deps: NuisanceDirectoryDeps,
): (e164: string) => Promise<NuisanceVerdict> {
  const { directory } = options;
  const client = deps.createTellows({
    baseUrl: directory.tellows_url,
    partner: directory.tellows_partner,
    key: directory.tellows_key,
    timeoutMs: directory.lookup_timeout_ms,
  });
  const kept = new Map<string, { verdict: NuisanceVerdict; at: number }>();
  let lastProblem: string | null = null;
  return async (e164) => {
    const now = deps.now();
    const earlier = kept.get(e164);
    if (earlier !== undefined && now - earlier.at < TELLOWS_KEEP_MS) return earlier.verdict;
    const outcome = await client.check(tellowsNumber(e164));
    if (outcome.kind === "failed") {
      if (outcome.message !== lastProblem) deps.log.warn(`tellows: ${outcome.message}`);
      lastProblem = outcome.message;
      return NOT_FLAGGED;
    }
    lastProblem = null;
    const verdict: NuisanceVerdict =
      outcome.score >= directory.tellows_min_score
        ? { flagged: true, label: outcome.callerType, source: "tellows", score: outcome.score }
        : { ...NOT_FLAGGED, score: outcome.score };
    kept.delete(e164);
    kept.set(e164, { verdict, at: now });
    if (kept.size > TELLOWS_KEEP_MAX) kept.delete(kept.keys().next().value as string);
    return verdict;
  };
}
