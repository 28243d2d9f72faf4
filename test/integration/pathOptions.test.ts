/**
 * Every path option fails clearly within a second, before anything starts (issue 15, item 6):
 * data_dir under /proc used to hang Node 20's recursive mkdir at 100 % CPU, deaf to SIGTERM.
 * Real file systems throughout: /proc, /sys, /dev, a file as a parent, a read-only mount (as
 * root; a folder without write permission otherwise), names and paths over the kernel's limits.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOptions } from "../../src/config/validateOptions.js";
import { openCallLog } from "../../src/io/callLog.js";
import { writeJsonFileAtomic, writeJsonFileAtomicAsync } from "../../src/io/jsonFile.js";
import { readOptionsFile } from "../../src/io/optionsFile.js";
import {
  folderProblem,
  makeFolder,
  pathOptionProblems,
  readableFileProblem,
  withPathChecks,
} from "../../src/io/pathChecks.js";
import { runCli } from "../support/cli.js";

const scratch = mkdtempSync("/tmp/voip-callerid-paths-");
const isRoot = process.getuid?.() === 0;
const readOnly = join(scratch, "read-only");

beforeAll(() => {
  mkdirSync(readOnly);
  if (isRoot) execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", readOnly]);
  else chmodSync(readOnly, 0o555);
  writeFileSync(join(scratch, "a-file"), "x");
  symlinkSync("/proc/self", join(scratch, "link-to-proc"));
});

afterAll(() => {
  if (isRoot) execFileSync("umount", [readOnly]);
  rmSync(scratch, { recursive: true, force: true });
});

/** The problem with `path` as data_dir, and the time the check took. */
function timedFolder(path: string): { problem: string | null; ms: number } {
  const started = performance.now();
  const problem = folderProblem(path);
  return { problem, ms: performance.now() - started };
}

const options = (data_dir: string, phonebook_files: string[] = []) => {
  const result = validateOptions({ data_dir, directory: { phonebook_files } });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.options;
};

describe("data_dir", () => {
  it.each([
    ["/proc/voip-callerid", /is under \/proc, a kernel file system/],
    ["/proc/self/voip", /is under \/proc/],
    ["/sys/voip-callerid", /is under \/sys/],
    ["/dev/voip-callerid", /is under \/dev/],
    ["/dev/shm", /is under \/dev/],
    ["<scratch>/link-to-proc/voip", /is under \/proc/],
    ["<scratch>/a-file/voip", /cannot be reached: \/tmp\/.*\/a-file is a file, not a folder/],
    ["<scratch>/a-file", /is a file, not a folder/],
    ["<scratch>/read-only/voip", /cannot be created: .*(read-only file system|permission denied)/],
    [`<scratch>/${"n".repeat(256)}`, /has a name of 256 bytes .*at most 255/],
    [`<scratch>/${"deep/".repeat(900)}`, /is \d+ bytes long; a path may have at most 4095/],
    ["/tmp/nul\0byte", /contains a NUL character/],
  ])("%s: a clear problem within a second", (template, expected) => {
    const path = template.replace("<scratch>", scratch);
    const { problem, ms } = timedFolder(path);
    expect(problem).toMatch(expected);
    expect(ms).toBeLessThan(1000);
  });

  it("a read-only folder that exists: refused after a real write, not by access(2)", () => {
    const { problem, ms } = timedFolder(readOnly);
    expect(problem).toMatch(/is not writable: .*(read-only file system|permission denied)/);
    expect(ms).toBeLessThan(1000);
  });

  it("a folder that can be made: created level by level, and nothing left behind in it", () => {
    const path = join(scratch, "state", "voip-callerid");
    expect(folderProblem(path)).toBeNull();
    expect(statSync(path).isDirectory()).toBe(true);
    expect(execFileSync("ls", ["-A", path], { encoding: "utf8" })).toBe("");
    expect(folderProblem(path)).toBeNull(); // and again, when it exists
  });

  it("makeFolder, the safe replacement for a recursive mkdir, throws the same words", () => {
    expect(() => makeFolder("/proc/voip-callerid/state")).toThrow(
      /"\/proc\/voip-callerid\/state" is under \/proc/,
    );
    makeFolder(join(scratch, "made", "here"));
    expect(statSync(join(scratch, "made", "here")).isDirectory()).toBe(true);
  });
});

