import { describe, expect, it } from "vitest";
import { parsePhonebook } from "../../../src/core/caller/phonebook.js";
import { messages, parseFixture, summary } from "../../support/phonebookFixtures.js";

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
