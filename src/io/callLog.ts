/**
 * The durable call log: one SQLite row per call, updated by every event of the call, in
 * `<data_dir>/calls.sqlite`. The daemon writes it; `voip-callerid calls` reads it, possibly
 * at the same moment, from another process.
 *
 * A call that was reported to Home Assistant must also be in the log, even when the add-on
 * is killed right after: `record()` returns only once the row is committed (WAL, see open).
 */
import { closeSync, existsSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { CallEventType } from "../core/calls/callEvent.js";
import { type CallReport, callEventData } from "../core/outputs/callReport.js";
import { type CallPageQuery, type CallPosition, callPageStatement } from "./callLogPage.js";
import { makeFolder } from "./pathChecks.js";

export interface CallLogRow {
  call_id: string;
  /** The endpoint, e.g. `aaln/1@mta-1.example`. */
  line: string;
  /** The line's label when the call was logged. */
  line_name: string;
  direction: "incoming" | "outgoing";
  /** The latest event of the call: a call that was answered and hung up is "ended". */
  outcome: CallEventType;
  /** E.164 when it could be normalised, else as received (as in the Home Assistant event). */
  number: string | null;
  number_display: string | null;
  name: string | null;
  name_source: string | null;
  anonymous: boolean;
  /** ISO 8601, UTC. */
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  /** What was (or would have been) said for an incoming call. */
  announcement: string | null;
  /** Whether the caller was on a nuisance list, which label it gave, and which list. */
  nuisance: boolean;
  nuisance_label: string | null;
  nuisance_source: string | null;
}

export interface RecentOptions {
  /** Default 20. */
  readonly limit?: number;
  /** A line's label (any case) or its endpoint. */
  readonly line?: string;
  readonly missedOnly?: boolean;
}

export interface CallLog {
  /** Inserts or updates the call's row; synchronous, and committed when it returns. */
  record(report: CallReport): void;
  /** Newest first. */
  recent(options?: RecentOptions): CallLogRow[];
  /** One page, newest first, and where the next one begins (null: this was the last). */
  page(query: CallPageQuery): { rows: CallLogRow[]; next: CallPosition | null };
  /** One call by its id. */
  find(callId: string): CallLogRow | undefined;
  /** When the incoming calls flagged as nuisance started, from `since` (ISO 8601) on. */
  nuisanceCallTimes(since: string): string[];
  /** Deletes the calls that started more than retentionDays before `now`; returns how many. */
  prune(now: number): number;
  /** The connection's settings as SQLite reports them, for the start-up log and the tests. */
  settings(): CallLogSettings;
  close(): void;
}

export interface CallLogSettings {
  /** "wal", or the rollback journal's mode where the file system cannot do WAL. */
  readonly journalMode: string;
  /** 0 off, 1 normal, 2 full, 3 extra. */
  readonly synchronous: number;
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
}

export type CallLogProblem = "corrupt" | "too-new" | "not-a-call-log" | "unusable";

/** Why the log cannot be opened; the message names the file. The caller decides what to do. */
export class CallLogError extends Error {
  constructor(
    readonly path: string,
    readonly problem: CallLogProblem,
    message: string,
  ) {
    super(message);
    this.name = "CallLogError";
  }
}

/**
 * Each entry takes the file from version i to version i + 1, inside one transaction.
 * Released entries are never edited: a change is a new entry (e.g. `ALTER TABLE ... ADD`).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE calls (
     call_id        TEXT PRIMARY KEY,
     line           TEXT NOT NULL,
     line_name      TEXT NOT NULL,
     direction      TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
     outcome        TEXT NOT NULL
                    CHECK (outcome IN ('ringing', 'answered', 'missed', 'ended', 'outgoing')),
     number         TEXT,
     number_display TEXT,
     name           TEXT,
     name_source    TEXT,
     anonymous      INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
     started_at     TEXT NOT NULL,
     answered_at    TEXT,
     ended_at       TEXT,
     duration_s     INTEGER,
     announcement   TEXT
   ) STRICT;
   CREATE INDEX calls_by_start ON calls (started_at);`,
  `ALTER TABLE calls ADD COLUMN nuisance INTEGER NOT NULL DEFAULT 0 CHECK (nuisance IN (0, 1));
   ALTER TABLE calls ADD COLUMN nuisance_label TEXT;
   ALTER TABLE calls ADD COLUMN nuisance_source TEXT;`,
];
export const CALL_LOG_SCHEMA_VERSION = MIGRATIONS.length;

/** How long a statement waits for another process's lock (a migration, a checkpoint). */
const BUSY_TIMEOUT_MS = 5000;
const DEFAULT_LIMIT = 20;
const DAY_MS = 86_400_000;

/**
 * Opens the log, creating the folder and the file. A file that is not a healthy call log
 * throws a CallLogError: it is never silently replaced, since it may hold the only record of
 * the calls. `retentionDays` may be Infinity (keep everything).
 */
export function openCallLog(path: string, options: { retentionDays: number }): CallLog {
  const { retentionDays } = options;
  if (!(retentionDays > 0)) {
    throw new RangeError(
      `call log retention must be a positive number of days, got ${retentionDays}`,
    );
  }
  const db = openDatabase(path);
  const upsert = db.prepare(UPSERT);
  const remove = db.prepare("DELETE FROM calls WHERE started_at < ?");
  const select = db.prepare(
    `SELECT * FROM calls
     WHERE (@line IS NULL OR line_name = @line COLLATE NOCASE OR line = lower(@line))
       AND (@missed = 0 OR outcome = 'missed')
     ORDER BY started_at DESC, rowid DESC
     LIMIT @limit`,
  );

  const pages = new Map<string, Database.Statement>();
  const byId = db.prepare("SELECT * FROM calls WHERE call_id = ?");
  const nuisanceTimes = db
    .prepare(
      `SELECT started_at FROM calls
       WHERE started_at >= ? AND nuisance = 1 AND direction = 'incoming'`,
    )
    .pluck();
  type StoredRow = Omit<CallLogRow, "anonymous" | "nuisance"> & {
    anonymous: number;
    nuisance: number;
  };
  const fromStored = (row: StoredRow): CallLogRow => ({
    ...row,
    anonymous: row.anonymous === 1,
    nuisance: row.nuisance === 1,
  });

  return {
    record(report) {
      const row = callLogRow(report);
      upsert.run({ ...row, anonymous: row.anonymous ? 1 : 0, nuisance: row.nuisance ? 1 : 0 });
    },
    recent(query = {}) {
      const rows = select.all({
        line: query.line ?? null,
        missed: query.missedOnly ? 1 : 0,
        limit: query.limit ?? DEFAULT_LIMIT,
      }) as StoredRow[];
      return rows.map(fromStored);
    },
    page(query) {
      const statement = callPageStatement({ ...query, limit: query.limit + 1 });
      let prepared = pages.get(statement.shape);
      if (prepared === undefined) {
        prepared = db.prepare(statement.sql);
        pages.set(statement.shape, prepared);
      }
      const found = prepared.all(statement.params) as (StoredRow & { position_rowid: number })[];
      const more = found.length > query.limit;
      const rows = (more ? found.slice(0, query.limit) : found).map(
        ({ position_rowid: _, ...row }) => fromStored(row),
      );
      const last = more ? found[query.limit - 1] : undefined;
      return {
        rows,
        next: last ? { startedAt: last.started_at, rowid: last.position_rowid } : null,
      };
    },
    find(callId) {
      const row = byId.get(callId) as StoredRow | undefined;
      return row === undefined ? undefined : fromStored(row);
    },
    nuisanceCallTimes(since) {
      return nuisanceTimes.all(since) as string[];
    },
    prune(now) {
      if (!Number.isFinite(retentionDays)) return 0;
      return remove.run(new Date(now - retentionDays * DAY_MS).toISOString()).changes;
    },
    settings() {
      return {
        journalMode: String(db.pragma("journal_mode", { simple: true })),
        synchronous: Number(db.pragma("synchronous", { simple: true })),
        busyTimeoutMs: Number(db.pragma("busy_timeout", { simple: true })),
        schemaVersion: schemaVersion(db),
      };
    },
    close() {
      if (db.open) db.close();
    },
  };
}

/**
 * Every event of a call rewrites its row, except that what a later event does not know
 * (a number, a name, an answer time) is kept, and an outcome that ended the call is not
 * taken back by a late non-final event.
 */
const UPSERT = `
  INSERT INTO calls (call_id, line, line_name, direction, outcome, number, number_display,
                     name, name_source, anonymous, started_at, answered_at, ended_at,
                     duration_s, announcement, nuisance, nuisance_label, nuisance_source)
  VALUES (@call_id, @line, @line_name, @direction, @outcome, @number, @number_display,
          @name, @name_source, @anonymous, @started_at, @answered_at, @ended_at,
          @duration_s, @announcement, @nuisance, @nuisance_label, @nuisance_source)
  ON CONFLICT (call_id) DO UPDATE SET
    line_name = excluded.line_name,
    outcome = CASE
      WHEN calls.outcome IN ('missed', 'ended') AND excluded.outcome NOT IN ('missed', 'ended')
      THEN calls.outcome ELSE excluded.outcome END,
    number = CASE WHEN excluded.number IS NULL THEN calls.number ELSE excluded.number END,
    number_display = CASE
      WHEN excluded.number IS NULL THEN calls.number_display ELSE excluded.number_display END,
    name = CASE WHEN excluded.name IS NULL THEN calls.name ELSE excluded.name END,
    name_source = CASE
      WHEN excluded.name IS NULL THEN calls.name_source ELSE excluded.name_source END,
    anonymous = max(calls.anonymous, excluded.anonymous),
    answered_at = coalesce(excluded.answered_at, calls.answered_at),
    ended_at = coalesce(excluded.ended_at, calls.ended_at),
    duration_s = coalesce(excluded.duration_s, calls.duration_s),
    announcement = coalesce(excluded.announcement, calls.announcement),
    nuisance = max(calls.nuisance, excluded.nuisance),
    nuisance_label = coalesce(excluded.nuisance_label, calls.nuisance_label),
    nuisance_source = coalesce(excluded.nuisance_source, calls.nuisance_source)`;

/** The row for one event: the same fields, in the same form, as the Home Assistant event. */
export function callLogRow(report: CallReport): CallLogRow {
  const data = callEventData(report);
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    call_id: report.event.callId,
    line: report.event.line,
    line_name: report.line.name,
    direction: report.event.direction,
    outcome: report.event.type,
    number: text(data.number),
    number_display: text(data.number_display),
    name: text(data.name),
    name_source: text(data.name_source),
    anonymous: report.event.anonymous,
    started_at: new Date(report.event.startedAt).toISOString(),
    answered_at: text(data.answered_at),
    ended_at: text(data.ended_at),
    duration_s: typeof data.duration_s === "number" ? data.duration_s : null,
    announcement: text(data.spoken),
    nuisance: data.nuisance === true,
    nuisance_label: text(data.nuisance_label),
    nuisance_source: text(data.nuisance_source),
  };
}

