/** What the pipeline reports about calls: the contract every output (CLI, HA, MQTT) builds on. */

export type CallEventType = "ringing" | "answered" | "missed" | "ended" | "outgoing";
export type CallDirection = "incoming" | "outgoing";

/** Why a call stopped, for the log and for automations that care. */
export type CallEndReason =
  | "hung-up" // on-hook (NTFY L/hu)
  | "ring-stopped" // the call agent stopped the ring signal before anyone answered
  | "connection-deleted" // DLCX
  | "timeout" // no signalling within the ring time-out
  | "restart" // the gateway restarted (RSIP)
  | "superseded" // a new call began on the line while this one looked open
  | "cancelled" // SIP: the caller cancelled before anyone answered (CANCEL, 487)
  | "rejected"; // SIP: busy, declined or unavailable (486, 603, 480, other failures)

export interface CallEvent {
  readonly type: CallEventType;
  /** Stable within the run: every event of one call carries the same id. */
  readonly callId: string;
  /** Lower-cased endpoint name, e.g. `aaln/1@mta-1.example`. */
  readonly line: string;
  readonly direction: CallDirection;
  /** Caller's number (incoming) or dialled number (outgoing), digits as received, or null. */
  readonly number: string | null;
  /** Network-supplied caller name, or null. */
  readonly name: string | null;
  readonly anonymous: boolean;
  readonly unavailable: boolean;
  /** A second caller announced by the call-waiting tone while the line was busy. */
  readonly waiting: boolean;
  /** The caller-id time field with its year filled in (`YYYY-MM-DDTHH:MM`, local), or null. */
  readonly networkTime: string | null;
  /** Packet time of the event, ms since the epoch. */
  readonly at: number;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  /** Set on `missed` and `ended`. */
  readonly endedAt: number | null;
  readonly reason: CallEndReason | null;
}

/** What both call trackers (MGCP, SIP) know of a call, whatever the protocol. */
export interface CallTimes {
  readonly id: string;
  readonly line: string;
  readonly direction: CallDirection;
  readonly startedAt: number;
  readonly answeredAt: number | null;
}

/** The caller's side of an event, as each protocol derives it. */
export type CallParty = Pick<
  CallEvent,
  "number" | "name" | "anonymous" | "unavailable" | "waiting" | "networkTime"
>;

/** One event of `call`: the call's times, the party, and an end time on missed and ended. */
export function callEventFrom(
  call: CallTimes,
  party: CallParty,
  type: CallEventType,
  at: number,
  reason: CallEndReason | null,
): CallEvent {
  const ends = type === "missed" || type === "ended";
  return {
    type,
    callId: call.id,
    line: call.line,
    direction: call.direction,
    ...party,
    at,
    startedAt: call.startedAt,
    answeredAt: call.answeredAt,
    endedAt: ends ? at : null,
    reason,
  };
}

/** The JSON line printed by `replay` and `listen`: snake_case, ISO 8601 times. */
export function callEventToJson(event: CallEvent): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const durationS =
    event.endedAt !== null && event.answeredAt !== null
      ? Math.round((event.endedAt - event.answeredAt) / 1000)
      : null;
  return {
    type: event.type,
    call_id: event.callId,
    line: event.line,
    direction: event.direction,
    number: event.number,
    name: event.name,
    anonymous: event.anonymous,
    unavailable: event.unavailable,
    waiting: event.waiting,
    network_time: event.networkTime,
    at: iso(event.at),
    started_at: iso(event.startedAt),
    answered_at: iso(event.answeredAt),
    ended_at: iso(event.endedAt),
    duration_s: durationS,
    reason: event.reason,
  };
}
