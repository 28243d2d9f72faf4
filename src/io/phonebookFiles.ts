/**
 * The file edge of the phonebook: reads the configured phonebook files, merges them with the
 * option entries, and keeps the result current while the add-on runs (watchedFiles.ts: the
 * directories watched, a bad file keeping its last good entries, large files read in slices).
 * The merged book is swapped in whole: options first, then the files in their order.
 */
import type { CountryCode } from "../core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  Phonebook,
  type PhonebookProblem,
  phonebookFromOptions,
  phonebookReader,
} from "../core/caller/phonebook.js";
import { openWatchedFiles } from "./watchedFiles.js";

export interface PhonebookSourceOptions {
  files: string[];
  entries: { number: string; name: string }[];
  country: CountryCode;
  onProblem: (problem: PhonebookProblem) => void;
  /** Called after a change was read and a new phonebook swapped in. */
  onReload?: (phonebook: Phonebook) => void;
  debounceMs?: number;
  /** How long reading may hold the event loop before it lets other work run (default 5 ms). */
  sliceMs?: number;
}

export interface PhonebookSource {
  current(): Phonebook;
  close(): void;
}

/** Entries merged into the new book between two looks at the clock. */
const MERGE_STEP = 2000;

export async function openPhonebook(options: PhonebookSourceOptions): Promise<PhonebookSource> {
  const { country, onProblem } = options;
  const fromOptions = phonebookFromOptions(options.entries, country);
  for (const problem of fromOptions.problems) onProblem(problem);
  return openWatchedFiles<ParsedPhonebook, Phonebook>({
    files: options.files,
    noun: "phonebook",
    reader: (path, opening) => phonebookReader(path, detectPhonebookFormat(path, opening), country),
    count: (read) => read.entries.length + (read.anonymousName === null ? 0 : 1),
    build: (reads, slicer) =>
      slicer.run(Phonebook.buildInSteps([fromOptions, ...reads], MERGE_STEP)),
    onProblem,
    ...(options.onReload ? { onReload: options.onReload } : {}),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs }),
  });
}