function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    makeFolder(dirname(path)); // not mkdir's recursive mode, which never returns under /proc
    // Callers' numbers are personal data: the file (and SQLite's -wal and -shm files, which
    // copy its permissions) is readable by the owner only.
    if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // A 512 KiB page cache instead of SQLite's 2 MB, which the start's quick_check fills from
    // a large log and keeps resident: the kernel caches the file too, and the panel pages by
    // index (bench:panel measures its queries).
    db.pragma("cache_size = -512");
    // WAL: `calls` reads while the daemon writes, neither waiting for the other. Where the
    // file system cannot share memory SQLite keeps its rollback journal: still durable.
    db.pragma("journal_mode = WAL");
    // NORMAL, in WAL mode: a commit is in the operating system's hands when record()
    // returns, so a call reported to Home Assistant survives a crash or kill -9 of the
    // add-on; only a power cut can lose the last seconds. FULL would close that gap with an
    // fsync per event — measured at ~4 ms here, on the path from the ring to the announcement
    // (npm run bench:daemon) — a cost paid on every call for a rare loss.
    db.pragma("synchronous = NORMAL");
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") {
      throw new CallLogError(path, "corrupt", corruptMessage(path, String(check)));
    }
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof CallLogError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
      throw new CallLogError(path, "corrupt", corruptMessage(path, (error as Error).message));
    }
    throw new CallLogError(
      path,
      "unusable",
      `cannot open the call log ${path}: ${(error as Error).message}`,
    );
  }
}

