/**
 * `voip-callerid nuisance add|remove|list` as a process, on a data folder of its own: what the
 * user reads, the exit codes, and the marks file the daemon (and the panel) read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.js";
import { formatCallTable } from "../../src/cli/calls.js";
import type { CallLogRow } from "../../src/io/callLog.js";
import { openHouseholdMarks } from "../../src/io/householdMarks.js";
import { runCli } from "../support/cli.js";

let scratch: string;
let config: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "nuisance-cli-"));
  config = join(scratch, "options.yaml");
  writeFileSync(config, `data_dir: ${join(scratch, "data")}\n`);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

const nuisance = (...args: string[]) => runCli(["nuisance", ...args, "--config", config]);

describe("voip-callerid nuisance", () => {
  it("adds, lists and removes the household's marks in data_dir/nuisance-marks.json", () => {
    const added = nuisance("add", "090 6*", "--label", "Mehrwertdienst");
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(
      /^\+41906\* {2}nuisance {2}"Mehrwertdienst" {2}\(\d{4}-\d\d-\d\dT[\d:.]+Z\); the add-on applies it from the next call\n$/,
    );
    expect(added.status).toBe(0);
    expect(nuisance("add", "044 123 45 67", "--allow").status).toBe(0);

    const listed = nuisance("list");
    expect(listed.status).toBe(0);
    expect(listed.stdout.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(/^\+41906\* {2}nuisance {2}"Mehrwertdienst" {2}\(/),
      expect.stringMatching(/^\+41441234567 {2}never flagged {2}\(/),
    ]);
    const json = JSON.parse(nuisance("list", "--json").stdout);
    expect(json).toMatchObject([
      { number: "+41906*", kind: "nuisance", label: "Mehrwertdienst" },
      { number: "+41441234567", kind: "allow", label: null },
    ]);

    // The daemon's store reads the same file.
    const daemon = openHouseholdMarks({
      folder: join(scratch, "data"),
      country: "CH",
      now: Date.now,
      warn: () => undefined,
    });
    expect(daemon.matcher().match("+41906123456", "CH")?.label).toBe("Mehrwertdienst");

    const removed = nuisance("remove", "+41 906*");
    expect(removed.stdout).toBe("mark of +41 906* removed\n");
    expect(removed.status).toBe(0);
    expect(daemon.matcher().match("+41906123456", "CH")).toBeUndefined();
    expect(JSON.parse(readFileSync(join(scratch, "data", "nuisance-marks.json"), "utf8"))).toEqual({
      version: 1,
      marks: [expect.objectContaining({ number: "+41441234567" })],
    });
  });

  it("says what is wrong with a number, and that a mark to remove is not there", () => {
    const bad = nuisance("add", "09*06");
    expect(bad.stderr).toBe(
      'voip-callerid: nuisance add: "09*06" is not a phone number or a prefix ending in *\n',
    );
    expect(bad.status).toBe(1);
    const none = nuisance("remove", "0906*");
    expect(none.stderr).toBe('voip-callerid: nuisance remove: no mark for "0906*"\n');
    expect(none.status).toBe(1);
    expect(nuisance("list").stdout).toBe("no marks yet\n");
  });

  it("refuses a command line it cannot read, with the usage", () => {
    const result = runCli(["nuisance", "block", "0906*"]);
    expect(result.stderr).toMatch(/^voip-callerid: nuisance needs add, remove or list/);
    expect(result.stderr).toContain("voip-callerid nuisance add|remove NUMBER");
    expect(result.status).toBe(2);
  });
});

describe("parseCommandLine: nuisance", () => {
  it.each([
    [["nuisance", "add"], "nuisance add needs one number or prefix"],
    [["nuisance", "add", "1", "2"], "nuisance add needs one number or prefix"],
    [["nuisance", "list", "0906*"], "nuisance list takes no number: 0906*"],
    [["nuisance", "remove", "0906*", "--label", "x"], "--label and --allow belong to add"],
    [["nuisance", "add", "0906*", "--json"], "--json belongs to list"],
    [["nuisance", "list", "--speed", "2"], "Unknown option '--speed'"],
  ])("%j → %s", async (argv, message) => {
    const parsed = await parseCommandLine(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it("reads add with its label and --allow", async () => {
    expect(await parseCommandLine(["nuisance", "add", "0906*", "--allow", "--label", "x"])).toEqual(
      {
        ok: true,
        command: {
          name: "nuisance",
          action: "add",
          number: "0906*",
          label: "x",
          allow: true,
          json: false,
        },
      },
    );
  });
});

describe("calls: a flagged call in the table", () => {
  it("says nuisance, with the list's label, beside the caller", () => {
    const row: CallLogRow = {
      call_id: "c1",
      line: "aaln/1@gw",
      line_name: "Home",
      direction: "incoming",
      outcome: "missed",
      number: "+41445551212",
      number_display: "044 555 12 12",
      name: null,
      name_source: null,
      anonymous: false,
      started_at: "2026-12-05T19:00:00.000Z",
      answered_at: null,
      ended_at: "2026-12-05T19:00:20.000Z",
      duration_s: null,
      announcement: null,
      nuisance: true,
      nuisance_label: "Lotto Versand",
      nuisance_source: "file",
    };
    const unlabelled = { ...row, call_id: "c2", nuisance_label: null };
    const plain = { ...row, call_id: "c3", nuisance: false, nuisance_label: null };
    expect(formatCallTable([row, unlabelled, plain], "Europe/Zurich").slice(1)).toEqual([
      "2026-12-05 20:00  Home  ←  missed   044 555 12 12 (nuisance: Lotto Versand)",
      "2026-12-05 20:00  Home  ←  missed   044 555 12 12 (nuisance)",
      "2026-12-05 20:00  Home  ←  missed   044 555 12 12",
    ]);
  });
});

describe("directory.nuisance_files, checked before anything starts", () => {
  it("names a nuisance file that is a folder or a device, as for phonebook files", async () => {
    const { pathOptionProblems } = await import("../../src/io/pathChecks.js");
    const { validateOptions } = await import("../../src/config/validateOptions.js");
    const validated = validateOptions({
      data_dir: join(scratch, "data"),
      directory: { nuisance_files: [join(scratch, "not-yet.txt"), "/dev/zero", scratch] },
    });
    if (!validated.ok) throw new Error(validated.problems.join("; "));
    expect(pathOptionProblems(validated.options)).toEqual([
      'directory.nuisance_files[1]: "/dev/zero" is under /dev, a kernel file system, not a place on disk: choose a file under /config or /share',
      `directory.nuisance_files[2]: "${scratch}" is a folder, not a file`,
    ]);
  });
});

describe("lookup: whether a list flags the number, and the warning that would be said", () => {
  it("names the list's label and source, from the options, the files and the household's marks", () => {
    writeFileSync(
      config,
      [
        `data_dir: ${join(scratch, "data")}`,
        "directory:",
        "  online_lookup: false",
        "  nuisance:",
        '    - { number: "090 6*", label: Mehrwertdienst }',
        "announce:",
        "  language: en",
      ].join("\n"),
    );
    const listed = runCli(["lookup", "0906 123 456", "--config", config]);
    expect(listed.stdout).toContain("nuisance:     Mehrwertdienst (list)\n");
    expect(listed.stdout).toContain(
      "announcement: Caution, probably a sales call: Mehrwertdienst\n",
    );
    expect(listed.status).toBe(0);

    expect(nuisance("add", "044 555 12 12", "--label", "Lotto Versand").status).toBe(0);
    const marked = JSON.parse(
      runCli(["lookup", "044 555 12 12", "--config", config, "--json"]).stdout,
    );
    expect(marked).toMatchObject({
      nuisance: true,
      nuisance_label: "Lotto Versand",
      nuisance_source: "household",
      nuisance_score: null,
      announcement: "Caution, probably a sales call: Lotto Versand",
    });
    const plain = runCli(["lookup", "044 555 12 13", "--config", config]);
    expect(plain.stdout).not.toContain("nuisance:");
  });
});
