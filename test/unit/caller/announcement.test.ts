import { describe, expect, it } from "vitest";
import {
  type AnnouncementFacts,
  buildAnnouncement,
  buildNuisanceWarning,
} from "../../../src/core/caller/announcement.js";
import { CANTONS, placePhrase } from "../../../src/core/caller/cantons.js";
import { normalizeNumber } from "../../../src/core/caller/numbers.js";

const number = normalizeNumber("0441234567", "CH");
const facts = (
  kind: AnnouncementFacts["kind"],
  extra: Partial<AnnouncementFacts> = {},
): AnnouncementFacts => ({
  kind,
  number,
  name: null,
  occupation: null,
  city: null,
  canton: null,
  ...extra,
});
const hans = facts("directory", {
  name: "Hans Muster",
  occupation: "Schreiner",
  city: "Zürich",
  canton: "ZH",
});

describe("announcements in four languages", () => {
  it.each([
    [
      "de",
      "Anruf von Hans Muster. Schreiner. Stadt Zürich",
      "Anruf von Anna",
      "Nicht im Telefonbuch. 0 4 4, 1 2 3, 4 5, 6 7",
      "Anruf mit unterdrückter Nummer",
      "Anruf, die Nummer ist nicht verfügbar",
      "Telefonbuch nicht erreichbar. 0 4 4, 1 2 3, 4 5, 6 7",
    ],
    [
      "en",
      "Call from Hans Muster. Schreiner. City of Zürich",
      "Call from Anna",
      "Not in the directory. 0 4 4, 1 2 3, 4 5, 6 7",
      "Call from a withheld number",
      "Call, the number is not available",
      "Directory not reachable. 0 4 4, 1 2 3, 4 5, 6 7",
    ],
    [
      "fr",
      "Appel de Hans Muster. Schreiner. Ville de Zürich",
      "Appel de Anna",
      "Absent de l'annuaire. 0 4 4, 1 2 3, 4 5, 6 7",
      "Appel d'un numéro masqué",
      "Appel, le numéro n'est pas disponible",
      "Annuaire injoignable. 0 4 4, 1 2 3, 4 5, 6 7",
    ],
    [
      "it",
      "Chiamata da Hans Muster. Schreiner. Città di Zürich",
      "Chiamata da Anna",
      "Non presente nell'elenco. 0 4 4, 1 2 3, 4 5, 6 7",
      "Chiamata da un numero nascosto",
      "Chiamata, il numero non è disponibile",
      "Elenco telefonico non raggiungibile. 0 4 4, 1 2 3, 4 5, 6 7",
    ],
  ] as const)("%s", (lang, directory, known, unknown, anonymous, unavailable, unreachable) => {
    expect(buildAnnouncement(hans, lang)).toBe(directory);
    expect(buildAnnouncement(facts("known", { name: "Anna" }), lang)).toBe(known);
    expect(buildAnnouncement(facts("unknown"), lang)).toBe(unknown);
    expect(buildAnnouncement(facts("anonymous", { number: { kind: "anonymous" } }), lang)).toBe(
      anonymous,
    );
    expect(buildAnnouncement(facts("unavailable", { number: { kind: "unavailable" } }), lang)).toBe(
      unavailable,
    );
    expect(buildAnnouncement(facts("unreachable"), lang)).toBe(unreachable);
  });

  it("takes the first four words of the occupation and drops empty parts", () => {
    const long = facts("directory", {
      name: "Muster AG",
      occupation: "Schreinerei, Innenausbau und Küchenbau seit 1920",
      city: "Winterthur",
      canton: "ZH",
    });
    expect(buildAnnouncement(long, "de")).toBe(
      "Anruf von Muster AG. Schreinerei, Innenausbau und Küchenbau. Winterthur. Kanton Zürich",
    );
    expect(buildAnnouncement(facts("directory", { name: "Hans Muster" }), "de")).toBe(
      "Anruf von Hans Muster",
    );
  });

  it("uses the user's template, with every placeholder", () => {
    const text = buildAnnouncement(hans, "de", {
      directory: "{name} ({occupation}) aus {city} {canton}, {number_display}",
    });
    expect(text).toBe("Hans Muster (Schreiner) aus Zürich ZH, 044 123 45 67");
    expect(buildAnnouncement(hans, "de", { directory: "" })).toBe(
      "Anruf von Hans Muster. Schreiner. Stadt Zürich",
    );
    expect(buildAnnouncement(hans, "de", { directory: "{unknown_placeholder} {name}" })).toBe(
      "{unknown_placeholder} Hans Muster",
    );
  });

  it("cleans hostile names and cannot be tricked into placeholders", () => {
    const hostile = facts("known", { name: "<b>Evil</b>\u0000\u202e {number} \n\t Corp" });
    expect(buildAnnouncement(hostile, "en")).toBe("Call from Evil {number} Corp");
    expect(
      buildAnnouncement(facts("known", { name: "x".repeat(1000) }), "en").length,
    ).toBeLessThanOrEqual(240);
  });
});

