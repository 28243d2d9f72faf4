import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
import { mulberry32 } from "../../support/random.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/phonebooks/", import.meta.url));

function fixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, "utf8");
}

function parseFixture(name: string): ParsedPhonebook {
  const text = fixture(name);
  return parsePhonebook(text, name, detectPhonebookFormat(name, text), "CH");
}

/** Entries as `line key name`, one string each, for compact expectations. */
function summary(parsed: ParsedPhonebook): string[] {
  return parsed.entries.map((e) => `${e.line} ${e.key} ${e.name}`);
}

function messages(parsed: ParsedPhonebook): string[] {
  return parsed.problems.map((p) => p.message);
}

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

describe("CSV phonebooks", () => {
  it("reads an Outlook export: ';', BOM, CRLF, quotes, a line break inside a field", () => {
    const parsed = parseFixture("contacts-outlook-de.csv");
    expect(summary(parsed)).toEqual([
      "2 +41441234567 Hans Muster",
      "2 +41791234567 Hans Muster",
      '3 +41312345678 Anna "Anni" Beispiel',
      "4 +41800123456 Muster AG",
      "5 +41319998877 Eva Muster",
      "10 +49301234567 Karl Meier",
    ]);
    expect(messages(parsed)).toEqual([
      'contacts-outlook-de.csv line 7: no number in "Peter;Mustermann;;;;peter@example.ch"',
      'contacts-outlook-de.csv line 8: "keine" is not a phone number, in "Ursula;Keller;;keine;;"',
    ]);
  });

  it("reads a Google export: ',' and a quoted comma; the Type columns are not numbers", () => {
    const parsed = parseFixture("contacts-google.csv");
    expect(summary(parsed)).toEqual([
      "2 +41791234567 Muster, Hans",
      "2 +41441234567 Muster, Hans",
      "3 +41312345678 Anna Beispiel",
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it.each([
    ["French", "Prénom;Nom;Téléphone\nJean;Dupont;022 123 45 67\n", "Jean Dupont"],
    ["Italian", "Nome;Cognome;Telefono\nMario;Rossi;091 123 45 67\n", "Mario Rossi"],
    ["German", "Name,Vorname,Nummer\nMuster,Hans,044 123 45 67\n", "Hans Muster"],
    ["English", "First Name,Last Name,Mobile Phone\nJane,Doe,079 123 45 67\n", "Jane Doe"],
    ["with extra columns", "x,NAME,y,NUMBER,z\n1,Hans,2,044 123 45 67,3\n", "Hans"],
  ])("finds %s headers", (_, text, name) => {
    const parsed = parsePhonebook(text, "c.csv", "csv", "CH");
    expect(parsed.entries.map((e) => e.name)).toEqual([name]);
    expect(parsed.problems).toEqual([]);
  });

  it("reads CRLF and a BOM written inline, quotes with doubled quotes", () => {
    const text =
      '\uFEFFName;Telefon\r\n"Muster; ""Hausi""";"044 123 45 67"\r\nEva;031 234 56 78\r\n';
    const parsed = parsePhonebook(text, "c.csv", "csv", "CH");
    expect(summary(parsed)).toEqual(['2 +41441234567 Muster; "Hausi"', "3 +41312345678 Eva"]);
  });

  it("reports a file without a number column once", () => {
    const parsed = parsePhonebook("Name;E-Mail\nHans;h@x.ch\nEva;e@x.ch\n", "c.csv", "csv", "CH");
    expect(parsed.entries).toEqual([]);
    expect(messages(parsed)).toEqual([
      'c.csv line 1: no phone number column in the header "Name;E-Mail"; expected a column named' +
        ' e.g. "Number", "Telefon", "Phone", "Numéro" or "Numero"',
    ]);
  });

  it("keeps the rows before a quote that is never closed", () => {
    const text = 'Name,Number\nHans,044 123 45 67\n"Eva,031 234 56 78\nKarl,079 123 45 67\n';
    const parsed = parsePhonebook(text, "c.csv", "csv", "CH");
    expect(summary(parsed)).toEqual(["2 +41441234567 Hans"]);
    expect(parsed.problems.map((p) => p.line)).toEqual([3]);
    expect(messages(parsed)[0]).toContain("never closed");
  });

  it("reports a row without a name", () => {
    const parsed = parsePhonebook("Name,Number\n,044 123 45 67\n", "c.csv", "csv", "CH");
    expect(messages(parsed)).toEqual([
      'c.csv line 2: no name for "044 123 45 67" in ",044 123 45 67"',
    ]);
  });
});

describe("vCard phonebooks", () => {
  it("reads vCard 3.0: several TEL, a folded line, an escaped comma, a broken card", () => {
    const parsed = parseFixture("contacts-v3.vcf");
    expect(summary(parsed)).toEqual([
      "6 +41441234567 Muster, Hans",
      "7 +41791234567 Muster, Hans", // item1.TEL, folded over lines 7-8
      "19 +41312345678 Anna Beispiel", // N as "Given Family"; the broken FN line is dropped
      "24 +41800123456 Muster AG", // ORG when there is neither FN nor N
    ]);
    expect(messages(parsed)).toEqual([
      "contacts-v3.vcf line 11: this vCard has no END:VCARD before the next one; skipped",
      `contacts-v3.vcf line 18: cannot read "FN;broken" (Invalid parameters in 'FN;broken'); ignored`,
      'contacts-v3.vcf line 25: no number in "TEL;TYPE=FAX:"',
    ]);
  });

  it("reads vCard 4.0: tel: URIs with parameters; a sip: URI is reported", () => {
    const parsed = parseFixture("contacts-v4.vcf");
    expect(summary(parsed)).toEqual([
      "4 +41312345678 Anna Beispiel",
      "5 +41797654321 Anna Beispiel",
      "11 +49301234567 Karl Meier",
    ]);
    expect(parsed.entries[1]?.number).toBe("+41-79-765-43-21");
    expect(messages(parsed)).toEqual([
      'contacts-v4.vcf line 6: "sip:anna@example.ch" is not a telephone number, in "TEL;VALUE=uri:sip:anna@example.ch"',
    ]);
  });

  it("reads an Android vCard 2.1: bare TEL types, quoted-printable UTF-8 names", () => {
    const parsed = parseFixture("android-v21.vcf");
    expect(summary(parsed)).toEqual(["6 +41791112233 Jürg Müller", "7 +41442223344 Jürg Müller"]);
    expect(parsed.problems).toEqual([]);
  });

  it("a broken card in the middle loses only itself", () => {
    const card = (name: string, tel: string) =>
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${name}\r\nTEL:${tel}\r\nEND:VCARD\r\n`;
    const text =
      card("Erste", "044 111 11 11") +
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kaputt\r\nTEL;TYPE="open:031 222 22 22\r\nBEGIN:VCALENDAR\r\nEND:VCARD\r\n' +
      card("Dritte", "044 333 33 33");
    const parsed = parsePhonebook(text, "a.vcf", "vcard", "CH");
    expect(parsed.entries.map((e) => e.name)).toEqual(["Erste", "Dritte"]);
    expect(parsed.problems.map((p) => p.line)).toEqual([9, 10]);
  });

  it("reports an END without BEGIN, stray text and a card cut off at the end", () => {
    const text = "hello\nworld\nEND:VCARD\nBEGIN:VCARD\nFN:A\nTEL:044 123 45 67\n";
    const parsed = parsePhonebook(text, "a.vcf", "vcard", "CH");
    expect(parsed.entries).toEqual([]);
    expect(messages(parsed)).toEqual([
      'a.vcf line 1: text outside BEGIN:VCARD … END:VCARD ignored: "hello"',
      "a.vcf line 3: END:VCARD without BEGIN:VCARD",
      "a.vcf line 4: this vCard has no END:VCARD; skipped",
    ]);
  });

  it("reports a contact with numbers but no name", () => {
    const text = "BEGIN:VCARD\nVERSION:3.0\nTEL:044 123 45 67\nEND:VCARD\n";
    expect(messages(parsePhonebook(text, "a.vcf", "vcard", "CH"))).toEqual([
      'a.vcf line 3: no name for "044 123 45 67" in "TEL:044 123 45 67"',
    ]);
  });

  it("skips a contact without TEL silently", () => {
    const text = "BEGIN:VCARD\nVERSION:3.0\nFN:Nur Mail\nEMAIL:a@b.ch\nEND:VCARD\n";
    expect(parsePhonebook(text, "a.vcf", "vcard", "CH")).toEqual({
      entries: [],
      anonymousName: null,
      problems: [],
    });
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

  const names = readdirSync(FIXTURES).sort();

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
