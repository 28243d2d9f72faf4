/**
 * What a line's phone is doing, from the call events on it: the calls not ended yet (a second
 * caller announced by the call-waiting tone is one more), and who rang last.
 */
import type { NameSource } from "../caller/resolveCaller.js";
import type { CallDirection, CallEvent } from "../calls/callEvent.js";
import type { CallReport } from "../outputs/callReport.js";

export const PHONE_STATES = ["idle", "ringing", "talking", "dialing"] as const;
export type PhoneState = (typeof PHONE_STATES)[number];

/** Home Assistant refuses states longer than this; the last caller is shown as one. */
const MAX_STATE_LENGTH = 255;

/** A call on a line that has not ended yet. */
export interface OpenCall {
  readonly callId: string;
  readonly direction: CallDirection;
  readonly answered: boolean;
}

/** The line's open calls after one more event; calls keep their order of arrival. */
export function applyCallEvent(open: readonly OpenCall[], event: CallEvent): OpenCall[] {
  if (event.type === "missed" || event.type === "ended") {
    return open.filter((call) => call.callId !== event.callId);
  }
  const prior = open.find((call) => call.callId === event.callId);
  const next: OpenCall = {
    callId: event.callId,
    direction: event.direction,
    answered: event.type === "answered" || event.answeredAt !== null || prior?.answered === true,
  };
  return prior ? open.map((call) => (call === prior ? next : call)) : [...open, next];
}

/**
 * The phone's state. A ringing call wins, so a second caller announced by the call-waiting
 * tone shows as `ringing` while the first call is still being talked.
 */
export function phoneState(open: readonly OpenCall[]): PhoneState {
  const call = leadingCall(open);
  if (call === null) return "idle";
  if (call.answered) return "talking";
  return call.direction === "incoming" ? "ringing" : "dialing";
}

/** The open call the phone state is about (the ringing one first), or null when idle. */
export function leadingCall(open: readonly OpenCall[]): OpenCall | null {
  return (
    open.find((call) => call.direction === "incoming" && !call.answered) ??
    open.find((call) => call.answered) ??
    open.find((call) => call.direction === "outgoing") ??
    null
  );
}

export interface LastCaller {
  /** The name, else the formatted number; at most 255 characters. */
  readonly state: string;
  readonly attributes: {
    readonly number: string | null;
    readonly source: NameSource | null;
    readonly time: string;
  };
}

/** The last caller: incoming calls that carry a name or a number, else null. */
export function lastCaller(report: CallReport): LastCaller | null {
  const { event, party } = report;
  if (event.direction !== "incoming") return null;
  const number = party.number.kind === "number" ? party.number : null;
  const text = party.name || number?.display;
  if (!text) return null;
  return {
    state: truncateState(text),
    attributes: {
      number: number ? (number.e164 ?? number.key) : event.number,
      source: party.name ? party.source : null,
      time: new Date(event.startedAt).toISOString(),
    },
  };
}

export function truncateState(text: string): string {
  return text.length <= MAX_STATE_LENGTH ? text : `${text.slice(0, MAX_STATE_LENGTH - 1)}…`;
}
