/**
 * The sentence the household hears: the seed's "Anruf von Hans Muster. Schreiner. Stadt
 * Zürich", in German, English, French or Italian. One template per situation, each of which a
 * user may replace; placeholders in braces:
 *
 *   {name}            the caller's name (phonebook, directory or network)
 *   {occupation}      the first four words of the directory's occupation
 *   {place}           "<town>. Kanton <canton>", or "Stadt <town>" (see cantons.ts)
 *   {city} {canton}   the parts on their own (canton as its two-letter code)
 *   {number}          the number digit by digit, in its written groups ("0 4 4, 1 2 3, …")
 *   {number_display}  the number as written ("044 123 45 67")
 *
 * Sentences are ". "-separated parts; a part left empty (no occupation, no place) is dropped
 * with its separator, so a template needs no conditionals.
 *
 * A caller on a nuisance list gets a warning of its own (`announce.nuisance: warn`), with
 * {label} (the list's label, or the number spoken when the list gave none), {name}, {number}
 * and {number_display}.
 */

import { cleanText } from "../text/cleanText.js";
import { type Language, placePhrase } from "./cantons.js";
import type { CallerNumber } from "./numbers.js";

export type AnnouncementKind =
  | "known"
  | "directory"
  | "unknown"
  | "anonymous"
  | "unavailable"
  | "unreachable";
export type Templates = Readonly<Record<AnnouncementKind, string>>;

export const DEFAULT_TEMPLATES: Readonly<Record<Language, Templates>> = {
  de: {
    known: "Anruf von {name}",
    directory: "Anruf von {name}. {occupation}. {place}",
    unknown: "Nicht im Telefonbuch. {number}",
    anonymous: "Anruf mit unterdrückter Nummer",
    unavailable: "Anruf, die Nummer ist nicht verfügbar",
    unreachable: "Telefonbuch nicht erreichbar. {number}",
  },
  en: {
    known: "Call from {name}",
    directory: "Call from {name}. {occupation}. {place}",
    unknown: "Not in the directory. {number}",
    anonymous: "Call from a withheld number",
    unavailable: "Call, the number is not available",
    unreachable: "Directory not reachable. {number}",
  },
  fr: {
    known: "Appel de {name}",
    directory: "Appel de {name}. {occupation}. {place}",
    unknown: "Absent de l'annuaire. {number}",
    anonymous: "Appel d'un numéro masqué",
    unavailable: "Appel, le numéro n'est pas disponible",
    unreachable: "Annuaire injoignable. {number}",
  },
  it: {
    known: "Chiamata da {name}",
    directory: "Chiamata da {name}. {occupation}. {place}",
    unknown: "Non presente nell'elenco. {number}",
    anonymous: "Chiamata da un numero nascosto",
    unavailable: "Chiamata, il numero non è disponibile",
    unreachable: "Elenco telefonico non raggiungibile. {number}",
  },
};

export interface AnnouncementFacts {
  readonly kind: AnnouncementKind;
  readonly number: CallerNumber;
  readonly name: string | null;
  readonly occupation: string | null;
  readonly city: string | null;
  readonly canton: string | null;
}

/** Longest sentence handed to text to speech. */
const MAX_ANNOUNCEMENT = 240;
const OCCUPATION_WORDS = 4;

export function buildAnnouncement(
  facts: AnnouncementFacts,
  lang: Language,
  overrides: Partial<Templates> = {},
): string {
  const template = overrides[facts.kind] || DEFAULT_TEMPLATES[lang][facts.kind];
  const number = facts.number.kind === "number" ? facts.number : null;
  return fillTemplate(template, {
    name: facts.name ?? number?.spoken ?? "",
    occupation: firstWords(facts.occupation, OCCUPATION_WORDS),
    place: placePhrase(facts.city, facts.canton, lang) ?? "",
    city: facts.city ?? "",
    canton: facts.canton ?? "",
    number: number?.spoken ?? "",
    number_display: number?.display ?? "",
  });
}

/** The warning for a caller on a nuisance list ("Achtung, vermutlich Werbung: Lotto Versand"). */
const DEFAULT_NUISANCE_TEMPLATES: Readonly<Record<Language, string>> = {
  de: "Achtung, vermutlich Werbung: {label}",
  en: "Caution, probably a sales call: {label}",
  fr: "Attention, probablement du démarchage : {label}",
  it: "Attenzione, probabilmente pubblicità: {label}",
};

export interface NuisanceFacts {
  /** The list's label, or null when it gave none. */
  readonly label: string | null;
  readonly number: CallerNumber;
  readonly name: string | null;
}

export function buildNuisanceWarning(facts: NuisanceFacts, lang: Language, template = ""): string {
  const number = facts.number.kind === "number" ? facts.number : null;
  return fillTemplate(template || DEFAULT_NUISANCE_TEMPLATES[lang], {
    label: facts.label || number?.spoken || "",
    name: facts.name ?? number?.spoken ?? "",
    number: number?.spoken ?? "",
    number_display: number?.display ?? "",
  });
}

function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  // Each value is cleaned on its way in; replace() does not rescan what it inserted, so a
  // caller's name cannot smuggle in a placeholder.
  const filled = template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = values[key];
    return value === undefined ? whole : cleanText(value, MAX_ANNOUNCEMENT);
  });
  const sentence = filled
    .split(". ")
    .map((part) => part.trim())
    .filter((part) => part !== "" && part !== ".")
    .join(". ")
    // A template's last placeholder left empty leaves its lead-in's colon or comma behind.
    .replace(/\s*[:,]\s*$/, "");
  return cleanText(sentence, MAX_ANNOUNCEMENT);
}

/** The first words of an occupation ("Schreinerei und Innenausbau, Küchen" → 4 words). */
function firstWords(text: string | null, count: number): string {
  if (!text) return "";
  return cleanText(text, MAX_ANNOUNCEMENT)
    .split(" ")
    .slice(0, count)
    .join(" ")
    .replace(/[,;:]$/, "");
}
