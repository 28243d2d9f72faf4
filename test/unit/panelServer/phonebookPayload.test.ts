import { describe, expect, it } from "vitest";
import type { PhonebookEntry } from "../../../src/core/caller/phonebook.js";
import { parsePhonebook } from "../../../src/core/caller/phonebook.js";
import {
  exportEntries,
  listPhonebook,
  previewImport,
  toCsv,
  toVcard,
} from "../../../src/panel/server/phonebookPayload.js";

const own = [
  { id: "a", number: "079 111 22 33", name: "Zahnarzt; Meier, Dr.", key: "+41791112233" },
];
const others: PhonebookEntry[] = [
  {
    name: '=HYPERLINK("x")',
    key: "+41445556677",
    number: "044 555 66 77",
    source: "/config/pb.csv",
    line: 2,
  },
  { name: "Old", key: "+41791112233", number: "0791112233", source: "options", line: null },
];

describe("the phonebook listing", () => {
  it("puts the household's own entries first, marks the ones they override, names the file", () => {
    const listing = listPhonebook(own, others, "CH");
    expect(listing.total).toBe(3);
    expect(listing.truncated).toBe(false);
    expect(
      listing.entries.map((e) => [
        e.id,
        e.source,
        e.file,
        e.editable,
        e.overridden,
        e.number_display,
      ]),
    ).toEqual([
      ["a", "household", null, true, false, "079 111 22 33"],
      ["file:+41445556677", "file", "/config/pb.csv", false, false, "044 555 66 77"],
      ["options:+41791112233", "options", null, false, true, "079 111 22 33"],
    ]);
  });

  it("finds entries by part of the name or digits of the number, and lists a big book in part", () => {
    const names = (q: string) => listPhonebook(own, others, "CH", { q }).entries.map((e) => e.name);
    expect(names("meier")).toEqual(["Zahnarzt; Meier, Dr."]);
    expect(names("044 555")).toEqual(['=HYPERLINK("x")']);
    expect(names("79111")).toEqual(["Zahnarzt; Meier, Dr.", "Old"]);
    const many: PhonebookEntry[] = Array.from({ length: 3000 }, (_, i) => ({
      name: `Person ${i}`,
      key: `+41441${String(100000 + i)}`,
      number: `044 1${100000 + i}`,
      source: "/config/big.csv",
      line: i + 2,
    }));
    const big = listPhonebook(own, many, "CH", { limit: 100 });
    expect(big.entries).toHaveLength(101);
    expect(big.total).toBe(3001);
    expect(big.truncated).toBe(true);
    expect(listPhonebook(own, many, "CH", { q: "person 2999" }).entries.map((e) => e.name)).toEqual(
      ["Person 2999"],
    );
  });
});

describe("the exports", () => {
  const listed = exportEntries(own, others);

  it("writes vCard 3.0 with escaped text and E.164 numbers, each number once", () => {
    expect(toVcard(listed)).toBe(
      [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Zahnarzt; Meier\\, Dr.",
        "N:Zahnarzt\\; Meier\\, Dr.;;;;",
        "TEL;TYPE=VOICE:+41791112233",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        'FN:=HYPERLINK("x")',
        'N:=HYPERLINK("x");;;;',
        "TEL;TYPE=VOICE:+41445556677",
        "END:VCARD",
        "",
      ].join("\r\n"),
    );
  });

  it("writes CSV with quoting, and a name a spreadsheet would run as a formula made text", () => {
    expect(toCsv(listed)).toBe(
      [
        "Name,Number",
        '"Zahnarzt; Meier, Dr.",+41791112233',
        `"'=HYPERLINK(""x"")",+41445556677`,
        "",
      ].join("\r\n"),
    );
  });

  it("reads back as the same names and numbers with the phonebook's own readers", () => {
    for (const [text, format] of [
      [toVcard(listed), "vcard"],
      [toCsv(listed), "csv"],
    ] as const) {
      const parsed = parsePhonebook(text, `export.${format}`, format, "CH");
      expect(parsed.problems).toEqual([]);
      expect(parsed.entries.map((e) => [e.key, e.name])).toEqual([
        ["+41791112233", "Zahnarzt; Meier, Dr."],
        ["+41445556677", format === "csv" ? `'=HYPERLINK("x")` : '=HYPERLINK("x")'],
      ]);
    }
  });
});

describe("an import's preview", () => {
  it("lists the entries a TSV would add and the lines it cannot take, naming the file without its folder", () => {
    const preview = previewImport(
      "/home/me/liste.txt",
      "044 123 45 67\tHans\nabc\tNobody\nP\tUnterdrückt\n",
      "CH",
    );
    expect(preview.entries).toEqual([
      { number: "044 123 45 67", number_display: "044 123 45 67", name: "Hans" },
    ]);
    expect(preview.problems).toEqual([
      {
        line: 2,
        message: expect.stringMatching(/^liste\.txt line 2: "abc" is not a phone number/),
      },
      { line: null, message: expect.stringMatching(/^liste\.txt: the text for withheld numbers/) },
    ]);
  });
});
