/**
 * The household's own phonebook file (data_dir/household-phonebook.json), with real files:
 * what the panel's edits leave on disk, what a restart reads back, and a damaged file kept.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openHouseholdPhonebook } from "../../src/io/householdPhonebook.js";

let dir: string;
let path: string;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vci-household-pb-"));
  path = join(dir, "household-phonebook.json");
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () => openHouseholdPhonebook({ path, country: "CH", warn: (m) => warnings.push(m) });

describe("the household's own phonebook", () => {
  it("starts empty without a file, and saves each change where only the owner reads it", async () => {
    const book = open();
    expect(book.entries()).toEqual([]);
    const added = await book.add(" 079 111 22 33 ", "  Zahnarzt\u0000 Meier ");
    expect(added).toMatchObject({
      ok: true,
      created: true,
      entry: { number: "079 111 22 33", name: "Zahnarzt Meier", key: "+41791112233" },
    });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      version: 1,
      entries: [{ id: expect.any(String), number: "079 111 22 33", name: "Zahnarzt Meier" }],
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(book.current().lookup("+41791112233")?.name).toBe("Zahnarzt Meier");
    expect(warnings).toEqual([]);
  });

  it("keeps one entry per number, whichever way it is written", async () => {
    const book = open();
    const first = await book.add("0791112233", "A");
    const again = await book.add("+41 79 111 22 33", "B");
    expect(again).toMatchObject({ ok: true, created: false });
    expect(book.entries()).toHaveLength(1);
    expect(book.entries()[0]).toMatchObject({ name: "B", id: first.ok ? first.entry.id : "" });
    const other = await book.add("044 123 45 67", "C");
    // Giving C the number of B leaves one entry for that number: C's.
    await book.update(other.ok ? other.entry.id : "", "0791112233", "C");
    expect(book.entries().map((e) => [e.name, e.key])).toEqual([["C", "+41791112233"]]);
  });

  it("reads its entries back after a restart, in their order", async () => {
    const book = open();
    await book.add("0791112233", "Zahnarzt");
    await book.add("0441234567", "Schule");
    await book.flush();
    const again = open();
    expect(again.entries().map((e) => e.name)).toEqual(["Zahnarzt", "Schule"]);
    expect(again.current().lookup("+41441234567")?.name).toBe("Schule");
  });

  it("imports thousands at once, one entry per number, and an edit made meanwhile is kept", async () => {
    const book = open();
    const pairs = Array.from({ length: 3000 }, (_, i) => ({
      number: `044 100 ${String(i).padStart(4, "0")}`,
      name: `Person ${i}`,
    }));
    const [taken, edit] = await Promise.all([
      book.addMany([
        ...pairs,
        { number: "+41 44 100 00 00", name: "Again" },
        { number: "x", name: "Bad" },
      ]),
      book.add("0791112233", "Meanwhile"),
    ]);
    expect(taken).toBe(3001);
    expect(edit).toMatchObject({ ok: true, created: true });
    expect(book.entries()).toHaveLength(3001);
    expect(book.current().lookup("+41441000000")?.name).toBe("Again");
    expect(book.current().lookup("+41791112233")?.name).toBe("Meanwhile");
    await book.flush();
    expect(open().entries()).toHaveLength(3001);
  });

  it("says what is wrong with a number or a name, and changes nothing", async () => {
    const book = open();
    expect(await book.add("hello", "X")).toMatchObject({ ok: false, error: "bad-number" });
    expect(await book.add("0791112233", "  ")).toMatchObject({ ok: false, error: "bad-name" });
    expect(await book.update("nope", "0791112233", "X")).toMatchObject({
      ok: false,
      error: "not-found",
    });
    expect(await book.remove("nope")).toBe(false);
    expect(book.entries()).toEqual([]);
    expect(() => readFileSync(path)).toThrow();
  });

  it("a damaged file is kept as it is: a warning, an empty book, and changes refused instead of overwriting it", async () => {
    writeFileSync(path, '{"version":1,"entries":[{"id":"a","number":"0791112233","name":"Zahn');
    const book = open();
    expect(warnings).toEqual([
      expect.stringMatching(/is not valid JSON.*starts empty and is not saved/),
    ]);
    await expect(book.add("0441234567", "X")).rejects.toThrow(/not overwriting it/);
    expect(book.entries()).toEqual([]);
    expect(readFileSync(path, "utf8")).toContain('"Zahn');
  });

  it("leaves out unusable entries of a file, with one warning", () => {
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        entries: [
          { id: "a", number: "0791112233", name: "Good" },
          { id: "b", number: "nonsense", name: "Bad" },
          { number: "0441234567", name: "No id" },
          null,
        ],
      }),
    );
    const book = open();
    expect(book.entries().map((e) => e.name)).toEqual(["Good"]);
    expect(warnings).toEqual(["the household phonebook file has 3 unusable entries, left out"]);
  });
});
