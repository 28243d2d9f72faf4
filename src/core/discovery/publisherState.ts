/**
 * What the MQTT publisher keeps across restarts, so entities come back with their state:
 * the lines it has seen, each line's switch, missed-call count, last caller and last call,
 * and every discovery topic it has published (to clear the ones no longer produced).
 *
 * The file is ours, but it may be old, hand-edited or half-valid: parsing keeps what makes
 * sense and drops the rest instead of failing, because losing a count is better than not
 * starting.
 */
import type { NameSource } from "../caller/resolveCaller.js";
import type { LastCaller } from "./entityStates.js";

export const PUBLISHER_STATE_VERSION = 1;

export interface LineRecord {
  /** The line's endpoint (CallEvent.line). */
  key: string;
  label: string;
  missedCalls: number;
  announcements: boolean;
  lastCaller: LastCaller | null;
  /** The phone sensor's attributes for the last call, or null. */
  lastCall: Record<string, unknown> | null;
}

export interface PublisherState {
  lines: LineRecord[];
  discoveryTopics: string[];
}

export function newLineRecord(key: string, label: string): LineRecord {
  return { key, label, missedCalls: 0, announcements: true, lastCaller: null, lastCall: null };
}

export function serializePublisherState(state: PublisherState): unknown {
  return { version: PUBLISHER_STATE_VERSION, ...state };
}

export function parsePublisherState(raw: unknown): PublisherState {
  const record = asRecord(raw);
  if (record === null) return { lines: [], discoveryTopics: [] };
  const lines: LineRecord[] = [];
  for (const item of Array.isArray(record.lines) ? record.lines : []) {
    const line = parseLine(item);
    if (line !== null && !lines.some((known) => known.key === line.key)) lines.push(line);
  }
  const topics = Array.isArray(record.discoveryTopics) ? record.discoveryTopics : [];
  return {
    lines,
    discoveryTopics: [...new Set(topics.filter((t): t is string => typeof t === "string"))],
  };
}

function parseLine(raw: unknown): LineRecord | null {
  const line = asRecord(raw);
  if (line === null || typeof line.key !== "string" || line.key === "") return null;
  const label = typeof line.label === "string" && line.label !== "" ? line.label : line.key;
  const missed = line.missedCalls;
  return {
    key: line.key,
    label,
    missedCalls:
      typeof missed === "number" && Number.isSafeInteger(missed) && missed > 0 ? missed : 0,
    announcements: line.announcements !== false,
    lastCaller: parseLastCaller(line.lastCaller),
    lastCall: asRecord(line.lastCall),
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
