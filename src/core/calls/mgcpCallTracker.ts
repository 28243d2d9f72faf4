/**
 * Call state per line, from the MGCP messages between a call agent (CA) and a gateway (GW).
 * Facts file §5; RFC 3435 §2.3 (verbs), RFC 3660 (line package events and signals).
 *
 *  incoming:  RQNT/CRCX/MDCX S: rg|r0-r7 [,ci(…)]  → ringing
 *             NTFY O: hd while ringing             → answered
 *             NTFY O: hu, DLCX                     → ended
 *             ring stopped by a later S:, DLCX, RSIP, no signalling within the ring time-out
 *                                                  → missed
 *  waiting:   S: wt|wt1-4 [,ci(…)] while talking   → ringing (waiting) → NTFY O: hf → answered
 *  outgoing:  NTFY O: hd from idle → NTFY O: digits → CRCX/MDCX or ringback (rt) → outgoing
 *             → MDCX M: sendrecv → answered → NTFY O: hu / DLCX → ended
 *
 * Pure: messages and their packet times in, events out. Retransmitted commands are recognised
 * by transaction id and never produce an event twice.
 */
import { type CallerId, callerIdDateTime } from "../mgcp/callerId.js";
import { endpointCovers, isWildcard, lineKey } from "../mgcp/endpoint.js";
import { type MgcpEventItem, parseEventList } from "../mgcp/eventList.js";
import { dialledDigit, readLineSignals } from "../mgcp/lineSignals.js";
import {
  GATEWAY_VERBS,
  type MgcpCommand,
  type MgcpMessage,
  type MgcpResponse,
  param,
} from "../mgcp/types.js";
import type { CallDirection, CallEndReason, CallEvent, CallEventType } from "./callEvent.js";
import { MgcpTransactions } from "./mgcpTransactions.js";
import {
  type TrackedCall as Call,
  type CallState,
  callEventOf,
  newTrackedCall,
} from "./trackedCall.js";

export interface MgcpCallTrackerOptions {
  /** A ringing call with no signalling for this long is missed. RFC 3660: `rg` lasts 180 s. */
  readonly ringTimeoutMs?: number;
  /** An off-hook line that dials nothing for this long is forgotten. */
  readonly dialTimeoutMs?: number;
  readonly newCallId?: () => string;
}

/** Where a message came from and when: the parts of the datagram the tracker needs. */
export interface MessageContext {
  readonly src: string;
  readonly dst: string;
  readonly at: number;
}

const NO_EVENTS: readonly CallEvent[] = Object.freeze([]);
/** A CRCX seen shortly before the ring belongs to the call that the ring starts. */
const PENDING_CALL_ID_MS = 10_000;

export class MgcpCallTracker {
  readonly #lines = new Map<string, Call[]>();
  readonly #pendingCallIds = new Map<string, { id: string; at: number }>();
  readonly #transactions = new MgcpTransactions();
  readonly #ringTimeoutMs: number;
  readonly #dialTimeoutMs: number;
  readonly #newCallId: () => string;
  #events: CallEvent[] = [];
  #nextDeadline = Number.POSITIVE_INFINITY;

  constructor(options: MgcpCallTrackerOptions = {}) {
    this.#ringTimeoutMs = options.ringTimeoutMs ?? 180_000;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 120_000;
    let sequence = 0;
    this.#newCallId = options.newCallId ?? (() => `c${++sequence}`);
  }

  /** Retransmissions recognised, and responses to commands never seen. */
  get stats(): Readonly<{ retransmissions: number; unmatchedResponses: number }> {
    return this.#transactions.stats;
  }

  /** Earliest packet time at which `tick` has something to do. */
  get nextDeadline(): number {
    return this.#nextDeadline;
  }

