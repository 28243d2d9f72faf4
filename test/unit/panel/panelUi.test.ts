/**
 * The panel page's pure parts: which language it speaks, how calls read, the routes a reload
 * keeps, and the relative URLs it asks (so it works under Home Assistant's ingress prefix).
 */
import { describe, expect, it } from "vitest";
import { type Call, callsPath, telSearchUrl } from "../../../panel-ui/src/api.js";
import {
  callerTitle,
  callOutcome,
  formatCallTime,
  formatDuration,
  known,
  routeOf,
  sourceLabel,
} from "../../../panel-ui/src/format.js";
import { de } from "../../../panel-ui/src/i18n/de.js";
import { en } from "../../../panel-ui/src/i18n/en.js";
import { fr } from "../../../panel-ui/src/i18n/fr.js";
import { pickLanguage, translator } from "../../../panel-ui/src/i18n/index.js";
import { it as italian } from "../../../panel-ui/src/i18n/it.js";

const call = (fields: Partial<Call>): Call => ({
  call_id: "c1",
  started_at: "2026-12-05T18:00:00.000Z",
  line: "aaln/1@ata.example",
  line_name: "Home",
  direction: "incoming",
  outcome: "missed",
  answered: false,
  duration_s: null,
  number: "+41441234567",
  number_display: "044 123 45 67",
  name: null,
  name_source: null,
  anonymous: false,
  announcement: null,
  ...fields,
});

describe("language", () => {
  it("follows the first of the browser's languages the panel has, else English", () => {
    expect(pickLanguage(["de-CH", "en"])).toBe("de");
    expect(pickLanguage(["rm-CH", "fr-CH"])).toBe("fr");
    expect(pickLanguage(["it"])).toBe("it");
    expect(pickLanguage(["ja-JP"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
  });

  it("has every text in all four languages, with the same placeholders", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();
    for (const catalogue of [de, fr, italian]) {
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en))
        expect(placeholders(catalogue[key as keyof typeof en]), key).toEqual(placeholders(text));
    }
  });

  it("fills placeholders with the values as given, as text", () => {
    const t = translator("de");
    expect(t("book.confirmDelete", { name: "<b>Muster</b>" })).toBe(
      "<b>Muster</b> aus dem Telefonbuch löschen?",
    );
    expect(translator("en")("calls.page", { n: 3 })).toBe("Page 3");
  });
});

describe("calls as the household reads them", () => {
  const t = translator("en");

  it("says answered with the talk time, missed, or not answered", () => {
    expect(callOutcome(call({ answered: true, duration_s: 75 }), t)).toBe("answered · 1:15");
    expect(callOutcome(call({}), t)).toBe("missed");
    expect(callOutcome(call({ direction: "outgoing", outcome: "ended" }), t)).toBe("not answered");
    expect(callOutcome(call({ outcome: "ended" }), t)).toBe("missed");
    expect(callOutcome(call({ outcome: "ringing" }), t)).toBe("Ringing");
    expect(callOutcome(call({ outcome: "answered", answered: true }), t)).toBe("Talking");
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("names the caller, else shows the number, else why there is none", () => {
    expect(callerTitle(call({ name: "Hans Muster" }), t)).toBe("Hans Muster");
    expect(callerTitle(call({}), t)).toBe("044 123 45 67");
    expect(callerTitle(call({ number: null, number_display: null, anonymous: true }), t)).toBe(
      "Withheld number",
    );
    expect(sourceLabel("search.ch", t)).toBe("search.ch");
    expect(sourceLabel("phonebook", translator("de"))).toBe("Telefonbuch");
    expect(sourceLabel("something-new", t)).toBe("something-new");
    expect(known("status", "capturing", translator("de"))).toBe("schneidet mit");
    expect(known("bridge", "toInternal", t)).toBe("To the adapter");
    expect(known("bridge", "newCounter", t)).toBe("newCounter");
  });

  it("shows only the time for today's calls, the date too for older ones", () => {
    const now = new Date("2026-12-05T20:00:00.000Z");
    expect(formatCallTime("2026-12-05T18:05:00.000Z", "de", now)).toMatch(/^\d\d:05$/);
    expect(formatCallTime("2026-11-30T18:05:00.000Z", "de", now)).toMatch(/30\.11\.26/);
  });
});

describe("routes and URLs", () => {
  it("keeps the view of the hash, and falls back to Now", () => {
    expect(routeOf("#/calls")).toBe("calls");
    expect(routeOf("#/phonebook?x=1")).toBe("phonebook");
    expect(routeOf("#/try")).toBe("try");
    expect(routeOf("")).toBe("now");
    expect(routeOf("#/nothing")).toBe("now");
  });

  it("asks the calls API relative to the page, with only the filters that are set", () => {
    expect(callsPath({}, 50, null)).toBe("api/calls?limit=50");
    expect(
      callsPath(
        { missed: true, line: "aaln/1@ata", direction: "incoming", q: " Muster " },
        50,
        "cursor/1",
      ),
    ).toBe(
      "api/calls?limit=50&before=cursor%2F1&missed=1&line=aaln%2F1%40ata&direction=incoming&q=Muster",
    );
  });

  it("opens tel.search.ch with the number as a query value", () => {
    expect(telSearchUrl("+41441234567")).toBe("https://tel.search.ch/?was=%2B41441234567");
  });
});
