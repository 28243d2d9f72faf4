import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeNumber } from "../../../src/core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  Phonebook,
  type PhonebookFormat,
  parsePhonebook,
  phonebookFromOptions,
} from "../../../src/core/caller/phonebook.js";
import {
  fixture,
  messages,
  PHONEBOOK_FIXTURES,
  parseFixture,
  summary,
} from "../../support/phonebookFixtures.js";
import { mulberry32 } from "../../support/random.js";

describe("detectPhonebookFormat", () => {
  it.each([
    ["/config/phone.txt", "tsv"],
    ["phone.TSV", "tsv"],
    ["/config/kontakte.csv", "csv"],
    ["adressbuch.VCF", "vcard"],
    ["adressbuch.vcard", "vcard"],
  ])("%s by its extension", (path, format) => {
    // The name wins over the content: a file is what its owner called it.
    expect(detectPhonebookFormat(path, "BEGIN:VCARD\n")).toBe(format);
    expect(detectPhonebookFormat(path, "Name;Telefon\n")).toBe(format);
  });

  it.each([
    ["a vCard", "\uFEFF\n  \nbegin:vcard\r\nFN:x\r\nEND:VCARD", "vcard"],
    ["a CSV header with ;", "Vorname;Nachname;Telefon\n", "csv"],
    ["a CSV header with , and quotes", '"Name","Phone 1 - Value"\n', "csv"],
    ["the seed's text", "P\tAnonymer Anruf\n0441234567\tHans, Muster\n", "tsv"],
    ["commas without a known header", "0441234567, Hans\n", "tsv"],
    ["nothing at all", "", "tsv"],
  ])("%s without a known extension", (_, text, format) => {
    expect(detectPhonebookFormat("/config/phonebook", text)).toBe(format as PhonebookFormat);
  });
});

describe("the seed's tab-separated phonebook", () => {
  it("loads the article's example with its P line", () => {
    const parsed = parseFixture("seed.tsv");
    expect(parsed.anonymousName).toBe("Anonymer Anruf");
    expect(summary(parsed)).toEqual([
      "3 0123456789 Anruf von Hans Muster",
      "4 0987654321 Anruf von Peter Mustermann",
      "5 +41441234567 Anruf aus dem Büro",
    ]);
    expect(parsed.entries[2]).toEqual({
      name: "Anruf aus dem Büro",
      key: "+41441234567",
      number: "+41 44 123 45 67",
      source: "seed.tsv",
      line: 5,
    });
    expect(parsed.problems).toEqual([]);
  });

  it("reports bad lines with file and line, and loads the rest", () => {
    const parsed = parseFixture("broken.tsv");
    expect(summary(parsed)).toEqual(["2 +41441234567 Anruf von Hans Muster", "8 117 Polizei"]);
    expect(parsed.problems.map((p) => `${p.source} ${p.line}`)).toEqual(
      [3, 4, 5, 6].map((line) => `broken.tsv ${line}`),
    );
    expect(messages(parsed)).toEqual([
      'broken.tsv line 3: expected "number<TAB>text to speak", found no tab in "079 123 45 67 Anruf ohne Tabulator"',
      'broken.tsv line 4: expected "number<TAB>text to speak", found no number before the tab in "Anruf ohne Nummer"',
      'broken.tsv line 5: no name for "031 234 56 78" in "031 234 56 78"',
      'broken.tsv line 6: "keine Nummer" is not a phone number, in "keine Nummer Anruf von niemandem"',
    ]);
  });

  it("takes P in any case, CRLF and a BOM, and cleans and caps the text", () => {
    const parsed = parsePhonebook(
      `\uFEFFp\tUnterdrückte Nummer\r\n044 123 45 67\t Anruf\u0007 von\u200b  Hans\r\n079 123 45 67\t${"x".repeat(500)}`,
      "x.tsv",
      "tsv",
      "CH",
    );
    expect(parsed.anonymousName).toBe("Unterdrückte Nummer");
    expect(parsed.entries.map((e) => e.name.length)).toEqual([14, 120]);
    expect(parsed.entries[0]?.name).toBe("Anruf von Hans");
    expect(parsed.problems).toEqual([]);
  });
});

describe("every written form of a number finds the one entry", () => {
  const forms = [
    "+41 44 123 45 67",
    "0041441234567",
    "044 123 45 67",
    "044/123.45.67",
    "41441234567",
    "441234567",
    "+41 (0)44 123 45 67",
  ];

  it.each(forms)("an entry written %s", (written) => {
    const phonebook = Phonebook.build([
      parsePhonebook(`${written}\tAnruf von Hans Muster`, "p.tsv", "tsv", "CH"),
    ]);
    expect(phonebook.size).toBe(1);
    for (const delivered of forms) {
      const number = normalizeNumber(delivered, "CH");
      const key = number.kind === "number" ? number.key : "";
      expect(phonebook.lookup(key)?.name, `${written} ← ${delivered}`).toBe(
        "Anruf von Hans Muster",
      );
    }
  });

  it("across formats: the same number in a TSV, a CSV and a vCard is one key", () => {
    const keys = [
      parsePhonebook("044 123 45 67\tA", "a.tsv", "tsv", "CH"),
      parsePhonebook("Name,Telefon\nA,0041 44 123 45 67\n", "a.csv", "csv", "CH"),
      parsePhonebook(
        "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL;VALUE=uri:tel:+41-44-123-45-67\nEND:VCARD\n",
        "a.vcf",
        "vcard",
        "CH",
      ),
    ].map((p) => p.entries[0]?.key);
    expect(keys).toEqual(["+41441234567", "+41441234567", "+41441234567"]);
  });
});

