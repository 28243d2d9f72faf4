/** The call log on a real SQLite file: one row per call, durability, concurrency, damage. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { CallerResolution } from "../../src/core/caller/resolveCaller.js";
import type { CallEventType } from "../../src/core/calls/callEvent.js";
import type { CallReport } from "../../src/core/outputs/callReport.js";
import {
  CALL_LOG_SCHEMA_VERSION,
  type CallLog,
  CallLogError,
  openCallLog,
} from "../../src/io/callLog.js";
import { callEvent, hansMuster } from "../support/callFixtures.js";
import { builtModule, PROJECT_ROOT } from "../support/cli.js";

const CALL_LOG_MODULE = pathToFileURL(builtModule("io/callLog.js")).href;

const scratch = mkdtempSync(join(tmpdir(), "call-log-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let fileCount = 0;
const freshPath = () => join(scratch, `case${++fileCount}`, "calls.sqlite");

const T0 = Date.parse("2025-03-14T09:26:00.000Z");
const DAY = 86_400_000;

const known = hansMuster({
  source: "search.ch",
  city: "Zürich",
  canton: "ZH",
  directoryEntries: 1,
  kind: "directory",
  lookup: "asked",
});

function report(
  callId: string,
  type: CallEventType,
  times: { startedAt?: number; answeredAt?: number | null; endedAt?: number | null } = {},
  party: CallerResolution = known,
): CallReport {
  const startedAt = times.startedAt ?? T0;
  const event = callEvent(type, callId, {
    line: "aaln/1@mta-1.example",
    at: times.endedAt ?? times.answeredAt ?? startedAt,
    startedAt,
    answeredAt: times.answeredAt ?? null,
    endedAt: times.endedAt ?? null,
    reason: type === "ended" ? "hung-up" : type === "missed" ? "ring-stopped" : null,
  });
  return { event, line: { name: "Home", mediaPlayers: [] }, party };
}

function withLog<T>(path: string, use: (log: CallLog) => T, retentionDays = 365): T {
  const log = openCallLog(path, { retentionDays });
  try {
    return use(log);
  } finally {
    log.close();
  }
}

describe("openCallLog", () => {
  it("keeps one row per call, updated by each of its events", () => {
    const path = freshPath();
    withLog(path, (log) => {
      log.record(report("run1-1", "ringing"));
      expect(log.recent()).toMatchObject([{ call_id: "run1-1", outcome: "ringing" }]);
      log.record(report("run1-1", "answered", { answeredAt: T0 + 8000 }));
      log.record(report("run1-1", "ended", { answeredAt: T0 + 8000, endedAt: T0 + 98_000 }));
      expect(log.recent()).toEqual([
        {
          call_id: "run1-1",
          line: "aaln/1@mta-1.example",
          line_name: "Home",
          direction: "incoming",
          outcome: "ended",
          number: "+41441234567",
          number_display: "044 123 45 67",
          name: "Hans Muster",
          name_source: "search.ch",
          anonymous: false,
          started_at: "2025-03-14T09:26:00.000Z",
          answered_at: "2025-03-14T09:26:08.000Z",
          ended_at: "2025-03-14T09:27:38.000Z",
          duration_s: 90,
          announcement: "Anruf von Hans Muster",
          nuisance: false,
          nuisance_label: null,
          nuisance_source: null,
        },
      ]);
    });
  });

  it("a missed call has no answer time and no duration; a late event does not undo the end", () => {
    withLog(freshPath(), (log) => {
      log.record(report("run1-2", "ringing"));
      log.record(report("run1-2", "missed", { endedAt: T0 + 30_000 }));
      log.record(report("run1-2", "ringing"));
      expect(log.recent()).toMatchObject([
        {
          outcome: "missed",
          answered_at: null,
          ended_at: "2025-03-14T09:26:30.000Z",
          duration_s: null,
        },
      ]);
    });
  });

  it("lists newest first, by line and missed only, up to the limit", () => {
    withLog(freshPath(), (log) => {
      for (let n = 0; n < 5; n++) {
        const type = n % 2 === 0 ? "missed" : "ended";
        const r = report(`run1-${n}`, type, {
          startedAt: T0 + n * 60_000,
          endedAt: T0 + n * 60_000 + 5000,
        });
        log.record(n === 4 ? { ...r, line: { name: "Office", mediaPlayers: [] } } : r);
      }
      const ids = (rows: { call_id: string }[]) => rows.map((row) => row.call_id);
      expect(ids(log.recent())).toEqual(["run1-4", "run1-3", "run1-2", "run1-1", "run1-0"]);
      expect(ids(log.recent({ limit: 2 }))).toEqual(["run1-4", "run1-3"]);
      expect(ids(log.recent({ missedOnly: true }))).toEqual(["run1-4", "run1-2", "run1-0"]);
      expect(ids(log.recent({ line: "office" }))).toEqual(["run1-4"]);
      expect(ids(log.recent({ line: "home", missedOnly: true }))).toEqual(["run1-2", "run1-0"]);
      expect(ids(log.recent({ line: "AALN/1@mta-1.example", limit: 1 }))).toEqual(["run1-4"]);
    });
  });

  it("prunes the calls that started more than retentionDays ago", () => {
    withLog(
      freshPath(),
      (log) => {
        log.record(report("old", "missed", { startedAt: T0 - 31 * DAY, endedAt: T0 - 31 * DAY }));
        log.record(report("edge", "missed", { startedAt: T0 - 29 * DAY, endedAt: T0 - 29 * DAY }));
        log.record(report("new", "ringing"));
        expect(log.prune(T0)).toBe(1);
        expect(log.recent().map((row) => row.call_id)).toEqual(["new", "edge"]);
        expect(log.prune(T0)).toBe(0);
      },
      30,
    );
  });

  it("keeps everything across close and reopen, and anonymous callers too", () => {
    const path = freshPath();
    const anonymous: CallerResolution = {
      ...known,
      number: { kind: "anonymous" },
      name: null,
      source: null,
      kind: "anonymous",
      announcement: "Anruf mit unterdrückter Nummer",
    };
    const hidden = report("run1-1", "ringing", {}, anonymous);
    withLog(path, (log) => {
      log.record({ ...hidden, event: { ...hidden.event, anonymous: true, number: null } });
      log.record(report("run1-2", "ringing", { startedAt: T0 + 1000 }));
    });
    const rows = withLog(path, (log) => log.recent());
    expect(rows.map((row) => row.call_id)).toEqual(["run1-2", "run1-1"]);
    expect(rows[1]).toMatchObject({ anonymous: true, number: null, name: null });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("really runs in WAL mode with synchronous = NORMAL, a busy timeout and a schema version", () => {
    const path = freshPath();
    const settings = withLog(path, (log) => log.settings());
    expect(settings).toEqual({
      journalMode: "wal",
      synchronous: 1, // NORMAL
      busyTimeoutMs: 5000,
      schemaVersion: CALL_LOG_SCHEMA_VERSION,
    });
    // journal_mode is kept in the file itself: another connection sees it too.
    const other = new Database(path, { readonly: true });
    expect(other.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(other.prepare("SELECT version FROM schema_version").pluck().all()).toEqual([
      CALL_LOG_SCHEMA_VERSION,
    ]);
    other.close();
  });

  it("lets a reader read while a writer writes, each on its own connection", () => {
    const path = freshPath();
    const writer = openCallLog(path, { retentionDays: 365 });
    const reader = new Database(path, { readonly: true });
    try {
      writer.record(report("run1-1", "ringing"));
      reader.exec("BEGIN");
      const count = reader.prepare("SELECT count(*) FROM calls").pluck();
      expect(count.get()).toBe(1);
      // The reader holds a snapshot; in WAL mode the writer neither waits nor fails.
      const started = Date.now();
      writer.record(report("run1-2", "ringing", { startedAt: T0 + 1000 }));
      expect(Date.now() - started).toBeLessThan(1000);
      expect(count.get()).toBe(1);
      reader.exec("COMMIT");
      expect(count.get()).toBe(2);
      expect(writer.recent()).toHaveLength(2);
    } finally {
      reader.close();
      writer.close();
    }
  });

  it("refuses a damaged file with an error naming it, and leaves the file as it was", () => {
    const path = freshPath();
    withLog(path, (log) => log.record(report("run1-1", "ringing")));
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, garbage);
    let error: unknown;
    try {
      openCallLog(path, { retentionDays: 365 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CallLogError);
    expect((error as CallLogError).problem).toBe("corrupt");
    expect((error as Error).message).toContain(path);
    expect(readFileSync(path)).toEqual(garbage);
  });

  it("refuses a log written by a newer version, and a database that is not a call log", () => {
    const newer = freshPath();
    withLog(newer, () => undefined);
    const db = new Database(newer);
    db.prepare("UPDATE schema_version SET version = ?").run(CALL_LOG_SCHEMA_VERSION + 1);
    db.close();
    expect(() => openCallLog(newer, { retentionDays: 365 })).toThrow(/newer version/);

    const foreign = freshPath();
    withLog(foreign, () => undefined);
    rmSync(foreign);
    const other = new Database(foreign);
    other.exec("CREATE TABLE notes (text TEXT)");
    other.close();
    expect(() => openCallLog(foreign, { retentionDays: 365 })).toThrow(/not a call log/);
  });
});

/** Records calls forever, printing each call_id (and its outcome) after record() returned. */
const CHILD_SCRIPT = `
import { openCallLog } from ${JSON.stringify(CALL_LOG_MODULE)};
const log = openCallLog(process.argv[2], { retentionDays: 365 });
const line = { name: "Home", mediaPlayers: [] };
const party = {
  number: { kind: "none" }, name: null, source: null, occupation: null, city: null,
  canton: null, directoryEntries: 0, kind: "unavailable", announcement: "Anruf", lookup: "not-needed",
};
for (let n = 0; ; n++) {
  const callId = "crash-" + n;
  const startedAt = Date.now();
  for (const type of ["ringing", "answered", "ended"]) {
    const event = {
      type, callId, line: "aaln/1@mta", direction: "incoming", number: String(n), name: null,
      anonymous: false, unavailable: false, waiting: false, networkTime: null, at: startedAt,
      startedAt, answeredAt: type === "ringing" ? null : startedAt + 1000,
      endedAt: type === "ended" ? startedAt + 2000 : null, reason: null,
    };
    log.record({ event, line, party });
    process.stdout.write(callId + " " + type + "\\n");
  }
}
`;