  /** The calls currently open, for state displays: line → states, oldest first. */
  openCalls(): Map<string, CallState[]> {
    return new Map([...this.#lines].map(([line, calls]) => [line, calls.map((c) => c.state)]));
  }

  handle(message: MgcpMessage, context: MessageContext): readonly CallEvent[] {
    if (message.kind === "response") {
      this.#onResponse(message, context);
      return NO_EVENTS;
    }
    if (this.#transactions.isRepeatedCommand(message, context)) return NO_EVENTS;
    this.#events = [];
    if (message.verb === "NTFY") this.#onNotify(message, context.at);
    else if (message.verb === "RSIP") this.#onRestart(message, context.at);
    else if (!GATEWAY_VERBS.has(message.verb)) this.#onCallAgentCommand(message, context.at);
    return this.#flush();
  }

  /** Resolves time-outs up to `now` (a packet time in replay, the clock when live). */
  tick(now: number): readonly CallEvent[] {
    if (now < this.#nextDeadline) return NO_EVENTS;
    this.#events = [];
    for (const calls of [...this.#lines.values()]) {
      for (const call of [...calls]) {
        if (call.deadline === null || call.deadline > now) continue;
        if (call.state === "ringing") this.#finish(call, "missed", call.deadline, "timeout");
        else this.#forget(call);
      }
    }
    return this.#flush();
  }

  #onCallAgentCommand(command: MgcpCommand, at: number): void {
    if (isWildcard(command.endpoint)) {
      if (command.verb === "DLCX") {
        for (const line of this.#coveredLines(command.endpoint)) this.#onDelete(command, line, at);
      }
      return;
    }
    const line = lineKey(command.endpoint);
    if (command.verb === "DLCX") this.#onDelete(command, line, at);

    const signalValues = command.params.get("S");
    if (signalValues) this.#onSignals(line, parseEventList(signalValues.join(",")), at);

    const mgcpCallId = param(command, "C")?.toLowerCase();
    if (command.verb === "CRCX" && mgcpCallId) this.#attachCallId(line, mgcpCallId, at);
    if (command.verb === "CRCX" || command.verb === "MDCX") this.#dialComplete(line, at);
    const mode = param(command, "M")?.toLowerCase();
    if (command.verb === "MDCX" && mode === "sendrecv") {
      const call = this.#calls(line).find((c) => c.state === "outgoing");
      if (call) this.#answer(call, at);
    }
  }

  /** S: replaces the signals playing on the line (RFC 3435 §2.3.3): a list without ring stops it. */
  #onSignals(line: string, items: MgcpEventItem[], at: number): void {
    const signals = readLineSignals(items);
    const { callerId } = signals;
    const talking = this.#calls(line).some((c) => c.state === "answered" || c.state === "outgoing");
    if (signals.callWaiting && talking) {
      this.#onWaitingTone(line, callerId, at);
    } else if (signals.ring || signals.callWaiting || callerId) {
      this.#onRing(line, callerId, at, signals.ringTimeoutMs ?? this.#ringTimeoutMs);
    } else {
      const ringing = this.#calls(line).find((c) => c.state === "ringing" && !c.waiting);
      if (ringing) this.#finish(ringing, "missed", at, "ring-stopped");
    }
    if (signals.ringback) this.#dialComplete(line, at);
  }

  #onRing(line: string, callerId: CallerId | null, at: number, timeoutMs: number): void {
    const ringing = this.#calls(line).find((c) => c.state === "ringing");
    if (ringing && !isDifferentCaller(ringing.callerId, callerId)) {
      // The same call rung again: a re-ring after the user put down a waiting call, or a
      // refreshed request. Keep its id; learn the caller id if it came only now.
      ringing.waiting = false;
      ringing.callerId ??= callerId;
      ringing.networkTime ??= networkTime(callerId, at);
      this.#setDeadline(ringing, at + timeoutMs);
      return;
    }
    // A new ring while another call looks open means that call's end was not seen.
    for (const call of [...this.#calls(line)]) {
      if (call.state === "ringing") this.#finish(call, "missed", at, "superseded");
      else if (call.state === "dialing") this.#forget(call);
      else this.#finish(call, "ended", at, "superseded");
    }
    this.#startIncoming(line, callerId, at, false, timeoutMs);
  }

  #onWaitingTone(line: string, callerId: CallerId | null, at: number): void {
    const waiting = this.#calls(line).find((c) => c.state === "ringing" && c.waiting);
    if (waiting && !isDifferentCaller(waiting.callerId, callerId)) {
      waiting.callerId ??= callerId;
      this.#setDeadline(waiting, at + this.#ringTimeoutMs);
      return;
    }
    if (waiting) this.#finish(waiting, "missed", at, "superseded");
    this.#startIncoming(line, callerId, at, true, this.#ringTimeoutMs);
  }

  #startIncoming(
    line: string,
    callerId: CallerId | null,
    at: number,
    waiting: boolean,
    timeoutMs: number,
  ): void {
    const call = this.#newCall(line, "incoming", "ringing", at);
    call.waiting = waiting;
    call.callerId = callerId;
    call.networkTime = networkTime(callerId, at);
    this.#setDeadline(call, at + timeoutMs);
    this.#emit(call, "ringing", at, null);
  }

  #onNotify(command: MgcpCommand, at: number): void {
    if (isWildcard(command.endpoint)) return;
    const line = lineKey(command.endpoint);
    const observed = command.params.get("O");
    if (!observed) return;
    for (const event of parseEventList(observed.join(","))) {
      if (event.name === "hd") this.#onOffHook(line, at);
      else if (event.name === "hu") this.#onOnHook(line, at);
      else if (event.name === "hf") this.#onFlash(line, at);
      else {
        const digit = dialledDigit(event);
        const dialing = this.#calls(line).find((c) => c.state === "dialing");
        if (digit && dialing) dialing.digits += digit;
      }
    }
  }

  #onOffHook(line: string, at: number): void {
    const calls = this.#calls(line);
    const ringing =
      calls.find((c) => c.state === "ringing" && !c.waiting) ??
      calls.find((c) => c.state === "ringing");
    if (ringing) {
      this.#answer(ringing, at);
      return;
    }
    if (calls.length > 0) return; // already off-hook: a repeated notification
    const call = this.#newCall(line, "outgoing", "dialing", at);
    this.#setDeadline(call, at + this.#dialTimeoutMs);
  }

