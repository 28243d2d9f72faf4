import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  type PhonebookFormat,
  parsePhonebook,
  phonebookReader,
} from "../../../src/core/caller/phonebook.js";
import { fixture, PHONEBOOK_FIXTURES } from "../../support/phonebookFixtures.js";
import { mulberry32 } from "../../support/random.js";

/** The text pushed in pieces cut at the given lengths (the last piece takes the rest). */
function inPieces(text: string, format: PhonebookFormat, cuts: () => number): ParsedPhonebook {
  const reader = phonebookReader("p", format, "CH");
  let at = 0;
  while (at < text.length) {
    const length = Math.max(1, cuts());
    reader.push(text.slice(at, at + length));
    reader.push(""); // an empty piece changes nothing
    at += length;
  }
  return reader.end();
}

const names = readdirSync(PHONEBOOK_FIXTURES).sort();

describe("a phonebook read in pieces", () => {
  it.each(names)("%s gives the whole text's result, however it is cut", (name) => {
    const original = fixture(name);
    // Every line break form, and a BOM, so that pieces cut a CRLF and the BOM too.
    const variants = [
      original,
      `\uFEFF${original.replace(/\n/g, "\r\n")}`,
      original.replace(/\n/g, "\r"),
    ];
    const random = mulberry32(name.length * 7919);
    for (const text of variants) {
      const format = detectPhonebookFormat(name, text);
      const whole = parsePhonebook(text, "p", format, "CH");
      expect(whole.entries.length).toBeGreaterThan(0);
      expect(inPieces(text, format, () => 1)).toEqual(whole);
      expect(inPieces(text, format, () => 2)).toEqual(whole);
      for (let round = 0; round < 20; round += 1) {
        expect(inPieces(text, format, () => Math.floor(random() * 64))).toEqual(whole);
      }
    }
  });

  it("keeps a quoted CSV field with line breaks whole across pieces", () => {
    const text = 'Name;Telefon\r\n"Muster,\r\nHans";044 123 45 67\r\nEva;031 234 56 78';
    const parsed = inPieces(text, "csv", () => 3);
    expect(parsed.entries.map((e) => `${e.line} ${e.name}`)).toEqual(["2 Muster, Hans", "4 Eva"]);
    expect(parsed).toEqual(parsePhonebook(text, "p", "csv", "CH"));
  });

  it("reads a CSV whose header line comes only at the end", () => {
    expect(inPieces("\n\n  \nName,Phone", "csv", () => 1)).toEqual(
      parsePhonebook("\n\n  \nName,Phone", "p", "csv", "CH"),
    );
    expect(inPieces("", "csv", () => 1)).toEqual({
      entries: [],
      anonymousName: null,
      problems: [],
    });
  });
});
