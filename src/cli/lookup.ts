/**
 * `lookup NUMBER`: resolves one number the way the add-on does when the phone rings —
 * phonebook, cache, search.ch, then the nuisance lists — and shows where the name came from,
 * whether a list flags the caller, and what would be said.
 */

import type { Options } from "../config/schema.js";
import { validateOptions } from "../config/validateOptions.js";
import type { CountryCode } from "../core/caller/numbers.js";
import type { CallerResolution } from "../core/caller/resolveCaller.js";
import type { NuisanceVerdict } from "../core/nuisance/verdict.js";
import { spokenSentence } from "../core/outputs/announcer.js";
import { type CallerDirectoryDeps, openCallerDirectory } from "../daemon/callerDirectory.js";
import { type NuisanceDirectoryDeps, openNuisanceDirectory } from "../daemon/nuisanceDirectory.js";
import type { JsonReadResult } from "../io/jsonFile.js";
import type { LookupFlags } from "./args.js";

export interface LookupDeps {
  /** The options file's content (YAML or JSON), or why it cannot be read. */
  readonly readOptionsFile: (
    path: string,
  ) => { ok: true; value: unknown } | { ok: false; message: string };
  readonly openPhonebook: CallerDirectoryDeps["openPhonebook"];
  readonly createSearchCh: CallerDirectoryDeps["createSearchCh"];
  readonly openNuisanceFiles: NuisanceDirectoryDeps["openFiles"];
  /** The household's own marks in `folder` (data_dir). */
  readonly openMarks: (folder: string, country: CountryCode) => NuisanceDirectoryDeps["marks"];
  readonly createTellows: NuisanceDirectoryDeps["createTellows"];
  /** Where state goes when the options do not name data_dir and /data does not exist. */
  readonly defaultDataDir: (configured: string) => string;
  readonly readState: (path: string) => JsonReadResult;
  readonly writeState: (path: string, state: unknown) => void;
  readonly now: () => number;
  readonly timeZone: string;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
}

export async function runLookup(
  number: string,
  flags: LookupFlags,
  deps: LookupDeps,
): Promise<number> {
  const options = loadOptions(flags, deps);
  if (!options) return 1;
  const warn = (message: string) => deps.writeErr(`voip-callerid: warning: ${message}`);
  const stateFolder = deps.defaultDataDir(options.data_dir);
  const directory = await openCallerDirectory(options, {
    openPhonebook: deps.openPhonebook,
    createSearchCh: deps.createSearchCh,
    readState: deps.readState,
    // One lookup, then the process ends: the cache is written at once.
    stateWriter: (path) => ({
      save: (value) => {
        try {
          deps.writeState(path, value);
        } catch (error) {
          warn(`cannot save the directory cache: ${(error as Error).message}`);
        }
      },
      flush: async () => {},
    }),
    now: deps.now,
    timeZone: deps.timeZone,
    stateFolder,
    phonebookLog: { info: () => {}, warn },
    directoryLog: { warn },
  });
  const nuisance = await openNuisanceDirectory(options, {
    openFiles: deps.openNuisanceFiles,
    // validateOptions has checked that libphonenumber knows the country.
    marks: deps.openMarks(stateFolder, options.directory.country as CountryCode),
    createTellows: deps.createTellows,
    now: deps.now,
    log: { info: () => {}, warn },
  });
  try {
    const upper = number.trim().toUpperCase();
    const resolution = await directory.resolver.resolve({
      number: upper === "P" || upper === "O" ? null : number,
      anonymous: upper === "P",
      unavailable: upper === "O",
      networkName: null,
    });
    const verdict = await nuisance.judge(resolution);
    const { announce } = options;
    const said = spokenSentence(
      { party: resolution, nuisance: verdict },
      {
        nuisance: announce.nuisance,
        language: announce.language,
        nuisanceTemplate: announce.template_nuisance,
      },
    );
    print(resolution, verdict, said, flags.json, deps.writeOut);
    return 0;
  } finally {
    nuisance.close();
    await directory.close();
  }
}

/** The options file, then the flags on top; every problem named, none started half-configured. */
function loadOptions(flags: LookupFlags, deps: LookupDeps): Options | null {
  let input: Record<string, unknown> = {};
  if (flags.configFile) {
    const read = deps.readOptionsFile(flags.configFile);
    if (!read.ok) {
      deps.writeErr(`voip-callerid: ${read.message}`);
      return null;
    }
    input = (read.value ?? {}) as Record<string, unknown>;
  }
  const section = (name: string) => ({ ...((input[name] as Record<string, unknown>) ?? {}) });
  const directory = section("directory");
  const announce = section("announce");
  if (flags.country !== undefined) directory.country = flags.country;
  if (flags.online !== undefined) directory.online_lookup = flags.online;
  if (flags.searchUrl !== undefined) directory.search_ch_url = flags.searchUrl;
  if (flags.phonebookFiles.length > 0) {
    directory.phonebook_files = [
      ...((directory.phonebook_files as string[]) ?? []),
      ...flags.phonebookFiles,
    ];
  }
  if (flags.lang !== undefined) announce.language = flags.lang;
  const result = validateOptions({ ...input, directory, announce });
  if (result.ok) return result.options;
  for (const problem of result.problems) deps.writeErr(`voip-callerid: option ${problem}`);
  return null;
}

function print(
  resolution: CallerResolution,
  verdict: NuisanceVerdict,
  said: string | null,
  json: boolean,
  writeOut: (line: string) => void,
): void {
  const number = resolution.number.kind === "number" ? resolution.number : null;
  const record = {
    number_e164: number?.e164 ?? null,
    number_display: number?.display ?? null,
    number_kind: resolution.number.kind,
    name: resolution.name,
    source: resolution.source,
    occupation: resolution.occupation,
    city: resolution.city,
    canton: resolution.canton,
    directory_entries: resolution.directoryEntries,
    lookup: resolution.lookup,
    nuisance: verdict.flagged,
    nuisance_label: verdict.label,
    nuisance_source: verdict.source,
    nuisance_score: verdict.score ?? null,
    announcement: said,
  };
  if (json) {
    writeOut(JSON.stringify(record));
    return;
  }
  const rows: [string, string | null][] = [
    [
      "number",
      number
        ? `${number.display}${number.e164 ? ` (${number.e164})` : ""}`
        : resolution.number.kind,
    ],
    ["name", resolution.name],
    ["source", resolution.source ?? "none"],
    ["occupation", resolution.occupation],
    ["place", [resolution.city, resolution.canton].filter(Boolean).join(", ") || null],
    ["search.ch", resolution.lookup],
    ["nuisance", verdict.flagged ? nuisanceText(verdict) : null],
    ["announcement", said ?? "(none: announce.nuisance is silent)"],
  ];
  for (const [label, value] of rows) if (value) writeOut(`${`${label}:`.padEnd(14)}${value}`);
}

/** `Lotto Versand (file)`, `yes (tellows, score 8)`. */
function nuisanceText(verdict: NuisanceVerdict): string {
  const score = verdict.score === undefined ? "" : `, score ${verdict.score}`;
  return `${verdict.label ?? "yes"} (${verdict.source}${score})`;
}
