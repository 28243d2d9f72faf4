/**
 * The household's telephone lines as one value, and the only way it changes: a reducer over
 * call reports and the commands a user gives (from Home Assistant's MQTT entities today, the
 * panel tomorrow). Outputs are views of it; none keeps line state of its own.
 *
 * A line becomes known with its first call and stays known (saved across restarts), unless it
 * was only learned from calls and the cap on learned lines (learnedLines.ts) evicts it as the
 * quietest. Time is passed in.
 */
import { type CallReport, callEventData } from "../outputs/callReport.js";
import { DEFAULT_HOUSEHOLD_RULES, type HouseholdRules, makeRoomFor } from "./learnedLines.js";
import {
  applyCallEvent,
  type LastCaller,
  lastCaller,
  leadingCall,
  type OpenCall,
  type PhoneState,
  phoneState,
} from "./lineCalls.js";

/** A call's event data (the `voip_callerid_call` contract, callReport.ts). */
export type CallData = Readonly<Record<string, unknown>>;

export interface LineState {
  /** The line's endpoint (CallEvent.line): its identity. */
  readonly key: string;
  /** The user's label, else the endpoint. */
  readonly label: string;
  readonly missedCalls: number;
  readonly announcements: boolean;
  readonly lastCaller: LastCaller | null;
  /** The event data of the line's latest call event, or null. */
  readonly lastCall: CallData | null;
  /** Calls not ended yet, in order of arrival; not kept across restarts. */
  readonly openCalls: readonly OpenCall[];
  /** The latest event data of each open call, by call id. */
  readonly openCallData: Readonly<Record<string, CallData>>;
  /** When a call last touched the line, or null. */
  readonly lastActivityAt: number | null;
}

export interface HouseholdState {
  /** In the order they became known. */
  readonly lines: readonly LineState[];
}

/** What a user can ask for, from any view. */
export type HouseholdCommand =
  | { readonly kind: "reset-missed-calls"; readonly line: string }
  | { readonly kind: "set-announcements"; readonly line: string; readonly on: boolean };

export type HouseholdInput =
  | { readonly kind: "call"; readonly report: CallReport }
  | HouseholdCommand;

export interface HouseholdChange {
  readonly cause: HouseholdInput["kind"];
  /** The line after the change. */
  readonly line: LineState;
  /** The line became known with this call. */
  readonly added: boolean;
  /** Something worth saving changed; a command that changes nothing is still confirmed. */
  readonly changed: boolean;
  /** Learned lines forgotten to make room for this one (learnedLines.ts), quietest first. */
  readonly evicted: readonly LineState[];
}

export const EMPTY_HOUSEHOLD: HouseholdState = { lines: [] };

export function newLine(key: string, label: string): LineState {
  return {
    key,
    label,
    missedCalls: 0,
    announcements: true,
    lastCaller: null,
    lastCall: null,
    openCalls: [],
    openCallData: {},
    lastActivityAt: null,
  };
}

/**
 * The next state, and what changed; no change for a command about an unknown line, nor for a
 * call on a new line when the learned lines are at their cap and none may be evicted.
 */
export function reduceHousehold(
  state: HouseholdState,
  input: HouseholdInput,
  now: number,
  rules: HouseholdRules = DEFAULT_HOUSEHOLD_RULES,
): { state: HouseholdState; change: HouseholdChange | null } {
  const key = input.kind === "call" ? input.report.event.line : input.line;
  const prior = findLine(state, key);
  if (prior === undefined) {
    if (input.kind !== "call") return { state, change: null };
    const room = makeRoomFor(state.lines, key, rules);
    if (room === null) return { state, change: null };
    const line = nextLine(newLine(key, key), input, now);
    return {
      state: { lines: [...room.kept, line] },
      change: { cause: input.kind, line, added: true, changed: true, evicted: room.evicted },
    };
  }
  const line = nextLine(prior, input, now);
  const changed = line !== prior;
  return {
    state: changed ? { lines: state.lines.map((l) => (l === prior ? line : l)) } : state,
    change: { cause: input.kind, line, added: false, changed, evicted: [] },
  };
}

function nextLine(line: LineState, input: HouseholdInput, now: number): LineState {
  switch (input.kind) {
    case "reset-missed-calls":
      return line.missedCalls === 0 ? line : { ...line, missedCalls: 0 };
    case "set-announcements":
      return line.announcements === input.on ? line : { ...line, announcements: input.on };
    case "call":
      return withCall(line, input.report, now);
  }
}

function withCall(line: LineState, report: CallReport, now: number): LineState {
  const { event } = report;
  const openCalls = applyCallEvent(line.openCalls, event);
  const data = callEventData(report);
  const { [event.callId]: _ended, ...others } = line.openCallData;
  const isOpen = openCalls.some((call) => call.callId === event.callId);
  const missed = event.type === "missed" && event.direction === "incoming";
  return {
    ...line,
    label: report.line.name,
    openCalls,
    openCallData: isOpen ? { ...others, [event.callId]: data } : others,
    lastCall: data,
    lastCaller: lastCaller(report) ?? line.lastCaller,
    missedCalls: line.missedCalls + (missed ? 1 : 0),
    lastActivityAt: now,
  };
}

export function findLine(state: HouseholdState, key: string): LineState | undefined {
  return state.lines.find((line) => line.key === key);
}

/** On until the user turns them off; on for a line not seen yet. */
export function announcementsEnabled(state: HouseholdState, key: string): boolean {
  return findLine(state, key)?.announcements ?? true;
}

export function linePhoneState(line: LineState): PhoneState {
  return phoneState(line.openCalls);
}

/** The call the phone state is about, else the last call: what the phone sensor shows. */
export function lineCurrentCall(line: LineState): CallData | null {
  const leading = leadingCall(line.openCalls);
  return (leading && line.openCallData[leading.callId]) ?? line.lastCall;
}

/**
 * The household as a view sees it (MQTT today, the panel tomorrow): read the state, hear of
 * every change, and give commands. The daemon holds the one instance (daemon/household.ts).
 */
export interface HouseholdPort {
  current(): HouseholdState;
  /** Called after every change, in order; returns the unsubscribe function. */
  subscribe(listener: (change: HouseholdChange) => void): () => void;
  dispatch(command: HouseholdCommand): void;
}
