/**
 * The nuisance files of `directory.nuisance_files` (TSV, CSV, callblocker's JSON list), read
 * and kept current like the phonebook files (watchedFiles.ts): a bad line is reported with
 * its file and line while the rest loads, a file that turns bad keeps its last good entries,
 * and an edit applies to the next call without a restart. A later file wins a number or
 * prefix that an earlier one lists too.
 */
import type { CountryCode } from "../core/caller/numbers.js";
import type { PhonebookProblem } from "../core/caller/phonebookEntries.js";
import type { NuisanceEntry, ParsedNuisanceList } from "../core/nuisance/nuisanceEntries.js";
import { detectNuisanceFormat, nuisanceReader } from "../core/nuisance/nuisanceFormats.js";
import { NumberList } from "../core/nuisance/numberList.js";
import { openWatchedFiles, type WatchedFiles } from "./watchedFiles.js";

export interface NuisanceFilesOptions {
  files: string[];
  country: CountryCode;
  onProblem: (problem: PhonebookProblem) => void;
  /** Called after a change was read and the new list swapped in. */
  onReload?: (list: NumberList<NuisanceEntry>) => void;
  debounceMs?: number;
}

export function openNuisanceFiles(
  options: NuisanceFilesOptions,
): Promise<WatchedFiles<NumberList<NuisanceEntry>>> {
  const { country } = options;
  return openWatchedFiles<ParsedNuisanceList, NumberList<NuisanceEntry>>({
    files: options.files,
    noun: "nuisance list",
    reader: (path, opening) => {
      const format = detectNuisanceFormat(path, opening);
      if (format !== "vcard") return nuisanceReader(path, format, country);
      const problem = {
        source: path,
        line: null,
        message: `${path}: is a vCard address book; a nuisance list is TSV, CSV or callblocker's JSON`,
      };
      return { push: () => undefined, end: () => ({ entries: [], problems: [problem] }) };
    },
    count: (read) => read.entries.length,
    build: async (reads) => new NumberList(reads.flatMap((read) => read.entries)),
    onProblem: options.onProblem,
    ...(options.onReload ? { onReload: options.onReload } : {}),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  });
}