describe("places", () => {
  it.each([
    ["Winterthur", "ZH", "de", "Winterthur. Kanton Zürich"],
    ["Zürich", "ZH", "de", "Stadt Zürich"],
    ["Genève", "GE", "de", "Stadt Genève"],
    ["Lausanne", "VD", "fr", "Lausanne. canton de Vaud"],
    ["Lugano", "TI", "it", "Lugano. Cantone Ticino"],
    ["Appenzell", "AI", "de", "Appenzell. Kanton Appenzell Innerrhoden"],
    ["Herisau", "AR", "de", "Herisau. Kanton Appenzell Ausserrhoden"],
    ["Herisau", "AR", "fr", "Herisau. canton d'Appenzell Rhodes-Extérieures"],
    ["St. Gallen", "SG", "en", "City of St. Gallen"],
    ["Chur", "GR", "fr", "Chur. canton des Grisons"],
    ["Delémont", "JU", "it", "Delémont. Cantone del Giura"],
    ["Somewhere", "XX", "de", "Somewhere"],
    [null, "BE", "en", "Canton of Bern"],
  ] as const)("%s %s in %s", (city, canton, lang, phrase) => {
    expect(placePhrase(city, canton, lang)).toBe(phrase);
  });

  it("knows all 26 cantons in all four languages", () => {
    expect(Object.keys(CANTONS).sort()).toEqual(
      "AG AI AR BE BL BS FR GE GL GR JU LU NE NW OW SG SH SO SZ TG TI UR VD VS ZG ZH".split(" "),
    );
    for (const canton of Object.values(CANTONS)) {
      for (const lang of ["de", "en", "fr", "it"] as const) {
        expect(canton.names[lang]).not.toBe("");
        expect(canton.phrases[lang]).toContain(
          lang === "fr" || lang === "it" ? "anton" : canton.names[lang],
        );
      }
    }
  });
});

describe("the warning for a caller on a nuisance list", () => {
  it("cleans the list's label and never lets it fill in a placeholder", () => {
    const label = "Lotto <b>Versand</b>\u0007 {number}";
    expect(buildNuisanceWarning({ label, number, name: null }, "de")).toBe(
      "Achtung, vermutlich Werbung: Lotto Versand {number}",
    );
  });

  it("says the number when the list gives no label, and drops a dangling colon with neither", () => {
    expect(buildNuisanceWarning({ label: null, number, name: null }, "it")).toBe(
      "Attenzione, probabilmente pubblicità: 0 4 4, 1 2 3, 4 5, 6 7",
    );
    const none = normalizeNumber(null, "CH", { anonymous: true });
    expect(buildNuisanceWarning({ label: null, number: none, name: null }, "en")).toBe(
      "Caution, probably a sales call",
    );
  });
});
