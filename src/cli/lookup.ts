/**
 * `lookup NUMBER`: resolves one number the way the add-on does when the phone rings —
 * phonebook, cache, search.ch — and shows where the name came from and what would be said.
 */

import type { Options } from "../config/schema.js";
import { validateOptions } from "../config/validateOptions.js";
import type { CallerResolution } from "../core/caller/resolveCaller.js";
import { type CallerDirectoryDeps, openCallerDirectory } from "../daemon/callerDirectory.js";
import type { JsonReadResult } from "../io/jsonFile.js";
import type { LookupFlags } from "./args.js";

export interface LookupDeps {
  /** The options file's content (YAML or JSON), or why it cannot be read. */
  readonly readOptionsFile: (
    path: string,
  ) => { ok: true; value: unknown } | { ok: false; message: string };
  readonly openPhonebook: CallerDirectoryDeps["openPhonebook"];
  readonly createSearchCh: CallerDirectoryDeps["createSearchCh"];
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
    stateFolder: deps.defaultDataDir(options.data_dir),
    phonebookLog: { info: () => {}, warn },
    directoryLog: { warn },
  });
  try {
    const upper = number.trim().toUpperCase();
    const resolution = await directory.resolver.resolve({
      number: upper === "P" || upper === "O" ? null : number,
      anonymous: upper === "P",
      unavailable: upper === "O",
      networkName: null,
    });
    print(resolution, flags.json, deps.writeOut);
    return 0;
  } finally {
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
    announcement: resolution.announcement,
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
    ["announcement", resolution.announcement],
  ];
  for (const [label, value] of rows) if (value) writeOut(`${`${label}:`.padEnd(14)}${value}`);
}
