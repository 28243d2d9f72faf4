import { describe, expect, it } from "vitest";
import { normalizeNumber } from "../../../src/core/caller/numbers.js";
import { makeMark, markList } from "../../../src/core/nuisance/householdList.js";
import { judgeCaller, type NuisanceLists } from "../../../src/core/nuisance/judgeCaller.js";
import type { HouseholdMark } from "../../../src/core/nuisance/marks.js";
import {
  nuisanceFromOptions,
  nuisanceOptionProblems,
} from "../../../src/core/nuisance/nuisanceEntries.js";
import { NumberList } from "../../../src/core/nuisance/numberList.js";
import { parseNumberPattern } from "../../../src/core/nuisance/numberPattern.js";

describe("parseNumberPattern: compared in E.164 after normalisation", () => {
  it.each([
    // written                 country  key                 prefix
    ["0906*", "CH", "+41906", true],
    ["090 1*", "CH", "+41901", true],
    ["+41 90 1*", "CH", "+41901", true],
    ["+41901*", "CH", "+41901", true],
    ["0041 901*", "CH", "+41901", true],
    ["(0)901-*", "CH", "+41901", true],
    ["0049 30 12*", "CH", "+493012", true],
    ["030 12*", "DE", "+493012", true],
    ["+39 06*", "CH", "+3906", true],
    ["0800 1*", "CH", "+418001", true],
    ["079 123 45 67", "CH", "+41791234567", false],
    ["+41 79 123 45 67", "CH", "+41791234567", false],
    ["0041791234567", "CH", "+41791234567", false],
    ["1818", "CH", "1818", false], // a short number keeps its digits, as normalizeNumber does
  ] as const)("%s (%s) → %s", (written, country, key, prefix) => {
    expect(parseNumberPattern(written, country)).toEqual({ ok: true, pattern: { key, prefix } });
  });

  it("090 1* and +41901* are the same prefix", () => {
    const a = parseNumberPattern("090 1*", "CH");
    const b = parseNumberPattern("+41901*", "CH");
    expect(a).toEqual(b);
  });

  it.each([
    ["abc", "is not a phone number or a prefix ending in *"],
    ["", "is not a phone number or a prefix ending in *"],
    ["09*06*", "is not a prefix: only digits may come before the *"],
    ["09x*", "is not a prefix: only digits may come before the *"],
    ["1+41*", "is not a prefix: only digits may come before the *"],
    ["0*", "is too short a prefix: at least 3 digits before the *"],
    ["+4*", "is too short a prefix: at least 3 digits before the *"],
    ["*", "is too short a prefix: at least 3 digits before the *"],
  ])("%j is refused: %s", (written, reason) => {
    const parsed = parseNumberPattern(written, "CH");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toBe(`"${written}" ${reason}`);
  });
});

const list = (entries: (string | { number: string; label?: string })[]) =>
  new NumberList(nuisanceFromOptions(entries, "CH").entries);
const key = (written: string) => {
  const number = normalizeNumber(written, "CH");
  if (number.kind !== "number") throw new Error(written);
  return number.key;
};

describe("NumberList.match: the exact number, else the longest prefix", () => {
  const entries = list([
    { number: "090*", label: "090" },
    { number: "0901*", label: "0901" },
    { number: "0901 23*", label: "090123" },
    { number: "0901 234 567", label: "exact" },
    { number: "+49 30*", label: "Berlin" },
  ]);
  it.each([
    ["0901 234 567", "exact"],
    ["+41901234567", "exact"],
    ["901234567", "exact"], // the trunk 0 dropped by the network
    ["0901 234 568", "090123"],
    ["0901 999 999", "0901"],
    ["0906 123 456", "090"],
    ["0049 30 1234567", "Berlin"],
    ["044 123 45 67", undefined],
    ["+4930", "Berlin"],
  ])("%s → %s", (caller, label) => {
    expect(entries.match(key(caller), "CH")?.label).toBe(label);
  });

  it("a short number meets a prefix written the same way", () => {
    expect(list(["1818*"]).match(key("18181"), "CH")?.number).toBe("1818*");
    expect(list(["1818"]).match(key("1818"), "CH")?.number).toBe("1818");
  });

  it("a later entry for the same number or prefix replaces the earlier one", () => {
    const twice = list([
      { number: "0901*", label: "first" },
      { number: "+41901*", label: "second" },
    ]);
    expect(twice.size).toBe(1);
    expect(twice.match(key("0901 234 567"), "CH")?.label).toBe("second");
  });
});

