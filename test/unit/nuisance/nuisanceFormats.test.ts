import { describe, expect, it } from "vitest";
import {
  detectNuisanceFormat,
  nuisanceReader,
  parseNuisanceList,
} from "../../../src/core/nuisance/nuisanceFormats.js";

const entries = (parsed: ReturnType<typeof parseNuisanceList>) =>
  parsed.entries.map((e) => [e.key, e.prefix, e.label, e.line]);
const messages = (parsed: ReturnType<typeof parseNuisanceList>) =>
  parsed.problems.map((p) => p.message);

describe("detectNuisanceFormat", () => {
  it.each([
    ["/config/ktipp.json", "x", "json"],
    ["/config/blocklist_ktipp_ch", '\uFEFF  {"entries": []}', "json"],
    ["/config/spam.csv", "{", "csv"],
    ["/config/spam.txt", "0906*\tMehrwert", "tsv"],
    ["/config/spam", "Nummer;Firma\n", "csv"],
    ["/config/spam", "0906*\n", "tsv"],
    ["/config/contacts.vcf", "", "vcard"],
  ])("%s (%j) → %s", (path, text, format) => {
    expect(detectNuisanceFormat(path, text)).toBe(format);
  });
});

describe("TSV: number or prefix, a tab, a label; a number alone is fine", () => {
  const text = [
    "# K-Tipp, December",
    "0906*\tMehrwertdienst",
    "+41 44 555 12 12\t\tLotto Versand",
    "0800 123 456",
    "\tno number",
    "09*06\tbroken",
    "",
  ].join("\r\n");

  it("reads every good line and names each bad one with its file and line", () => {
    const parsed = parseNuisanceList(text, "/config/spam.txt", "tsv", "CH");
    expect(entries(parsed)).toEqual([
      ["+41906", true, "Mehrwertdienst", 2],
      ["+41445551212", false, "Lotto Versand", 3],
      ["+41800123456", false, null, 4],
    ]);
    expect(messages(parsed)).toEqual([
      '/config/spam.txt line 5: expected "number<TAB>label", found no number before the tab in "no number"',
      '/config/spam.txt line 6: "09*06" is not a phone number or a prefix ending in *, in "09*06 broken"',
    ]);
  });

  it("gives the same result for a text read in pieces cut anywhere", () => {
    const whole = parseNuisanceList(text, "f", "tsv", "CH");
    for (const size of [1, 3, 7]) {
      const reader = nuisanceReader("f", "tsv", "CH");
      for (let at = 0; at < text.length; at += size) reader.push(text.slice(at, at + size));
      expect(reader.end()).toEqual(whole);
    }
  });
});

describe("CSV: the phonebook's header names", () => {
  it("takes the number column and the name or company as the label", () => {
    const text = [
      "Firma;Telefon;Bemerkung",
      'Lotto Versand;"044 555 12 12";ruft oft an',
      "Mehrwert AG;0901 23*;",
      ";0906 000 000;",
      "Broken;abc;",
    ].join("\n");
    const parsed = parseNuisanceList(text, "/config/spam.csv", "csv", "CH");
    expect(entries(parsed)).toEqual([
      ["+41445551212", false, "Lotto Versand", 2],
      ["+4190123", true, "Mehrwert AG", 3],
      ["+41906000000", false, null, 4],
    ]);
    expect(messages(parsed)).toEqual([
      '/config/spam.csv line 5: "abc" is not a phone number or a prefix ending in *, in "Broken;abc;"',
    ]);
  });
});

describe("callblocker's JSON list (its K-Tipp import)", () => {
  // The shape blocklist_base.py writes (json.dump, indent=2): a header and "entries".
  const ktipp = `{
  "name": "ktipp.ch blocklist",
  "origin": "https://www.ktipp.ch/service/warnlisten/detail/warnliste/unerwuenschte-oder-laestige-telefonanrufe/",
  "parsed_by": "callblocker script: blocklist_ktipp_ch.py",
  "last_update": "+41445551212",
  "num_entries": 4,
  "entries": [
    {
      "number": "+41445551212",
      "name": "Lotto Versand <b>GmbH</b>",
      "date_created": "2026-11-30 10:00:00 +0000",
      "date_modified": "2026-11-30 10:00:00 +0000"
    },
    {
      "number": "+41906*",
      "name": "Mehrwertdienst"
    },
    {
      "number": 41445551213,
      "name": "a number, not text"
    },
    "not an entry",
    {
      "number": "+41 21 555 00 00"
    }
  ]
}
`;

  it("reads each entry with its line, reports bad ones with theirs", () => {
    const parsed = parseNuisanceList(
      ktipp,
      "/share/callblocker/blocklist_ktipp_ch.json",
      "json",
      "CH",
    );
    expect(entries(parsed)).toEqual([
      ["+41445551212", false, "Lotto Versand GmbH", 8],
      ["+41906", true, "Mehrwertdienst", 14],
      ["+41215550000", false, null, 23],
    ]);
    expect(messages(parsed)).toEqual([
      '/share/callblocker/blocklist_ktipp_ch.json line 18: expected {"number": "…", "name": "…"}, found "{ "number": 41445551213, "name": "a number, not text" }"',
      '/share/callblocker/blocklist_ktipp_ch.json line 22: expected {"number": "…", "name": "…"}, found ""not an entry""',
    ]);
  });

  it("keeps what it could read of a broken text, and says where it broke", () => {
    const broken = '{"entries": [\n {"number": "0906*", "name": "A"},\n oops\n]}';
    const parsed = parseNuisanceList(broken, "b.json", "json", "CH");
    expect(entries(parsed)).toEqual([["+41906", true, "A", 2]]);
    expect(messages(parsed)[0]).toBe("b.json line 3: not valid JSON: InvalidSymbol");
  });

  it("a bare list of entries is read too; anything else is named", () => {
    // A good list is read by the native parser: its entries carry no line.
    expect(entries(parseNuisanceList('[{"number": "0906*"}]', "a.json", "json", "CH"))).toEqual([
      ["+41906", true, null, null],
    ]);
    expect(messages(parseNuisanceList('{"numbers": []}', "c.json", "json", "CH"))).toEqual([
      'c.json: expected callblocker\'s list {"entries": [{"number": …, "name": …}, …]}',
    ]);
  });
});