function corruptMessage(path: string, detail: string): string {
  return `the call log ${path} is damaged (${detail}); move it aside to start a new log`;
}

function migrate(db: Database.Database, path: string): void {
  const known = schemaVersion(db);
  if (known === CALL_LOG_SCHEMA_VERSION) return;
  if (known > CALL_LOG_SCHEMA_VERSION) {
    throw new CallLogError(
      path,
      "too-new",
      `the call log ${path} has schema version ${known}, written by a newer version of ` +
        `voip-callerid (this one knows up to ${CALL_LOG_SCHEMA_VERSION})`,
    );
  }
  // IMMEDIATE takes the write lock first, so two processes opening a new file do not both
  // migrate it; the version is read again under the lock.
  db.transaction(() => {
    const from = schemaVersion(db);
    if (from === 0) {
      const tables = db
        .prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
        .pluck()
        .get() as number;
      if (tables > 0) {
        throw new CallLogError(
          path,
          "not-a-call-log",
          `${path} is an SQLite database but not a call log; move it aside or choose another data_dir`,
        );
      }
      db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT");
      db.exec("INSERT INTO schema_version (version) VALUES (0)");
    }
    for (let version = from; version < CALL_LOG_SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    db.prepare("UPDATE schema_version SET version = ?").run(CALL_LOG_SCHEMA_VERSION);
  }).immediate();
}

/** 0 for a new, empty file. */
function schemaVersion(db: Database.Database): number {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!hasTable) return 0;
  const version = db.prepare("SELECT max(version) FROM schema_version").pluck().get();
  return typeof version === "number" ? version : 0;
}
