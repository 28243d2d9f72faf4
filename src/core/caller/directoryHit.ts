/**
 * What the directory says about a caller, apart from how search.ch's answer is read
 * (searchChResponse.ts, which needs an XML parser): the entries, a lookup's outcome and the
 * one name chosen among several entries. Kept apart so the resolver and the cache do not load
 * the parser; only the search.ch client does, when it is made (online_lookup on).
 *
 * Several entries for one number (chooseDirectoryHit) — the rule:
 *   - one entry: that entry ("single").
 *   - all entries persons (or keyless "Surname, Given" titles) with the same surname, compared
 *     case-insensitively: a household ("household") — "Familie Muster" / "the Muster family" /
 *     "famille Muster" / "famiglia Muster", no occupation, city and canton only where all agree.
 *     Family members sharing one landline is the common Swiss case, and naming one of them
 *     would often be wrong about who is calling.
 *   - otherwise the first entry's display name ("first-of-several") with the count, so a
 *     screen can show "+2"; "and N others" is not spoken. Businesses listing several entries
 *     under one number (departments, owners) put the main entry first.
 *   - no entries: null.
 */

export interface DirectoryEntry {
  type: "person" | "organisation" | "unknown";
  /** tel:name (surname or business name), else derived from the title. */
  name: string | null;
  /** tel:firstname, else the given part of a keyless "Surname, Given" title. */
  firstName: string | null;
  /** What a person says: "Hans Muster", or a business's name. Never empty. */
  displayName: string;
  occupation: string | null;
  categories: string[];
  street: string | null;
  streetNo: string | null;
  zip: string | null;
  city: string | null;
  /** Two letters, upper case ("ZH"). */
  canton: string | null;
  /** E.164 ("+41441234567"). */
  phone: string | null;
}

/** What one lookup came to, as the HTTP edge reports it (see src/io/searchChClient.ts). */
export type SearchChOutcome =
  | { kind: "entries"; entries: DirectoryEntry[]; totalResults: number; correction?: string }
  | { kind: "forbidden"; message: string }
  | { kind: "rate-limited"; retryAfterMs: number | null }
  | {
      kind: "failed";
      reason: "timeout" | "http-error" | "network" | "too-large" | "invalid-document";
      message: string;
    };

export type DirectoryLang = "de" | "en" | "fr" | "it";

export interface DirectoryHit {
  name: string;
  occupation: string | null;
  city: string | null;
  canton: string | null;
  entries: number;
  rule: "single" | "household" | "first-of-several";
}

/** Applies the several-entries rule in the file's header. */
export function chooseDirectoryHit(
  entries: DirectoryEntry[],
  lang: DirectoryLang,
): DirectoryHit | null {
  const first = entries[0];
  if (!first) return null;
  if (entries.length === 1) {
    const { displayName: name, occupation, city, canton } = first;
    return { name, occupation, city, canton, entries: 1, rule: "single" };
  }
  const surname = first.name;
  const household =
    surname !== null &&
    entries.every(
      (entry) =>
        (entry.type === "person" || (entry.type === "unknown" && entry.firstName !== null)) &&
        entry.name !== null &&
        sameText(entry.name, surname),
    );
  if (household) {
    return {
      name: familyName(surname, lang),
      occupation: null,
      city: common(entries.map((entry) => entry.city)),
      canton: common(entries.map((entry) => entry.canton)),
      entries: entries.length,
      rule: "household",
    };
  }
  const { displayName: name, occupation, city, canton } = first;
  return { name, occupation, city, canton, entries: entries.length, rule: "first-of-several" };
}

function familyName(surname: string, lang: DirectoryLang): string {
  switch (lang) {
    case "de":
      return `Familie ${surname}`;
    case "en":
      return `the ${surname} family`;
    case "fr":
      return `famille ${surname}`;
    case "it":
      return `famiglia ${surname}`;
  }
}

/** The value all share, or null when they differ or none is known. */
function common(values: (string | null)[]): string | null {
  const [first] = values;
  if (first === null || first === undefined) return null;
  return values.every((value) => value !== null && sameText(value, first)) ? first : null;
}

function sameText(a: string, b: string): boolean {
  return a.normalize("NFC").toLowerCase() === b.normalize("NFC").toLowerCase();
}