describe("duplicates and merging", () => {
  it("within a file the later entry wins, and a different name is reported", () => {
    const parsed = parsePhonebook(
      "044 123 45 67\tHans\n0041441234567\tHans\n+41 44 123 45 67\tHeiri\n",
      "d.tsv",
      "tsv",
      "CH",
    );
    expect(summary(parsed)).toEqual(["3 +41441234567 Heiri"]);
    expect(messages(parsed)).toEqual([
      'd.tsv line 3: "+41 44 123 45 67" is also on line 2 as "Hans"; the later "Heiri" wins',
    ]);
  });

  it("Phonebook.build: later parts win numbers and the P text", () => {
    const options = phonebookFromOptions(
      [
        { number: "044 123 45 67", name: "aus den Optionen" },
        { number: "079 123 45 67", name: "nur in den Optionen" },
        { number: "P", name: "Anonym (Optionen)" },
      ],
      "CH",
    );
    const first = parsePhonebook(
      "0441234567\taus Datei 1\nP\tAnonym (Datei 1)\n",
      "1.tsv",
      "tsv",
      "CH",
    );
    const second = parsePhonebook("+41441234567\taus Datei 2\n", "2.tsv", "tsv", "CH");
    const phonebook = Phonebook.build([options, first, second]);
    expect(phonebook.size).toBe(2);
    expect(phonebook.lookup("+41441234567")).toMatchObject({
      name: "aus Datei 2",
      source: "2.tsv",
    });
    expect(phonebook.lookup("+41791234567")).toMatchObject({ source: "options", line: null });
    expect(phonebook.anonymousName).toBe("Anonym (Datei 1)");
    expect(phonebook.lookup("+41000000000")).toBeUndefined();
    expect(Phonebook.empty.size).toBe(0);
    expect(Phonebook.empty.anonymousName).toBeNull();
  });

  it("reports bad option entries by position", () => {
    const parsed = phonebookFromOptions(
      [
        { number: "abc", name: "X" },
        { number: "044 123 45 67", name: " \u0000 " },
      ],
      "CH",
    );
    expect(messages(parsed)).toEqual([
      'options: "abc" is not a phone number, in entry 1',
      'options: no name for "044 123 45 67" in entry 2',
    ]);
  });

  it("lists at most 25 problems and counts the rest", () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const parsed = parsePhonebook(text, "m.tsv", "tsv", "CH");
    expect(parsed.problems).toHaveLength(26);
    expect(parsed.problems[25]?.message).toBe("m.tsv: 15 more problems not listed");
  });
});

describe("robustness", () => {
  const ALPHABET = [
    ...'\t\n\r;,":\\= P+07#\uFEFF\u0000ü😀\uD800',
    ...["\r\n", "BEGIN:VCARD\n", "END:VCARD\n", "TEL:", "TEL;VALUE=uri:tel:", "=C3"],
    ...["QUOTED-PRINTABLE", "VERSION:2.1\n", "Name", "Telefon", "item1."],
  ];

  function mutate(text: string, random: () => number): string {
    const pick = (n: number) => Math.floor(random() * n);
    let out = text;
    const steps = 1 + pick(4);
    for (let i = 0; i < steps; i += 1) {
      const at = pick(out.length + 1);
      switch (pick(5)) {
        case 0:
          out = out.slice(0, at) + out.slice(at + 1 + pick(20));
          break;
        case 1:
          out = out.slice(0, at) + (ALPHABET[pick(ALPHABET.length)] ?? "") + out.slice(at);
          break;
        case 2:
          out = out.slice(0, at);
          break;
        case 3: {
          const from = pick(out.length + 1);
          out = out.slice(0, at) + out.slice(from, from + pick(40)) + out.slice(at);
          break;
        }
        default:
          out = out.slice(0, at) + String.fromCharCode(pick(0x10000)) + out.slice(at + 1);
      }
    }
    return out;
  }

  const names = readdirSync(PHONEBOOK_FIXTURES).sort();

  it.each(names)("10,000 mutations of %s never throw", (name) => {
    const random = mulberry32(0xc0ffee ^ name.length);
    const original = fixture(name);
    const formats: PhonebookFormat[] = ["tsv", "csv", "vcard"];
    for (let i = 0; i < 10_000; i += 1) {
      const text = mutate(original, random);
      const format = i % 4 === 3 ? (formats[i % 3] ?? "tsv") : detectPhonebookFormat(name, text);
      let parsed: ParsedPhonebook;
      try {
        parsed = parsePhonebook(text, name, format, "CH");
      } catch (error) {
        expect.fail(`mutation ${i} (${format}) threw ${error}: ${JSON.stringify(text)}`);
      }
      for (const entry of parsed.entries) {
        const number = normalizeNumber(entry.number, "CH");
        if (number.kind !== "number" || entry.name === "" || Array.from(entry.name).length > 120) {
          expect.fail(`mutation ${i}: bad entry ${JSON.stringify(entry)}`);
        }
        expect(entry.key).toBe(number.key);
      }
      for (const problem of parsed.problems) {
        if (!problem.message.startsWith(name)) expect.fail(`mutation ${i}: ${problem.message}`);
      }
    }
  });

  it("detectPhonebookFormat never throws on mutated text", () => {
    const random = mulberry32(7);
    const texts = names.map(fixture);
    for (let i = 0; i < 10_000; i += 1) {
      const text = mutate(texts[i % texts.length] ?? "", random);
      expect(["tsv", "csv", "vcard"]).toContain(detectPhonebookFormat("/config/phonebook", text));
    }
  });
});
