/**
 * The hard cap on learned lines: lines the household knows only because a call touched them,
 * not because the user named them in the `lines` option. Each known line is a device with six
 * entities in Home Assistant, kept across restarts, so whatever reaches the adapter (a SIP
 * scanner that got past the refused-INVITE rule, a misconfigured gateway numbering its ports
 * anew) must not grow the household without bound.
 *
 * Eight learned lines beyond the configured ones: a household without a `lines` option has one
 * or two analogue ports per adapter (`aaln/1`, `aaln/2`) and at most a handful of SIP numbers
 * (Swiss providers sell up to 4–6 per connection); eight covers two adapters' ports plus four
 * numbers with room to spare, while bounding the worst case at 48 retained discovery configs.
 * A line the user names in `lines` never counts and is never evicted.
 *
 * When a new learned line would pass the cap, the quietest learned line goes (the oldest
 * `lastActivityAt`; a line never active since it was saved counts as oldest; ties go to the
 * one learned first). A line with a call still open is never evicted; when every learned line
 * has one, the new line is not learned (its call still reaches the call log and the events).
 */
import type { HouseholdState, LineState } from "./household.js";

export const MAX_LEARNED_LINES = 8;

export interface HouseholdRules {
  /** Whether the user named this line in the `lines` option: never counted, never evicted. */
  readonly isConfigured: (key: string) => boolean;
  /** Learned lines kept at most. */
  readonly maxLearnedLines: number;
}

/** No line configured, the default cap: what the reducer applies when told nothing else. */
export const DEFAULT_HOUSEHOLD_RULES: HouseholdRules = {
  isConfigured: () => false,
  maxLearnedLines: MAX_LEARNED_LINES,
};

export interface Room {
  /** The lines that stay, in their order. */
  readonly kept: readonly LineState[];
  /** The lines evicted to make room, quietest first. */
  readonly evicted: readonly LineState[];
}

/**
 * Room for one more line `key` (not known yet): the lines kept and those evicted, or null when
 * the cap is reached and no learned line may go (each has a call open).
 */
export function makeRoomFor(
  lines: readonly LineState[],
  key: string,
  rules: HouseholdRules,
): Room | null {
  if (rules.isConfigured(key)) return { kept: lines, evicted: [] };
  if (rules.maxLearnedLines < 1) return null;
  return evictBeyond(lines, rules, rules.maxLearnedLines - 1);
}

/**
 * The household within its cap, as it is loaded: a saved household from before the cap, or one
 * saved under other options, may hold more learned lines than allowed.
 */
export function capHousehold(state: HouseholdState, rules: HouseholdRules): Room {
  return (
    evictBeyond(state.lines, rules, Math.max(0, rules.maxLearnedLines)) ?? {
      kept: state.lines,
      evicted: [],
    }
  );
}

/** Evicts the quietest learned lines until at most `allowed` remain; null if it cannot. */
function evictBeyond(
  lines: readonly LineState[],
  rules: HouseholdRules,
  allowed: number,
): Room | null {
  const learned = lines.filter((line) => !rules.isConfigured(line.key));
  const excess = learned.length - allowed;
  if (excess <= 0) return { kept: lines, evicted: [] };
  const candidates = learned
    .filter((line) => line.openCalls.length === 0)
    .map((line, order) => ({ line, order }))
    .sort((a, b) => quietness(a.line) - quietness(b.line) || a.order - b.order)
    .map(({ line }) => line);
  if (candidates.length < excess) return null;
  const evicted = candidates.slice(0, excess);
  const gone = new Set(evicted);
  return { kept: lines.filter((line) => !gone.has(line)), evicted };
}

function quietness(line: LineState): number {
  return line.lastActivityAt ?? Number.NEGATIVE_INFINITY;
}
