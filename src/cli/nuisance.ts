/**
 * `nuisance add|remove|list`: the household's own nuisance and allow marks, in
 * `<data_dir>/nuisance-marks.json` — the same file the panel's "mark as nuisance / allowed"
 * writes. The running daemon sees a change at its next call; no restart.
 *
 *   voip-callerid nuisance add "0906*" --label "Mehrwertdienst"
 *   voip-callerid nuisance add "044 123 45 67" --allow     never flagged, whatever a list says
 *   voip-callerid nuisance remove "+41 906*"
 *   voip-callerid nuisance list [--json]
 */
import type { CountryCode } from "../core/caller/numbers.js";
import type { HouseholdMark, HouseholdMarks } from "../core/nuisance/marks.js";
import { type CallsDeps, loadOptions } from "./calls.js";
import type { NuisanceCommand } from "./nuisanceArgs.js";

export interface NuisanceDeps extends Pick<CallsDeps, "readOptionsFile" | "defaultDataDir"> {
  readonly openMarks: (folder: string, country: CountryCode) => HouseholdMarks;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
}

export function runNuisance(command: NuisanceCommand, deps: NuisanceDeps): number {
  const options = loadOptions(command.configFile, deps);
  if (options === null) return 1;
  // validateOptions has checked that libphonenumber knows the country.
  const country = options.directory.country as CountryCode;
  const marks = deps.openMarks(deps.defaultDataDir(options.data_dir), country);
  switch (command.action) {
    case "add": {
      const kind = command.allow ? "allow" : "nuisance";
      const made = marks.mark({ number: command.number ?? "", kind, label: command.label ?? null });
      if (!made.ok) {
        deps.writeErr(`voip-callerid: nuisance add: ${made.message}`);
        return 1;
      }
      deps.writeOut(`${describe(made.mark)}; the add-on applies it from the next call`);
      return 0;
    }
    case "remove": {
      if (!marks.unmark(command.number ?? "")) {
        deps.writeErr(`voip-callerid: nuisance remove: no mark for "${command.number}"`);
        return 1;
      }
      deps.writeOut(`mark of ${command.number} removed`);
      return 0;
    }
    case "list": {
      const list = marks.list();
      if (command.json) deps.writeOut(JSON.stringify(list));
      else if (list.length === 0) deps.writeOut("no marks yet");
      else for (const mark of list) deps.writeOut(describe(mark));
      return 0;
    }
  }
}

function describe(mark: HouseholdMark): string {
  const what = mark.kind === "allow" ? "never flagged" : "nuisance";
  return `${mark.number}  ${what}${mark.label === null ? "" : `  "${mark.label}"`}  (${mark.at})`;
}
