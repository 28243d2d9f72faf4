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
import type { JsonReadResult } from "../io/jsonFile.js";

export const HOUSEHOLD_FILE = "household.json";
/** Where the MQTT publisher kept the lines before the household had its own file. */
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
}

export function createHousehold(deps: HouseholdDeps): Household {
  let state = deps.initial;
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
      const next = reduceHousehold(state, input, deps.now());
      if (next.change === null) return;
      state = next.state;
      const { change } = next;
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

/**
 * The saved household: household.json, else the lines the MQTT publisher kept before the
 * household had a file (then saved at once in the new file, so the old one may be rewritten
 * by the publisher without losing them).
 */
export function loadHousehold(
  read: (file: string) => JsonReadResult,
  warn: (message: string) => void,
): { state: HouseholdState; migrated: boolean } {
  const saved = read(HOUSEHOLD_FILE);
  if (saved.ok) return { state: parseHousehold(saved.value), migrated: false };
  if (saved.reason !== "missing") {
    warn(`${saved.message}; the lines start afresh`);
    return { state: EMPTY_HOUSEHOLD, migrated: false };
  }
  const legacy = read(LEGACY_STATE_FILE);
  if (!legacy.ok) return { state: EMPTY_HOUSEHOLD, migrated: false };
  const state = parseHousehold(legacy.value);
  return { state, migrated: state.lines.length > 0 };
}
