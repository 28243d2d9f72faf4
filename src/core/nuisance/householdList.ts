/**
 * The household's own marks as values: a mark made from what the panel or the command line
 * was given, the marks file's content read back (whatever is wrong with an entry is said, and
 * the others kept), and the marks as a list to match callers against. The file itself is
 * written by src/io/householdMarks.ts.
 *
 *   nuisance-marks.json: {"version": 1, "marks": [
 *     {"number": "+41445551212", "kind": "nuisance", "label": "Lotto Versand", "at": "2026-…Z"},
 *     {"number": "+41901*", "kind": "allow", "label": null, "at": "…"}]}
 */
import type { CountryCode } from "../caller/numbers.js";
import type { HouseholdMark, MarkKind, MarkResult } from "./marks.js";
import { cleanLabel } from "./nuisanceEntries.js";
import { NumberList } from "./numberList.js";
import { type NumberPattern, parseNumberPattern } from "./numberPattern.js";

const MARKS_FILE_VERSION = 1;
const KINDS: readonly MarkKind[] = ["nuisance", "allow"];

export type MarkPattern = HouseholdMark & NumberPattern;

/** A mark of `number` (any written form, or a prefix ending in *), made at `at` (ISO 8601). */
export function makeMark(
  input: { number: string; kind: MarkKind; label?: string | null },
  country: CountryCode,
  at: string,
): MarkResult {
  if (!KINDS.includes(input.kind)) {
    return {
      ok: false,
      message: `kind must be "nuisance" or "allow", not ${JSON.stringify(input.kind)}`,
    };
  }
  const parsed = parseNumberPattern(String(input.number ?? ""), country);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const mark: HouseholdMark = {
    number: markNumber(parsed.pattern),
    kind: input.kind,
    label: cleanLabel(input.label),
    at,
  };
  return { ok: true, mark };
}

/** How a mark writes its number or prefix: the pattern's key, with a * for a prefix. */
export function markNumber({ key, prefix }: NumberPattern): string {
  return prefix ? `${key}*` : key;
}

/** The marks of a file's JSON value; `problems` name what was left out, and why. */
export function readMarks(value: unknown): { marks: HouseholdMark[]; problems: string[] } {
  const list = (value as { marks?: unknown } | null)?.marks;
  if (typeof value !== "object" || value === null || !Array.isArray(list)) {
    return { marks: [], problems: ['expected {"version": 1, "marks": [...]}'] };
  }
  const marks: HouseholdMark[] = [];
  const problems: string[] = [];
  list.forEach((entry: unknown, index) => {
    const mark = entry as Partial<Record<keyof HouseholdMark, unknown>> | null;
    const number = mark?.number;
    if (
      typeof number !== "string" ||
      !/^\+?[0-9]+\*?$/.test(number) ||
      !KINDS.includes(mark?.kind as MarkKind) ||
      !(mark?.label === null || typeof mark?.label === "string") ||
      typeof mark?.at !== "string"
    ) {
      problems.push(`mark ${index + 1} is not {number, kind, label, at}; left out`);
      return;
    }
    marks.push({ number, kind: mark.kind as MarkKind, label: cleanLabel(mark.label), at: mark.at });
  });
  return { marks, problems };
}

export function marksFileValue(marks: readonly HouseholdMark[]): unknown {
  return { version: MARKS_FILE_VERSION, marks };
}

/** The marks as a list to match callers against. */
export function markList(marks: readonly HouseholdMark[]): NumberList<MarkPattern> {
  return new NumberList(
    marks.map((mark) => ({
      ...mark,
      key: mark.number.replace(/\*$/, ""),
      prefix: mark.number.endsWith("*"),
    })),
  );
}