describe("the call log after kill -9", () => {
  it("holds every call whose record() had returned", async () => {
    const path = freshPath();
    const script = join(scratch, "record-forever.mjs");
    writeFileSync(script, CHILD_SCRIPT);
    const printed = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(process.execPath, [script, path], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        // Killed in the middle of its work, at a moment it does not choose.
        if (stdout.split("\n").length > 300 && !child.killed) child.kill("SIGKILL");
      });
      child.on("error", reject);
      child.on("close", (_code, signal) => {
        if (signal !== "SIGKILL") reject(new Error(`child ended without SIGKILL: ${stderr}`));
        // The last line may be cut off by the kill: only whole lines count.
        else resolve(stdout.split("\n").slice(0, -1));
      });
    });
    expect(printed.length).toBeGreaterThanOrEqual(300);

    const order = ["ringing", "answered", "ended"];
    const lastPrinted = new Map<string, string>();
    for (const entry of printed) {
      const [callId, type] = entry.split(" ");
      lastPrinted.set(callId as string, type as string);
    }
    const rows = withLog(path, (log) => log.recent({ limit: 1_000_000 }));
    const outcomes = new Map(rows.map((row) => [row.call_id, row.outcome]));
    for (const [callId, type] of lastPrinted) {
      const outcome = outcomes.get(callId);
      expect(outcome, callId).toBeDefined();
      // The database may be one event ahead of stdout (killed between record and print).
      expect(order.indexOf(outcome as string), callId).toBeGreaterThanOrEqual(order.indexOf(type));
    }
  });
});
