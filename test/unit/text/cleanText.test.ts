import { expect, it } from "vitest";
import { cleanText } from "../../../src/core/text/cleanText.js";

it.each([
  ["plain", "Hans Muster", "Hans Muster"],
  ["tags", "<script>alert(1)</script>Hans", "alert(1) Hans"],
  ["stray brackets", "a < b", "a b"],
  ["anything between brackets is taken for a tag", "a < b > c", "a c"],
  ["control and format characters", "Ha\u0000ns\u0007 \u202eMu\u200bster", "Ha ns Mu ster"],
  ["white space folded", "  Hans \t\r\n Muster  ", "Hans Muster"],
  ["umlauts and accents kept", "Zürich Genève Città", "Zürich Genève Città"],
])("%s", (_, input, output) => {
  expect(cleanText(input, 120)).toBe(output);
});

it("caps the length at a character boundary", () => {
  expect(cleanText("😀".repeat(10), 3)).toBe("😀😀😀");
  expect(cleanText("word ".repeat(100), 12)).toBe("word word wo");
});
