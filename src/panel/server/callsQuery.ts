/**
 * `api/calls`: the query string read into a call log page query, the opaque cursor, and each
 * row as the panel's Call. Pure. Bad input is a clear 400, never a thrown error.
 *
 *   ?limit=50&before=<cursor>&missed=1&line=<key>&direction=incoming|outgoing&q=<text>
 *
 * `q` matches part of the name, or digits of the number: `044 123` finds `+41441234567`
 * (its national form) as `+41 44 123` does.
 */
import type { CallLogRow } from "../../io/callLog.js";
import type { CallPageQuery, CallPosition } from "../../io/callLogPage.js";

export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_TEXT = 100;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function encodeCursor(position: CallPosition): string {
  return Buffer.from(JSON.stringify([position.startedAt, position.rowid])).toString("base64url");
}

export function decodeCursor(cursor: string): CallPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [startedAt, rowid] = value as unknown[];
    if (typeof startedAt !== "string" || !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(startedAt)) return null;
    if (!Number.isSafeInteger(rowid) || (rowid as number) < 0) return null;
    return { startedAt, rowid: rowid as number };
  } catch {
    return null;
  }
}

function single(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

export function parseCallsQuery(query: Readonly<Record<string, unknown>>): Parsed<CallPageQuery> {
  const limitText = single(query.limit);
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return { ok: false, message: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
  }
  const beforeText = single(query.before);
  const before = beforeText ? decodeCursor(beforeText) : null;
  if (beforeText && before === null) return { ok: false, message: "before is not a cursor" };
  const direction = single(query.direction) || null;
  if (direction !== null && direction !== "incoming" && direction !== "outgoing") {
    return { ok: false, message: "direction is incoming or outgoing" };
  }
  const missed = single(query.missed);
  const line = single(query.line)?.trim() || null;
  const q = (single(query.q) ?? "").trim().slice(0, MAX_TEXT);
  const text = textFilter(q);
  return {
    ok: true,
    value: {
      limit,
      before,
      missedOnly: missed === "1" || missed === "true",
      line,
      direction,
      ...text,
    },
  };
}

/**
 * What `q` is looked for as: a text with letters is a part of the name; a text of digits
 * (with spaces, +, -, /, dots or brackets) is a part of the number — as stored (E.164) or
 * as displayed (national) — and also of the name.
 */
export function textFilter(q: string): Pick<CallPageQuery, "nameContains" | "digitsContain"> {
  if (q === "") return {};
  const looksLikeNumber = /^[\d\s+\-/().]+$/.test(q);
  const digits = q.replace(/\D/g, "");
  if (!looksLikeNumber || digits.length === 0) return { nameContains: q };
  return { nameContains: q, digitsContain: digits };
}

/** A row as the panel shows it (`Call` in the contract). */
export function panelCall(row: CallLogRow): Record<string, unknown> {
  return {
    call_id: row.call_id,
    started_at: row.started_at,
    line: row.line,
    line_name: row.line_name,
    direction: row.direction,
    outcome: row.outcome,
    answered: row.answered_at !== null,
    duration_s: row.duration_s,
    number: row.number,
    number_display: row.number_display,
    name: row.name,
    name_source: row.name_source,
    anonymous: row.anonymous,
    announcement: row.announcement,
    nuisance: row.nuisance,
    nuisance_label: row.nuisance_label,
    nuisance_source: row.nuisance_source,
  };
}