describe("the state files in data_dir, for the commands that write them (lookup, calls)", () => {
  it("throw at once under /proc instead of hanging in mkdir", async () => {
    const started = performance.now();
    expect(() => writeJsonFileAtomic("/proc/voip-callerid/cache.json", {})).toThrow(/under \/proc/);
    await expect(writeJsonFileAtomicAsync("/proc/voip-callerid/cache.json", {})).rejects.toThrow(
      /under \/proc/,
    );
    expect(() => openCallLog("/proc/voip-callerid/calls.sqlite", { retentionDays: 1 })).toThrow(
      /under \/proc/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("directory.phonebook_files", () => {
  it.each([
    ["/dev/zero", /is under \/dev, a kernel file system/],
    ["/dev/stdin", /is under \/dev/],
    ["/proc/self/environ", /is under \/proc/],
    ["/sys/kernel/notes", /is under \/sys/],
    ["<scratch>", /is a folder, not a file/],
    ["<scratch>/a-file/book.csv", /cannot be reached: .* is a file, not a folder/],
    [`<scratch>/${"b".repeat(300)}.csv`, /has a name of 304 bytes/],
  ])("%s: a clear problem within a second", (template, expected) => {
    const started = performance.now();
    expect(readableFileProblem(template.replace("<scratch>", scratch))).toMatch(expected);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("a file not there yet is no problem now: it is read (and warned about) when it appears", () => {
    expect(readableFileProblem(join(scratch, "later.csv"))).toBeNull();
    expect(readableFileProblem(join(scratch, "a-file"))).toBeNull();
  });
});

describe("the options file (--config)", () => {
  it.each([
    ["/dev/zero", "not a regular file"],
    ["<scratch>/fifo", "not a regular file"],
    ["<scratch>", "not a regular file"],
    ["<scratch>/huge.yaml", "2000000 bytes, more than 1048576"],
    ["<scratch>/nope.yaml", "not found"],
  ])("%s: refused within a second, without reading it", (template, why) => {
    const path = template.replace("<scratch>", scratch);
    if (path.endsWith("fifo")) execFileSync("mkfifo", [path]);
    if (path.endsWith("huge.yaml")) writeFileSync(path, "#".repeat(2_000_000));
    const started = performance.now();
    expect(readOptionsFile(path)).toEqual({
      ok: false,
      message: `cannot read the options file ${path}: ${why}`,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("the options as a whole", () => {
  it("names each wrong option, with its index in a list", () => {
    expect(pathOptionProblems(options("/proc/x", [join(scratch, "a-file"), "/dev/zero"]))).toEqual([
      'data_dir: "/proc/x" is under /proc, a kernel file system, not a place on disk: choose a folder such as /data',
      'directory.phonebook_files[1]: "/dev/zero" is under /dev, a kernel file system, not a place on disk: choose a file under /config or /share',
    ]);
  });

  it("passes good options through, and schema problems untouched", () => {
    const good = validateOptions({ data_dir: join(scratch, "good") });
    expect(withPathChecks(good)).toBe(good);
    const bad = validateOptions({ data_dir: "" });
    expect(withPathChecks(bad)).toBe(bad);
  });
});

describe("the daemon", () => {
  it("with data_dir under /proc: exits 1 at once naming the option, before it starts", () => {
    const config = join(scratch, "options.yaml");
    writeFileSync(config, "data_dir: /proc/voip-callerid\ncapture:\n  interface: lo\n");
    const started = performance.now();
    // Before the fix this never returned: the child is killed after 15 s.
    const run = runCli(["run", "--config", config], { timeoutMs: 15_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      [
        'voip-callerid: option data_dir: "/proc/voip-callerid" is under /proc, a kernel file system, not a place on disk: choose a folder such as /data',
        "voip-callerid: not started: correct the options above",
        "",
      ].join("\n"),
    );
    expect(run.stdout).not.toMatch(/starting/);
    // Node's start-up and the schema's compilation included (about 1 s on an idle machine, more
    // on a loaded one); the check itself takes the milliseconds measured above.
    expect(seconds).toBeLessThan(10);
  });
});
