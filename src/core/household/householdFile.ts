/**
 * The household state as it is kept across restarts: every known line with its label,
 * switch, missed-call count, last caller and last call. Open calls are not kept: after a
 * restart nobody is on the phone as far as we know.
 *
 *   { "version": 1, "lines": [ { "key", "label", "missedCalls", "announcements",
 *                                 "lastCaller", "lastCall", "lastActivityAt" } ] }
 *
 * Before the household had a file of its own, the MQTT publisher kept these lines in
 * `mqtt-state.json` in the same format (beside its discovery topics), so that file reads here
 * too. The file may be old, hand-edited or half-valid: parsing keeps what makes sense and drops
 * the rest instead of failing, because losing a count is better than not starting.
 */
import type { NameSource } from "../caller/resolveCaller.js";
import { type HouseholdState, type LineState, newLine } from "./household.js";
import type { LastCaller } from "./lineCalls.js";

export const HOUSEHOLD_FILE_VERSION = 1;

export function serializeHousehold(state: HouseholdState): unknown {
  return {
    version: HOUSEHOLD_FILE_VERSION,
    lines: state.lines.map((line) => ({
      key: line.key,
      label: line.label,
      missedCalls: line.missedCalls,
      announcements: line.announcements,
      lastCaller: line.lastCaller,
      lastCall: line.lastCall,
      lastActivityAt: line.lastActivityAt,
    })),
  };
}

export function parseHousehold(raw: unknown): HouseholdState {
  const record = asRecord(raw);
  const lines: LineState[] = [];
  for (const item of Array.isArray(record?.lines) ? record.lines : []) {
    const line = parseLine(item);
    if (line !== null && !lines.some((known) => known.key === line.key)) lines.push(line);
  }
  return { lines };
}

function parseLine(raw: unknown): LineState | null {
  const line = asRecord(raw);
  if (line === null || typeof line.key !== "string" || line.key === "") return null;
  const label = typeof line.label === "string" && line.label !== "" ? line.label : line.key;
  const { missedCalls: missed, lastActivityAt: activity } = line;
  return {
    ...newLine(line.key, label),
    missedCalls:
      typeof missed === "number" && Number.isSafeInteger(missed) && missed > 0 ? missed : 0,
    announcements: line.announcements !== false,
    lastCaller: parseLastCaller(line.lastCaller),
    lastCall: asRecord(line.lastCall),
    lastActivityAt: typeof activity === "number" && Number.isFinite(activity) ? activity : null,
  };
}

const NAME_SOURCES: readonly NameSource[] = ["phonebook", "cache", "search.ch", "network"];

function parseLastCaller(raw: unknown): LastCaller | null {
  const caller = asRecord(raw);
  const attributes = asRecord(caller?.attributes);
  if (caller === null || attributes === null) return null;
  if (typeof caller.state !== "string" || typeof attributes.time !== "string") return null;
  const source = NAME_SOURCES.find((s) => s === attributes.source) ?? null;
  return {
    state: caller.state,
    attributes: {
      number: typeof attributes.number === "string" ? attributes.number : null,
      source,
      time: attributes.time,
    },
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
