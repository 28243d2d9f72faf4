import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKS_FILE, openHouseholdMarks } from "../../src/io/householdMarks.js";

let folder: string;
let warnings: string[];
const open = () =>
  openHouseholdMarks({
    folder,
    country: "CH",
    now: () => Date.parse("2026-12-05T20:00:00Z"),
    warn: (message) => warnings.push(message),
  });

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "marks-"));
  warnings = [];
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe("household marks in data_dir/nuisance-marks.json", () => {
  it("keeps marks in E.164 in the file, a later mark of a number replacing the earlier", () => {
    const marks = open();
    expect(marks.list()).toEqual([]);
    expect(marks.mark({ number: "044 555 12 12", kind: "nuisance", label: "Lotto" })).toMatchObject(
      {
        ok: true,
      },
    );
    marks.mark({ number: "090 1*", kind: "nuisance" });
    marks.mark({ number: "+41 44 555 12 12", kind: "allow", label: "Zahnarzt" });
    const file = JSON.parse(readFileSync(join(folder, MARKS_FILE), "utf8"));
    expect(file).toEqual({
      version: 1,
      marks: [
        { number: "+41901*", kind: "nuisance", label: null, at: "2026-12-05T20:00:00.000Z" },
        {
          number: "+41445551212",
          kind: "allow",
          label: "Zahnarzt",
          at: "2026-12-05T20:00:00.000Z",
        },
      ],
    });
    expect(readdirSync(folder)).toEqual([MARKS_FILE]); // no temporary file left behind
  });

  it("a mark made by another process (the command line) is seen at the next call", () => {
    const daemon = open();
    expect(daemon.matcher().match("+41901234567", "CH")).toBeUndefined();
    const cli = open();
    cli.mark({ number: "0901*", kind: "nuisance", label: "Mehrwert" });
    expect(daemon.matcher().match("+41901234567", "CH")?.label).toBe("Mehrwert");
    expect(cli.unmark("+41 901*")).toBe(true);
    expect(daemon.matcher().match("+41901234567", "CH")).toBeUndefined();
    expect(daemon.unmark("0901*")).toBe(false);
  });

  it("refuses a number it cannot read, and leaves the file alone", () => {
    const marks = open();
    expect(marks.mark({ number: "hello", kind: "nuisance" })).toEqual({
      ok: false,
      message: '"hello" is not a phone number or a prefix ending in *',
    });
    expect(readdirSync(folder)).toEqual([]);
  });

  it("survives a bad file: set aside, said once, the readable marks kept", () => {
    const path = join(folder, MARKS_FILE);
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        marks: [
          { number: "+41901*", kind: "nuisance", label: "ok", at: "t" },
          { number: "0901 x", kind: "nuisance", label: null, at: "t" },
        ],
      }),
    );
    const marks = open();
    expect(marks.list().map((m) => m.number)).toEqual(["+41901*"]);
    expect(marks.list()).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /mark 2 is not \{number, kind, label, at\}; left out; kept as .*\.bad-/,
    );
    const aside = readdirSync(folder).filter((name) => name.includes(".bad-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(folder, aside[0] ?? ""), "utf8")).toContain("0901 x");

    writeFileSync(path, "{ not json");
    expect(open().list()).toEqual([]);
    expect(warnings[1]).toMatch(/is not valid JSON.*kept as/);
  });
});

describe("a marks file that cannot be read", () => {
  it("a folder in the file's place: said, nothing marked, nothing replaced", () => {
    mkdirSync(join(folder, MARKS_FILE));
    const marks = open();
    expect(marks.list()).toEqual([]);
    expect(warnings[0]).toMatch(/no household marks until it can be read/);
    const made = marks.mark({ number: "0906*", kind: "nuisance" });
    expect(made.ok).toBe(false);
    expect(made.ok ? "" : made.message).toMatch(/nothing changed$/);
    expect(statSync(join(folder, MARKS_FILE)).isDirectory()).toBe(true);
  });
});
