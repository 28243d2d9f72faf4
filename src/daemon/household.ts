/**
 * The one household of the running daemon: the state (core/household), changed only through
 * `dispatch`, saved a moment after each change (household.json in the data folder), and told
 * to every subscriber in order. The app dispatches calls; views dispatch commands.
 */
import {
  announcementsEnabled,
  EMPTY_HOUSEHOLD,
  type HouseholdChange,
  type HouseholdInput,
  type HouseholdPort,
  type HouseholdState,
  reduceHousehold,
} from "../core/household/household.js";
import { parseHousehold, serializeHousehold } from "../core/household/householdFile.js";
import {
  capHousehold,
  DEFAULT_HOUSEHOLD_RULES,
  type HouseholdRules,
} from "../core/household/learnedLines.js";
import type { JsonReadResult } from "../io/jsonFile.js";

export const HOUSEHOLD_FILE = "household.json";
/**
 * The MQTT publisher's own file (its discovery topics): it kept the lines there too before the
 * household had its own file.
 */
export const LEGACY_STATE_FILE = "mqtt-state.json";

export interface Household extends HouseholdPort {
  /** Any input, calls included: the app's entry. */
  dispatch(input: HouseholdInput): void;
  announcementsEnabled(line: string): boolean;
}

export interface HouseholdDeps {
  readonly initial: HouseholdState;
  readonly save: (state: unknown) => void;
  readonly now: () => number;
  readonly log: { info(message: string): void; warn(message: string): void };
  /** Which lines are configured, and the cap on learned ones; default: none, the usual cap. */
  readonly rules?: HouseholdRules;
}

export function createHousehold(deps: HouseholdDeps): Household {
  let state = deps.initial;
  const rules = deps.rules ?? DEFAULT_HOUSEHOLD_RULES;
  const listeners = new Set<(change: HouseholdChange) => void>();
  return {
    current: () => state,
    announcementsEnabled: (line) => announcementsEnabled(state, line),
    subscribe(listener) {
      // A wrapper, so that one function subscribed twice is two subscriptions.
      const entry = (change: HouseholdChange) => listener(change);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    dispatch(input) {
      const next = reduceHousehold(state, input, deps.now(), rules);
      if (next.change === null) return;
      state = next.state;
      const { change } = next;
      for (const gone of change.evicted) deps.log.info(forgotten(gone.label, rules));
      if (change.changed) deps.save(serializeHousehold(state));
      if (change.changed && change.cause === "set-announcements")
        deps.log.info(
          `announcements for ${change.line.label} turned ${change.line.announcements ? "on" : "off"}`,
        );
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (error) {
          deps.log.warn(`a view of the household failed: ${(error as Error).message}`);
        }
      }
    },
  };
}

function forgotten(label: string, rules: HouseholdRules): string {
  return (
    `telephone line ${label} forgotten: at most ${rules.maxLearnedLines} lines learned from ` +
    "calls are kept, the quietest goes (name a line in the lines option to keep it)"
  );
}

/**
 * The saved household: household.json, else the lines the MQTT publisher kept before the
 * household had a file (then saved at once in the new file, so the old one may be rewritten
 * by the publisher without losing them), within the cap on learned lines: a file from before
 * the cap, or saved under other options, loses its quietest learned lines (`evicted`, their
 * labels) and is saved at once too (`saveNow`).
 */
export function loadHousehold(
  read: (file: string) => JsonReadResult,
  warn: (message: string) => void,
  rules: HouseholdRules = DEFAULT_HOUSEHOLD_RULES,
): { state: HouseholdState; saveNow: boolean; evicted: readonly string[] } {
  const saved = read(HOUSEHOLD_FILE);
  if (saved.ok) return withinCap(parseHousehold(saved.value), false, rules);
  if (saved.reason !== "missing") {
    warn(`${saved.message}; the lines start afresh`);
    return { state: EMPTY_HOUSEHOLD, saveNow: false, evicted: [] };
  }
  const legacy = read(LEGACY_STATE_FILE);
  if (!legacy.ok) return { state: EMPTY_HOUSEHOLD, saveNow: false, evicted: [] };
  const state = parseHousehold(legacy.value);
  return withinCap(state, state.lines.length > 0, rules);
}

function withinCap(state: HouseholdState, saveNow: boolean, rules: HouseholdRules) {
  const { kept, evicted } = capHousehold(state, rules);
  if (evicted.length === 0) return { state, saveNow, evicted: [] };
  return { state: { lines: kept }, saveNow: true, evicted: evicted.map((line) => line.label) };
}
