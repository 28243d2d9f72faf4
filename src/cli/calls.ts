/**
 * `calls`: the recent calls from the call log, as an aligned table or one JSON array. Reads
 * the log the daemon writes, also while it runs (the log is in WAL mode).
 */
import { join } from "node:path";
import type { Options } from "../config/schema.js";
import { validateOptions } from "../config/validateOptions.js";
import type { CallLog, CallLogRow } from "../io/callLog.js";

export interface CallsFlags {
  readonly configFile?: string;
  readonly limit: number;
  readonly missedOnly: boolean;
  /** A line's label (any case) or its endpoint. */
  readonly line?: string;
  readonly json: boolean;
}

export interface CallsDeps {
  /** The options file's content (YAML or JSON), or why it cannot be read. */
  readonly readOptionsFile: (
    path: string,
  ) => { ok: true; value: unknown } | { ok: false; message: string };
  /** Where state goes when the options do not name data_dir and /data does not exist. */
  readonly defaultDataDir: (configured: string) => string;
  readonly fileExists: (path: string) => boolean;
  /** Throws a CallLogError (naming the file) when the log cannot be read. */
  readonly openCallLog: (path: string) => Pick<CallLog, "recent" | "close">;
  /** For the table's times; undefined = the system's time zone. */
  readonly timeZone?: string;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
}

/** The log's file name in data_dir. */
export const CALL_LOG_FILE = "calls.sqlite";

export function runCalls(flags: CallsFlags, deps: CallsDeps): number {
  if (!Number.isInteger(flags.limit) || flags.limit < 1) {
    deps.writeErr(
      `voip-callerid: calls: --limit must be a whole number from 1, got ${flags.limit}`,
    );
    return 2;
  }
  const dataDir = loadDataDir(flags.configFile, deps);
  if (dataDir === null) return 1;
  const path = join(deps.defaultDataDir(dataDir), CALL_LOG_FILE);
  // Checked before opening: opening would create an empty log, and `calls` only reads.
  if (!deps.fileExists(path)) {
    if (flags.json) {
      deps.writeOut("[]");
      deps.writeErr(`voip-callerid: no calls recorded yet (${path})`);
    } else {
      deps.writeOut(`no calls recorded yet (${path})`);
    }
    return 0;
  }

  let rows: CallLogRow[];
  try {
    const log = deps.openCallLog(path);
    try {
      rows = log.recent({
        limit: flags.limit,
        missedOnly: flags.missedOnly,
        ...(flags.line !== undefined ? { line: flags.line } : {}),
      });
    } finally {
      log.close();
    }
  } catch (error) {
    deps.writeErr(`voip-callerid: ${(error as Error).message}`);
    return 1;
  }

  if (flags.json) deps.writeOut(JSON.stringify(rows));
  else if (rows.length === 0) deps.writeOut(noMatchMessage(flags));
  else for (const line of formatCallTable(rows, deps.timeZone)) deps.writeOut(line);
  return 0;
}

/** data_dir from --config, or the default; null after the problems were printed. */
function loadDataDir(configFile: string | undefined, deps: CallsDeps): string | null {
  return loadOptions(configFile, deps)?.data_dir ?? null;
}

/**
 * The options of --config (every default without it), checked as the daemon checks them; null
 * after their problems were printed. For the commands that read what the daemon keeps.
 */
export function loadOptions(
  configFile: string | undefined,
  deps: Pick<CallsDeps, "readOptionsFile" | "writeErr">,
): Options | null {
  let input: unknown = {};
  if (configFile !== undefined) {
    const read = deps.readOptionsFile(configFile);
    if (!read.ok) {
      deps.writeErr(`voip-callerid: ${read.message}`);
      return null;
    }
    input = read.value;
  }
  const result = validateOptions(input);
  if (result.ok) return result.options;
  for (const problem of result.problems) deps.writeErr(`voip-callerid: option ${problem}`);
  return null;
}

function noMatchMessage(flags: CallsFlags): string {
  const what = flags.missedOnly ? "missed calls" : "calls";
  return flags.line === undefined ? `no ${what}` : `no ${what} on line "${flags.line}"`;
}

const HEADER = ["TIME", "LINE", "", "OUTCOME", "CALLER", "DURATION"] as const;
/** Columns whose values line up on the right. */
const RIGHT_ALIGNED = new Set([5]);

/** The table's lines, header first: time (local), line, ← in / → out, outcome, who, duration. */
export function formatCallTable(rows: readonly CallLogRow[], timeZone?: string): string[] {
  const time = localTimeFormat(timeZone);
  const cells = rows.map((row) => [
    time(Date.parse(row.started_at)),
    printable(row.line_name),
    row.direction === "incoming" ? "←" : "→",
    row.outcome,
    printable(party(row)),
    row.duration_s === null ? "" : formatDuration(row.duration_s),
  ]);
  const table = [[...HEADER], ...cells];
  const widths = HEADER.map((_, column) =>
    Math.max(...table.map((line) => width(line[column] ?? ""))),
  );
  return table.map((line) =>
    line
      .map((cell, column) => {
        const pad = " ".repeat((widths[column] ?? 0) - width(cell));
        return RIGHT_ALIGNED.has(column) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

/** The name when one is known, else the number, else why there is none; a nuisance said so. */
function party(row: CallLogRow): string {
  const who = caller(row);
  if (!row.nuisance) return who;
  return `${who} (nuisance${row.nuisance_label ? `: ${row.nuisance_label}` : ""})`;
}

function caller(row: CallLogRow): string {
  if (row.name) return row.name;
  if (row.number_display ?? row.number) return (row.number_display ?? row.number) as string;
  if (row.anonymous) return "anonymous";
  return "unknown";
}

/** `0:07`, `12:30`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

/** `2025-03-14 09:26` in the given (or the system's) time zone. */
function localTimeFormat(timeZone: string | undefined): (ms: number) => string {
  const format = new Intl.DateTimeFormat("en-US", {
    ...(timeZone !== undefined ? { timeZone } : {}),
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return (ms) => {
    if (Number.isNaN(ms)) return "?";
    const part = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
  };
}

/** Names come from the network and from users: no control character may break the table. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

/** Width in code points, so that "Zürich" lines up with "Zurich". */
function width(text: string): number {
  return [...text].length;
}