  #onOnHook(line: string, at: number): void {
    for (const call of [...this.#calls(line)]) {
      if (call.state === "dialing") {
        // Hung up before the call agent connected anything: report what was dialled, if any.
        if (call.digits !== "") {
          this.#becomeOutgoing(call, at);
          this.#finish(call, "ended", at, "hung-up");
        } else this.#forget(call);
      } else if (call.state !== "ringing") {
        this.#finish(call, "ended", at, "hung-up");
      }
      // A waiting call still ringing stays: the call agent usually rings the line again.
    }
  }

  #onFlash(line: string, at: number): void {
    const waiting = this.#calls(line).find((c) => c.state === "ringing" && c.waiting);
    if (waiting) this.#answer(waiting, at);
  }

  #onDelete(command: MgcpCommand, line: string, at: number): void {
    const calls = this.#calls(line);
    const connectionId = param(command, "I")?.toLowerCase();
    const mgcpCallId = param(command, "C")?.toLowerCase();
    const byConnection = connectionId ? calls.filter((c) => c.connectionIds.has(connectionId)) : [];
    const byCallId = mgcpCallId ? calls.filter((c) => c.mgcpCallId === mgcpCallId) : [];
    const targets = byConnection.length > 0 ? byConnection : byCallId.length > 0 ? byCallId : calls;
    for (const call of [...targets]) {
      if (call.state === "ringing") this.#finish(call, "missed", at, "connection-deleted");
      else if (call.state === "dialing") this.#forget(call);
      else this.#finish(call, "ended", at, "connection-deleted");
    }
  }

  /** RSIP (RFC 3435 §2.3.12): restart, forced and disconnected drop every call; graceful waits. */
  #onRestart(command: MgcpCommand, at: number): void {
    const method = (param(command, "RM") ?? "restart").toLowerCase();
    if (method === "graceful" || method === "cancel-graceful") return;
    for (const line of this.#coveredLines(command.endpoint)) {
      for (const call of [...this.#calls(line)]) {
        if (call.state === "ringing") this.#finish(call, "missed", at, "restart");
        else if (call.state === "dialing") this.#forget(call);
        else this.#finish(call, "ended", at, "restart");
      }
    }
  }

  #onResponse(response: MgcpResponse, context: MessageContext): void {
    const command = this.#transactions.commandAnswered(response, context);
    // The connection id of a new connection arrives only in the CRCX response (§2.3.5).
    const connectionId = response.params.get("I")?.[0]?.toLowerCase();
    if (command?.verb !== "CRCX" || response.code >= 300 || !connectionId || !command.mgcpCallId) {
      return;
    }
    const call = this.#calls(command.line).find((c) => c.mgcpCallId === command.mgcpCallId);
    call?.connectionIds.add(connectionId);
  }

  #attachCallId(line: string, mgcpCallId: string, at: number): void {
    const calls = this.#calls(line);
    if (calls.some((c) => c.mgcpCallId === mgcpCallId)) return;
    const call = calls.findLast((c) => c.mgcpCallId === null);
    if (call) call.mgcpCallId = mgcpCallId;
    else this.#pendingCallIds.set(line, { id: mgcpCallId, at });
  }

  #dialComplete(line: string, at: number): void {
    const dialing = this.#calls(line).find((c) => c.state === "dialing" && c.digits !== "");
    if (dialing) this.#becomeOutgoing(dialing, at);
  }

  #becomeOutgoing(call: Call, at: number): void {
    call.state = "outgoing";
    this.#setDeadline(call, null);
    this.#emit(call, "outgoing", at, null);
  }

  #answer(call: Call, at: number): void {
    call.state = "answered";
    call.answeredAt = at;
    this.#setDeadline(call, null);
    this.#emit(call, "answered", at, null);
  }

  #newCall(line: string, direction: CallDirection, state: CallState, at: number): Call {
    const pending = this.#pendingCallIds.get(line);
    this.#pendingCallIds.delete(line);
    const mgcpCallId = pending && at - pending.at <= PENDING_CALL_ID_MS ? pending.id : null;
    const call = newTrackedCall({
      id: this.#newCallId(),
      line,
      direction,
      state,
      startedAt: at,
      mgcpCallId,
    });
    const calls = this.#lines.get(line);
    if (calls) calls.push(call);
    else this.#lines.set(line, [call]);
    return call;
  }

  #finish(call: Call, type: "missed" | "ended", at: number, reason: CallEndReason): void {
    this.#emit(call, type, at, reason);
    this.#forget(call);
  }

  #forget(call: Call): void {
    const calls = this.#lines.get(call.line) ?? [];
    const remaining = calls.filter((c) => c !== call);
    if (remaining.length > 0) this.#lines.set(call.line, remaining);
    else this.#lines.delete(call.line);
    this.#setDeadline(call, null);
  }

  #setDeadline(call: Call, deadline: number | null): void {
    call.deadline = deadline;
    let next = Number.POSITIVE_INFINITY;
    for (const calls of this.#lines.values()) {
      for (const c of calls) if (c.deadline !== null && c.deadline < next) next = c.deadline;
    }
    this.#nextDeadline = next;
  }

  #emit(call: Call, type: CallEventType, at: number, reason: CallEndReason | null): void {
    this.#events.push(callEventOf(call, type, at, reason));
  }

  #flush(): readonly CallEvent[] {
    const events = this.#events;
    this.#events = [];
    return events.length === 0 ? NO_EVENTS : events;
  }

  #calls(line: string): readonly Call[] {
    return this.#lines.get(line) ?? [];
  }

  #coveredLines(endpoint: string): string[] {
    return [...this.#lines.keys()].filter((line) => endpointCovers(endpoint, line));
  }
}

function isDifferentCaller(known: CallerId | null, next: CallerId | null): boolean {
  return known?.number != null && next?.number != null && known.number !== next.number;
}

function networkTime(callerId: CallerId | null, at: number): string | null {
  return callerId?.time ? callerIdDateTime(callerId.time, at) : null;
}
