/**
 * The "nuisance calls this month" figure: the month is the household's calendar month (its
 * time zone, as for the search.ch quota), so the count starts again at local midnight on the
 * 1st, not at UTC's. The call log is asked for a little more than a month of flagged calls
 * and the ones of the current local month are counted.
 */
import { monthOf } from "../time/zonedTime.js";

/** Longer than any month, whatever the time zone's offset. */
export const MONTH_LOOKBACK_MS = 32 * 86_400_000;

export function callsInMonth(startedAt: readonly string[], now: number, timeZone: string): number {
  const month = monthOf(now, timeZone);
  return startedAt.filter((at) => monthOf(Date.parse(at), timeZone) === month).length;
}
