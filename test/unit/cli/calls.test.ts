/** `calls` on a temporary call log: the table, the JSON array, the filters and the messages. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallsDeps,
  type CallsFlags,
  formatDuration,
  runCalls,
} from "../../../src/cli/calls.js";
import type { CallerResolution } from "../../../src/core/caller/resolveCaller.js";
import type { CallDirection, CallEventType } from "../../../src/core/calls/callEvent.js";
import type { CallReport } from "../../../src/core/outputs/callReport.js";
import { openCallLog } from "../../../src/io/callLog.js";
import { readOptionsFile } from "../../../src/io/optionsFile.js";

const scratch = mkdtempSync(join(tmpdir(), "calls-cli-"));
const dataDir = join(scratch, "data");
const configFile = join(scratch, "options.yaml");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const T0 = Date.parse("2025-03-14T08:26:00.000Z"); // 09:26 in Zurich

function party(name: string | null, number: string | null, anonymous = false): CallerResolution {
  return {
    number: anonymous
      ? { kind: "anonymous" }
      : number === null
        ? { kind: "none" }
        : { kind: "number", key: number, e164: null, display: number, spoken: "", domestic: true },
    name,
    source: name === null ? null : "phonebook",
    occupation: null,
    city: null,
    canton: null,
    directoryEntries: 0,
    kind: name === null ? "unknown" : "known",
    announcement: "Anruf",
    lookup: "not-needed",
  };
}

function report(
  n: number,
  type: CallEventType,
  lineName: string,
  direction: CallDirection,
  who: CallerResolution,
  durationS: number | null = null,
): CallReport {
  const startedAt = T0 + n * 3_600_000;
  const answeredAt = durationS === null ? null : startedAt + 5000;
  const endedAt =
    type === "ended" || type === "missed"
      ? (answeredAt ?? startedAt) + (durationS ?? 20) * 1000
      : null;
  return {
    event: {
      type,
      callId: `run-${n}`,
      line: lineName === "Home" ? "aaln/1@mta" : "aaln/2@mta",
      direction,
      number: null,
      name: null,
      anonymous: who.number.kind === "anonymous",
      unavailable: false,
      waiting: false,
      networkTime: null,
      at: endedAt ?? startedAt,
      startedAt,
      answeredAt,
      endedAt,
      reason: null,
    },
    line: { name: lineName, mediaPlayers: [] },
    party: who,
  };
}

beforeAll(() => {
  writeFileSync(configFile, `data_dir: ${dataDir}\n`);
  const log = openCallLog(join(dataDir, "calls.sqlite"), { retentionDays: 365 });
  log.record(report(0, "missed", "Home", "incoming", party("Mami", "079 111 22 33")));
  log.record(report(1, "ended", "Home", "incoming", party(null, "044 123 45 67"), 754));
  log.record(report(2, "ended", "Büro", "outgoing", party(null, "031 999 88 77"), 3723));
  log.record(report(3, "missed", "Büro", "incoming", party(null, null, true)));
  log.record(report(4, "ringing", "Home", "incoming", party(null, null)));
  log.close();
});

function run(flags: Partial<CallsFlags>, deps: Partial<CallsDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCalls(
    { configFile, limit: 20, missedOnly: false, json: false, ...flags },
    {
      readOptionsFile,
      defaultDataDir: (configured) => configured,
      fileExists: existsSync,
      openCallLog: (path) => openCallLog(path, { retentionDays: 365 }),
      timeZone: "Europe/Zurich",
      writeOut: (line) => out.push(line),
      writeErr: (line) => err.push(line),
      ...deps,
    },
  );
  return { code, out, err };
}

describe("voip-callerid calls", () => {
  it("prints an aligned table, newest first, in local time", () => {
    const { code, out, err } = run({});
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual([
      "TIME              LINE     OUTCOME  CALLER         DURATION",
      "2025-03-14 13:26  Home  ←  ringing  unknown",
      "2025-03-14 12:26  Büro  ←  missed   anonymous",
      "2025-03-14 11:26  Büro  →  ended    031 999 88 77   1:02:03",
      "2025-03-14 10:26  Home  ←  ended    044 123 45 67     12:34",
      "2025-03-14 09:26  Home  ←  missed   Mami",
    ]);
  });

  it("filters by line and missed calls, up to the limit", () => {
    expect(run({ missedOnly: true, line: "home" }).out).toEqual([
      "TIME              LINE     OUTCOME  CALLER  DURATION",
      "2025-03-14 09:26  Home  ←  missed   Mami",
    ]);
    expect(run({ limit: 1 }).out).toHaveLength(2);
    expect(run({ line: "Garage" }).out).toEqual(['no calls on line "Garage"']);
  });

  it("prints one JSON array of the log's rows", () => {
    const { code, out } = run({ json: true, limit: 2, missedOnly: true });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] as string)).toMatchObject([
      { call_id: "run-3", outcome: "missed", anonymous: true, line_name: "Büro", number: null },
      {
        call_id: "run-0",
        outcome: "missed",
        name: "Mami",
        name_source: "phonebook",
        number: "079 111 22 33",
        started_at: "2025-03-14T08:26:00.000Z",
        duration_s: null,
      },
    ]);
  });

  it("says so when nothing was recorded yet, and still prints JSON with --json", () => {
    const empty = join(scratch, "empty.yaml");
    writeFileSync(empty, `data_dir: ${join(scratch, "nothing")}\n`);
    const path = join(scratch, "nothing", "calls.sqlite");
    expect(run({ configFile: empty })).toEqual({
      code: 0,
      out: [`no calls recorded yet (${path})`],
      err: [],
    });
    expect(run({ configFile: empty, json: true })).toEqual({
      code: 0,
      out: ["[]"],
      err: [`voip-callerid: no calls recorded yet (${path})`],
    });
    expect(existsSync(path)).toBe(false);
  });

  it("uses the state folder when data_dir is the default", () => {
    const seen: string[] = [];
    const { out } = run(
      { configFile: undefined },
      {
        defaultDataDir: (configured) => {
          seen.push(configured);
          return join(scratch, "state");
        },
      },
    );
    expect(seen).toEqual(["/data"]);
    expect(out).toEqual([`no calls recorded yet (${join(scratch, "state", "calls.sqlite")})`]);
  });

  it("names the problem with the options, the limit or a damaged log", () => {
    const bad = join(scratch, "bad.yaml");
    writeFileSync(bad, "data_dir: 5\n");
    expect(run({ configFile: bad })).toMatchObject({
      code: 1,
      err: ["voip-callerid: option data_dir: must be string"],
    });
    expect(run({ configFile: join(scratch, "missing.yaml") }).err[0]).toContain("not found");
    expect(run({ limit: 0 })).toMatchObject({ code: 2 });

    const damaged = join(scratch, "damaged");
    writeFileSync(join(scratch, "damaged.yaml"), `data_dir: ${damaged}\n`);
    rmSync(damaged, { recursive: true, force: true });
    openCallLog(join(damaged, "calls.sqlite"), { retentionDays: 1 }).close();
    writeFileSync(join(damaged, "calls.sqlite"), "not a database at all, just text".repeat(200));
    const result = run({ configFile: join(scratch, "damaged.yaml") });
    expect(result.code).toBe(1);
    expect(result.err[0]).toContain(join(damaged, "calls.sqlite"));
    expect(result.err[0]).toContain("damaged");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [7, "0:07"],
    [754, "12:34"],
    [3723, "1:02:03"],
  ])("%i s is %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
