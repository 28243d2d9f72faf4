/** One call as the tracker follows it, and the event it reports at each step. */
import type { CallerId } from "../mgcp/callerId.js";
import {
  type CallDirection,
  type CallEndReason,
  type CallEvent,
  type CallEventType,
  type CallParty,
  callEventFrom,
} from "./callEvent.js";

export type CallState = "ringing" | "dialing" | "outgoing" | "answered";

export interface TrackedCall {
  readonly id: string;
  readonly line: string;
  readonly direction: CallDirection;
  state: CallState;
  waiting: boolean;
  callerId: CallerId | null;
  networkTime: string | null;
  /** Digits dialled so far (outgoing calls). */
  digits: string;
  readonly startedAt: number;
  answeredAt: number | null;
  /** Time-out for ringing and dialing calls; null once the call is up. */
  deadline: number | null;
  /** The call agent's C: for this call, lower-cased, once a CRCX names it. */
  mgcpCallId: string | null;
  /** Connection ids (I:) the gateway gave this call's connections. */
  readonly connectionIds: Set<string>;
}

export function newTrackedCall(
  fields: Pick<TrackedCall, "id" | "line" | "direction" | "state" | "startedAt" | "mgcpCallId">,
): TrackedCall {
  return {
    ...fields,
    waiting: false,
    callerId: null,
    networkTime: null,
    digits: "",
    answeredAt: null,
    deadline: null,
    connectionIds: new Set(),
  };
}

export function callEventOf(
  call: TrackedCall,
  type: CallEventType,
  at: number,
  reason: CallEndReason | null,
): CallEvent {
  const party: CallParty = {
    number: call.direction === "outgoing" ? call.digits || null : (call.callerId?.number ?? null),
    name: call.callerId?.name ?? null,
    anonymous: call.callerId?.anonymous ?? false,
    unavailable: call.callerId?.unavailable ?? false,
    waiting: call.waiting,
    networkTime: call.networkTime,
  };
  return callEventFrom(call, party, type, at, reason);
}
