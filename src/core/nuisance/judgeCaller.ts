/**
 * Whether a caller is a nuisance, by the lists in their order of precedence:
 *
 *   phonebook (a contact the household knows is never flagged)
 *   > directory.allow (never flagged)
 *   > the household's own marks (nuisance or allow)
 *   > the nuisance files (a later file wins a number both have)
 *   > the options' directory.nuisance
 *
 * Within one list the exact number wins, else the longest prefix (numberList.ts). Only a
 * number is judged: a withheld or unavailable caller has nothing to match.
 */
import type { CountryCode } from "../caller/numbers.js";
import type { CallerResolution } from "../caller/resolveCaller.js";
import type { MarkPattern } from "./householdList.js";
import type { NuisanceEntry } from "./nuisanceEntries.js";
import type { NumberList } from "./numberList.js";
import { NOT_FLAGGED, type NuisanceVerdict } from "./verdict.js";

export interface NuisanceLists {
  readonly allow: NumberList<NuisanceEntry>;
  readonly household: NumberList<MarkPattern>;
  readonly files: NumberList<NuisanceEntry>;
  readonly options: NumberList<NuisanceEntry>;
}

/**
 * The lists' verdict, or "exempt" when no source may flag the caller, so that no online source
 * needs asking: a withheld number, a contact of the phonebook, a number on the allow list or
 * allowed by the household.
 */
export function listVerdict(
  party: Pick<CallerResolution, "number" | "source">,
  lists: NuisanceLists,
  country: CountryCode,
): NuisanceVerdict | "exempt" {
  if (party.number.kind !== "number" || party.source === "phonebook") return "exempt";
  const { key } = party.number;
  if (lists.allow.match(key, country) !== undefined) return "exempt";
  const mark = lists.household.match(key, country);
  if (mark !== undefined) {
    return mark.kind === "allow"
      ? "exempt"
      : { flagged: true, label: mark.label, source: "household" };
  }
  const listed = lists.files.match(key, country);
  if (listed !== undefined) return { flagged: true, label: listed.label, source: "file" };
  const option = lists.options.match(key, country);
  if (option !== undefined) return { flagged: true, label: option.label, source: "list" };
  return NOT_FLAGGED;
}

export function judgeCaller(
  party: Pick<CallerResolution, "number" | "source">,
  lists: NuisanceLists,
  country: CountryCode,
): NuisanceVerdict {
  const verdict = listVerdict(party, lists, country);
  return verdict === "exempt" ? NOT_FLAGGED : verdict;
}
