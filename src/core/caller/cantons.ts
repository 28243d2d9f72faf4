/**
 * The 26 cantons by their two-letter codes (as search.ch's `tel:canton` gives them), with the
 * phrase that names each in the four announcement languages. French and Italian phrases carry
 * their own article ("canton du Jura", "Cantone dei Grigioni"), so they are whole phrases
 * rather than a prefix plus a name. The two Appenzells stay apart: AI is Innerrhoden, AR
 * Ausserrhoden.
 */
export type Language = "de" | "en" | "fr" | "it";

interface Canton {
  /** The canton's name in each language, for comparing with a town's name. */
  readonly names: Readonly<Record<Language, string>>;
  /** "Kanton Zürich", "Canton of Zurich", "canton de Zurich", "Cantone di Zurigo". */
  readonly phrases: Readonly<Record<Language, string>>;
}

function canton(de: string, en: string, fr: [string, string], it: [string, string]): Canton {
  return {
    names: { de, en, fr: fr[0], it: it[0] },
    phrases: { de: `Kanton ${de}`, en: `Canton of ${en}`, fr: fr[1], it: it[1] },
  };
}

export const CANTONS: Readonly<Record<string, Canton>> = {
  AG: canton(
    "Aargau",
    "Aargau",
    ["Argovie", "canton d'Argovie"],
    ["Argovia", "Cantone di Argovia"],
  ),
  AI: canton(
    "Appenzell Innerrhoden",
    "Appenzell Innerrhoden",
    ["Appenzell Rhodes-Intérieures", "canton d'Appenzell Rhodes-Intérieures"],
    ["Appenzello Interno", "Cantone di Appenzello Interno"],
  ),
  AR: canton(
    "Appenzell Ausserrhoden",
    "Appenzell Ausserrhoden",
    ["Appenzell Rhodes-Extérieures", "canton d'Appenzell Rhodes-Extérieures"],
    ["Appenzello Esterno", "Cantone di Appenzello Esterno"],
  ),
  BE: canton("Bern", "Bern", ["Berne", "canton de Berne"], ["Berna", "Cantone di Berna"]),
  BL: canton(
    "Basel-Landschaft",
    "Basel-Landschaft",
    ["Bâle-Campagne", "canton de Bâle-Campagne"],
    ["Basilea Campagna", "Cantone di Basilea Campagna"],
  ),
  BS: canton(
    "Basel-Stadt",
    "Basel-Stadt",
    ["Bâle-Ville", "canton de Bâle-Ville"],
    ["Basilea Città", "Cantone di Basilea Città"],
  ),
  FR: canton(
    "Freiburg",
    "Fribourg",
    ["Fribourg", "canton de Fribourg"],
    ["Friburgo", "Cantone di Friburgo"],
  ),
  GE: canton("Genf", "Geneva", ["Genève", "canton de Genève"], ["Ginevra", "Cantone di Ginevra"]),
  GL: canton("Glarus", "Glarus", ["Glaris", "canton de Glaris"], ["Glarona", "Cantone di Glarona"]),
  GR: canton(
    "Graubünden",
    "Graubünden",
    ["Grisons", "canton des Grisons"],
    ["Grigioni", "Cantone dei Grigioni"],
  ),
  JU: canton("Jura", "Jura", ["Jura", "canton du Jura"], ["Giura", "Cantone del Giura"]),
  LU: canton(
    "Luzern",
    "Lucerne",
    ["Lucerne", "canton de Lucerne"],
    ["Lucerna", "Cantone di Lucerna"],
  ),
  NE: canton(
    "Neuenburg",
    "Neuchâtel",
    ["Neuchâtel", "canton de Neuchâtel"],
    ["Neuchâtel", "Cantone di Neuchâtel"],
  ),
  NW: canton(
    "Nidwalden",
    "Nidwalden",
    ["Nidwald", "canton de Nidwald"],
    ["Nidvaldo", "Cantone di Nidvaldo"],
  ),
  OW: canton(
    "Obwalden",
    "Obwalden",
    ["Obwald", "canton d'Obwald"],
    ["Obvaldo", "Cantone di Obvaldo"],
  ),
  SG: canton(
    "St. Gallen",
    "St. Gallen",
    ["Saint-Gall", "canton de Saint-Gall"],
    ["San Gallo", "Cantone di San Gallo"],
  ),
  SH: canton(
    "Schaffhausen",
    "Schaffhausen",
    ["Schaffhouse", "canton de Schaffhouse"],
    ["Sciaffusa", "Cantone di Sciaffusa"],
  ),
  SO: canton(
    "Solothurn",
    "Solothurn",
    ["Soleure", "canton de Soleure"],
    ["Soletta", "Cantone di Soletta"],
  ),
  SZ: canton("Schwyz", "Schwyz", ["Schwytz", "canton de Schwytz"], ["Svitto", "Cantone di Svitto"]),
  TG: canton(
    "Thurgau",
    "Thurgau",
    ["Thurgovie", "canton de Thurgovie"],
    ["Turgovia", "Cantone di Turgovia"],
  ),
  TI: canton("Tessin", "Ticino", ["Tessin", "canton du Tessin"], ["Ticino", "Cantone Ticino"]),
  UR: canton("Uri", "Uri", ["Uri", "canton d'Uri"], ["Uri", "Cantone di Uri"]),
  VD: canton("Waadt", "Vaud", ["Vaud", "canton de Vaud"], ["Vaud", "Cantone di Vaud"]),
  VS: canton(
    "Wallis",
    "Valais",
    ["Valais", "canton du Valais"],
    ["Vallese", "Cantone del Vallese"],
  ),
  ZG: canton("Zug", "Zug", ["Zoug", "canton de Zoug"], ["Zugo", "Cantone di Zugo"]),
  ZH: canton("Zürich", "Zurich", ["Zurich", "canton de Zurich"], ["Zurigo", "Cantone di Zurigo"]),
};

const CITY: Readonly<Record<Language, string>> = {
  de: "Stadt",
  en: "City of",
  fr: "Ville de",
  it: "Città di",
};

/**
 * How a caller's place is said: "<town>. Kanton <canton>", or "Stadt <town>" where the town
 * bears the canton's name (Zürich ZH, Genève GE — in any of the four languages), as the seed
 * article did. An unknown canton code is left out rather than spelled as letters.
 */
export function placePhrase(
  city: string | null,
  cantonCode: string | null,
  lang: Language,
): string | null {
  const known = cantonCode ? CANTONS[cantonCode.toUpperCase()] : undefined;
  if (!city) return known ? known.phrases[lang] : null;
  if (!known) return city;
  const sameName = Object.values(known.names).some(
    (name) => name.localeCompare(city, "de", { sensitivity: "base" }) === 0,
  );
  return sameName ? `${CITY[lang]} ${city}` : `${city}. ${known.phrases[lang]}`;
}