describe("nuisanceFromOptions", () => {
  it("cleans labels like caller names and reports bad entries with their place", () => {
    const parsed = nuisanceFromOptions(
      [
        { number: "0906*", label: " Mehr\u0000wert <b>dienst</b> " },
        { number: "abc", label: "x" },
        { number: "0901 234 567", label: "   " },
        "044 555 12 12",
      ],
      "CH",
    );
    expect(parsed.entries.map((e) => [e.key, e.prefix, e.label, e.line])).toEqual([
      ["+41906", true, "Mehr wert dienst", null],
      ["+41901234567", false, null, null],
      ["+41445551212", false, null, null],
    ]);
    expect(parsed.problems.map((p) => p.message)).toEqual([
      'options: "abc" is not a phone number or a prefix ending in *, in entry 2',
    ]);
  });

  it("names a bad option as the user wrote it, before anything starts", () => {
    expect(
      nuisanceOptionProblems(
        { nuisance: [{ number: "0906*" }, { number: "09*1" }], allow: ["044 123 45 67", "0*"] },
        "CH",
      ),
    ).toEqual([
      'directory.nuisance.1.number: "09*1" is not a phone number or a prefix ending in *',
      'directory.allow.1: "0*" is too short a prefix: at least 3 digits before the *',
    ]);
  });
});

describe("judgeCaller: phonebook > allow > household > files > options", () => {
  const marks = (...made: { number: string; kind: "nuisance" | "allow"; label?: string }[]) =>
    markList(
      made.map((input) => {
        const result = makeMark(input, "CH", "2026-12-05T20:00:00.000Z");
        if (!result.ok) throw new Error(result.message);
        return result.mark;
      }),
    );
  const lists: NuisanceLists = {
    options: list([
      { number: "0901*", label: "Option prefix" },
      { number: "044 555 12 12", label: "Option number" },
    ]),
    files: list([
      { number: "0901 23*", label: "File prefix" },
      { number: "0906*", label: "File 0906" },
    ]),
    household: marks(
      { number: "0901 234*", kind: "nuisance", label: "Household prefix" },
      { number: "0901 234 999", kind: "allow" },
    ),
    allow: list(["0901 234 5*", "044 555 12 12"]),
  };
  const party = (written: string, source: "phonebook" | "search.ch" | null = null) => ({
    number: normalizeNumber(written, "CH"),
    source,
  });

  it.each([
    ["0901 999 999", null, { flagged: true, label: "Option prefix", source: "list" }],
    ["0901 230 000", null, { flagged: true, label: "File prefix", source: "file" }],
    ["0906 000 000", "search.ch", { flagged: true, label: "File 0906", source: "file" }],
    ["0901 234 000", null, { flagged: true, label: "Household prefix", source: "household" }],
    // the household's allow mark beats the files and the options under it
    ["0901 234 999", null, { flagged: false, label: null, source: null }],
    // allow beats the household's list, whose prefix is shorter here
    ["0901 234 567", null, { flagged: false, label: null, source: null }],
    ["044 555 12 12", null, { flagged: false, label: null, source: null }],
    // a contact in the phonebook is never flagged
    ["0901 999 999", "phonebook", { flagged: false, label: null, source: null }],
    ["044 123 45 67", null, { flagged: false, label: null, source: null }],
  ] as const)("%s (named by %s) → %j", (written, source, verdict) => {
    expect(judgeCaller(party(written, source), lists, "CH")).toEqual(verdict);
  });

  it("a withheld caller has nothing to match", () => {
    const anonymous = { number: normalizeNumber(null, "CH", { anonymous: true }), source: null };
    expect(judgeCaller(anonymous, lists, "CH").flagged).toBe(false);
  });
});

describe("makeMark", () => {
  it("keeps a mark in E.164, a prefix with its *", () => {
    const made = makeMark({ number: "090 1*", kind: "nuisance", label: "Lotto" }, "CH", "t");
    expect(made).toEqual({
      ok: true,
      mark: { number: "+41901*", kind: "nuisance", label: "Lotto", at: "t" },
    } satisfies { ok: true; mark: HouseholdMark });
  });

  it("refuses what is not a number and an unknown kind", () => {
    expect(makeMark({ number: "abc", kind: "nuisance" }, "CH", "t")).toMatchObject({ ok: false });
    expect(makeMark({ number: "0901*", kind: "block" as "allow" }, "CH", "t")).toEqual({
      ok: false,
      message: 'kind must be "nuisance" or "allow", not "block"',
    });
  });
});

describe("the options, checked before anything starts", () => {
  it("names every number of directory.nuisance and directory.allow it cannot read", async () => {
    const { validateOptions } = await import("../../../src/config/validateOptions.js");
    const result = validateOptions({
      directory: {
        nuisance: [{ number: "0906*", label: "ok" }, { number: "12*34" }],
        allow: ["*"],
      },
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        'directory.nuisance.1.number: "12*34" is not a phone number or a prefix ending in *',
        'directory.allow.0: "*" is too short a prefix: at least 3 digits before the *',
      ],
    });
    const good = validateOptions({ directory: { nuisance: [{ number: "0906*" }] } });
    expect(good.ok && good.options.directory.nuisance).toEqual([{ number: "0906*", label: "" }]);
  });
});
