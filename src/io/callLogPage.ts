/**
 * One page of the call log, newest first, for the panel: keyset paging (the position of the
 * last call shown, never an OFFSET, so page 2,000 costs what page 1 does) over the index on
 * started_at, with the filters the panel offers. The statement is built from the filters that
 * are set, so that SQLite plans each shape with the index instead of one plan with
 * `(? IS NULL OR …)` for all of them; values are always bound, never written into the SQL.
 */

/** Where a page ends: the last call's start and its rowid (calls may start in the same ms). */
export interface CallPosition {
  readonly startedAt: string;
  readonly rowid: number;
}

export interface CallPageQuery {
  /** 1 to 500. */
  readonly limit: number;
  /** Only calls after this position in the newest-first order. */
  readonly before?: CallPosition | null;
  readonly missedOnly?: boolean;
  /** The line's endpoint (CallEvent.line). */
  readonly line?: string | null;
  readonly direction?: "incoming" | "outgoing" | null;
  /** Part of the name; ASCII letters in any case. */
  readonly nameContains?: string | null;
  /** Digits that appear in the number, as stored (E.164) or as displayed (national). */
  readonly digitsContain?: string | null;
}

export interface CallPageStatement {
  /** A key for the prepared statement's cache: the same for the same filters set. */
  readonly shape: string;
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

export const MAX_PAGE = 500;

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function callPageStatement(query: CallPageQuery): CallPageStatement {
  const where: string[] = [];
  const params: Record<string, string | number> = {
    limit: Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit))),
  };
  const shape: string[] = [];
  if (query.before) {
    // A row value: SQLite walks the index from this position on.
    where.push("(started_at, rowid) < (@beforeStart, @beforeRowid)");
    params.beforeStart = query.before.startedAt;
    params.beforeRowid = query.before.rowid;
    shape.push("b");
  }
  if (query.missedOnly) {
    where.push("outcome = 'missed'");
    shape.push("m");
  }
  if (query.line) {
    where.push("line = @line");
    params.line = query.line;
    shape.push("l");
  }
  if (query.direction) {
    where.push("direction = @direction");
    params.direction = query.direction;
    shape.push("d");
  }
  const text: string[] = [];
  if (query.nameContains) {
    text.push("name LIKE @name ESCAPE '\\'");
    params.name = likeContains(query.nameContains);
  }
  if (query.digitsContain) {
    text.push("number LIKE @digits ESCAPE '\\'");
    text.push("replace(number_display, ' ', '') LIKE @digits ESCAPE '\\'");
    params.digits = likeContains(query.digitsContain);
  }
  if (text.length > 0) {
    where.push(`(${text.join(" OR ")})`);
    shape.push(`q${query.nameContains ? "n" : ""}${query.digitsContain ? "d" : ""}`);
  }
  const sql = `SELECT rowid AS position_rowid, * FROM calls
    ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY started_at DESC, rowid DESC
    LIMIT @limit`;
  return { shape: shape.join(",") || "all", sql, params };
}
