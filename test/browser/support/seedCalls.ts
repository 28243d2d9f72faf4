/**
 * A call log filled before the daemon starts (the panel benchmark's 100,000 calls, the
 * screenshots' household): the schema from the call log itself, each row from the log's own
 * mapping of a CallReport, all in one transaction (100,000 autocommits take minutes).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import type { CallEvent } from "../../../src/core/calls/callEvent.js";
import type { CallReport } from "../../../src/core/outputs/callReport.js";
import { callLogRow, openCallLog } from "../../../src/io/callLog.js";

export function seedCallLog(dataDir: string, count: number, report: (i: number) => CallReport) {
  const path = join(dataDir, "calls.sqlite");
  openCallLog(path, { retentionDays: 365 }).close();
  const db = new Database(path);
  try {
    const columns = Object.keys(callLogRow(report(0)));
    const insert = db.prepare(
      `INSERT INTO calls (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
    );
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        // As SQLite stores them: flags as 0/1, what a row leaves out as NULL.
        const row = Object.entries(callLogRow(report(i))).map(([column, value]) => [
          column,
          typeof value === "boolean" ? Number(value) : (value ?? null),
        ]);
        insert.run(Object.fromEntries(row));
      }
    })();
  } finally {
    db.close();
  }
}

export interface SeedCall {
  readonly id: string;
  readonly startedAt: number;
  readonly line: "aaln/1@ata.example" | "aaln/2@ata.example";
  readonly direction: "incoming" | "outgoing";
  /** Talk time in seconds; null: not answered (missed when incoming). */
  readonly talkS: number | null;
  /** National digits (`0441234567`), or null for a withheld number. */
  readonly number: string | null;
  readonly name: string | null;
  readonly source: "phonebook" | "search.ch" | "cache" | "network" | null;
}

/** `0441234567` → `044 123 45 67` (Swiss numbers of ten digits; enough for seeded data). */
function display(number: string): string {
  return `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6, 8)} ${number.slice(8)}`;
}

/** The report the daemon would log at the call's end. */
export function seedReport(call: SeedCall): CallReport {
  const missed = call.talkS === null;
  const event: CallEvent = {
    type: missed && call.direction === "incoming" ? "missed" : "ended",
    callId: call.id,
    line: call.line,
    direction: call.direction,
    number: call.number,
    name: null,
    anonymous: call.number === null,
    unavailable: false,
    waiting: false,
    networkTime: null,
    at: call.startedAt,
    startedAt: call.startedAt,
    answeredAt: missed ? null : call.startedAt + 8_000,
    endedAt: call.startedAt + (missed ? 30_000 : 8_000 + (call.talkS ?? 0) * 1000),
    reason: "hung-up",
  };
  const e164 = call.number === null ? null : `+41${call.number.slice(1)}`;
  const shown = call.number === null ? null : display(call.number);
  const spokenName = call.name ?? shown ?? "unterdrückter Nummer";
  return {
    event,
    line: { name: call.line.startsWith("aaln/2") ? "Office" : "Home", mediaPlayers: [] },
    party: {
      number:
        e164 === null || shown === null
          ? { kind: "anonymous" }
          : { kind: "number", key: e164, e164, display: shown, spoken: shown, domestic: true },
      name: call.name,
      source: call.source,
      occupation: null,
      city: null,
      canton: null,
      directoryEntries: call.source === "search.ch" ? 1 : 0,
      kind: call.name === null ? "unknown" : "known",
      announcement: `Anruf von ${spokenName}`,
      lookup: "not-needed",
    },
  };
}
