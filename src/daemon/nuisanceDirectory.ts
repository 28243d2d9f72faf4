/**
 * The nuisance lists as the options describe them — `directory.allow`, `directory.nuisance`,
 * the nuisance files (watched) — with the household's own marks, wired in one place: the
 * call router asks it once per incoming call whether the caller is a likely nuisance.
 */
import type { Options } from "../config/schema.js";
import type { CountryCode } from "../core/caller/numbers.js";
import type { PhonebookProblem } from "../core/caller/phonebookEntries.js";
import type { CallerResolution } from "../core/caller/resolveCaller.js";
import type { MarkPattern } from "../core/nuisance/householdList.js";
import { judgeCaller } from "../core/nuisance/judgeCaller.js";
import { type NuisanceEntry, nuisanceFromOptions } from "../core/nuisance/nuisanceEntries.js";
import { NumberList } from "../core/nuisance/numberList.js";
import type { NuisanceVerdict } from "../core/nuisance/verdict.js";

export interface NuisanceDirectoryDeps {
  readonly openFiles: (options: {
    files: string[];
    country: CountryCode;
    onProblem: (problem: PhonebookProblem) => void;
    onReload?: (list: NumberList<NuisanceEntry>) => void;
  }) => Promise<{ current(): NumberList<NuisanceEntry>; close(): void }>;
  readonly marks: { matcher(): NumberList<MarkPattern> };
  /** Reloads and problems of the files (each names its file and line). */
  readonly log: { info(message: string): void; warn(message: string): void };
}

export interface NuisanceDirectory {
  /** The verdict on a call's other party (the caller of an incoming call). */
  judge(party: Pick<CallerResolution, "number" | "source">): NuisanceVerdict;
  close(): void;
}

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
  return {
    judge: (party) =>
      judgeCaller(
        party,
        { allow, household: deps.marks.matcher(), files: files.current(), options: listed },
        country,
      ),
    close: () => files.close(),
  };
}
