/**
 * Call state per SIP dialog (Call-ID), from the requests and responses seen on the wire.
 * RFC 3261 §13 (INVITE transactions), §15 (BYE, CANCEL); facts file §7.
 *
 *  incoming:  INVITE ─► 180/183 ─► ringing ─► 200 (to the INVITE) ─► answered ─► BYE ─► ended
 *             CANCEL / 487 before an answer ─► missed (cancelled)
 *             486 / 603 / 480 / other failures after ringing, busy at once ─► missed (rejected)
 *             refused before any 180/183 (a scanner's INVITE) ─► no call, counted
 *             no final answer within the ring time-out ─► missed (timeout)
 *  outgoing:  INVITE ─► outgoing ─► 200 ─► answered ─► BYE ─► ended; failures ─► ended
 *
 * One call per Call-ID: retransmissions, the second INVITE after a 401/407 challenge, the same
 * INVITE seen at several hops, forked responses and re-INVITEs/UPDATEs all belong to the
 * call the first INVITE started, and never change its caller.
 *
 * "Rang" means a 180 Ringing or 183 Session Progress (§21.1.2, §21.1.5: the callee is being
 * alerted) or an answer. An incoming INVITE refused (4xx/5xx/6xx, §21.4–§21.6) before it rang
 * is no call: that is how an adapter answers the internet's SIP scanners (404, 403, 488, …,
 * hundreds a day to an exposed adapter), and no phone rang; so is one challenged (401/407)
 * whose caller lets the ring time pass without authenticating. 487 is no refusal (the caller
 * cancelled) and stays a missed call. Two refusals still say a caller
 * was turned away from the household's line, and are reported missed (without a ringing
 * event, so nothing is announced): busy (486 Busy Here, 600 Busy Everywhere), and any refusal
 * of a call to one of the household's own numbers (ownNumbers, from the configured lines).
 * The refused INVITEs left out are counted (stats.refusedBeforeRinging).
 *
 * The line is the household's number from the Request-URI or To user: network text, cleaned
 * and capped like a caller name (cleanLineId).
 */

import { isSameNumber } from "../caller/numbers.js";
import { calledOf, callerOf, dialogKey, type SipParty } from "../sip/identity.js";
import type { SipMessage } from "../sip/parseSip.js";
import { cleanLineId } from "../text/cleanText.js";
import {
  type CallDirection,
  type CallEndReason,
  type CallEvent,
  type CallEventType,
  callEventFrom,
} from "./callEvent.js";
import type { MessageContext } from "./mgcpCallTracker.js";

export interface SipCallTrackerOptions {
  /** Addresses of the household's adapters and phones: INVITEs to them are incoming. */
  readonly ownAddresses?: readonly string[];
  /** The household's own numbers (digits): an INVITE to one is incoming, from one outgoing. */
  readonly ownNumbers?: readonly string[];
  readonly ringTimeoutMs?: number;
  readonly newCallId?: () => string;
}

type SipCallState = "offered" | "ringing" | "answered";

interface SipCall {
  readonly id: string;
  readonly callId: string;
  readonly direction: CallDirection;
  readonly line: string;
  readonly party: SipParty;
  /** Incoming to one of the household's own numbers (a configured line). */
  readonly toOwnNumber: boolean;
  readonly startedAt: number;
  state: SipCallState;
  /** Answered 401/407 while not ringing: a caller that never authenticates never rang. */
  challenged: boolean;
  answeredAt: number | null;
  deadline: number | null;
}

const NO_EVENTS: readonly CallEvent[] = Object.freeze([]);
/** An ended dialog is remembered this long, so that its late retransmissions stay quiet. */
const REMEMBER_ENDED_MS = 64_000;
const MAX_DIALOGS = 1024;
/** Refusals that say the line exists and is in use: a caller was turned away, not a scanner. */
const BUSY = new Set([486, 600]);

export class SipCallTracker {
  readonly #calls = new Map<string, SipCall>();
  readonly #ended = new Map<string, number>();
  readonly #ownAddresses: ReadonlySet<string>;
  readonly #ownNumbers: readonly string[];
  readonly #ringTimeoutMs: number;
  readonly #newCallId: () => string;
  #nextDeadline = Number.POSITIVE_INFINITY;
  /** Incoming INVITEs refused before they rang, and so not reported (see above). */
  readonly stats = { refusedBeforeRinging: 0 };

  constructor(options: SipCallTrackerOptions = {}) {
    this.#ownAddresses = new Set(options.ownAddresses ?? []);
    this.#ownNumbers = options.ownNumbers ?? [];
    this.#ringTimeoutMs = options.ringTimeoutMs ?? 180_000;
    let sequence = 0;
    this.#newCallId = options.newCallId ?? (() => `s${++sequence}`);
  }

  get nextDeadline(): number {
    return this.#nextDeadline;
  }

  handle(message: SipMessage, context: MessageContext): readonly CallEvent[] {
    const dialog = dialogKey(message);
    if (!dialog) return NO_EVENTS;
    const call = this.#calls.get(dialog.callId);
    const events: CallEvent[] = [];
    if (message.kind === "request") {
      if (
        message.method === "INVITE" &&
        !call &&
        !this.#ended.has(dialog.callId) &&
        dialog.toTag === null
      ) {
        this.#start(message, dialog.callId, context, events);
      } else if (call && message.method === "CANCEL" && call.state !== "answered") {
        this.#finish(call, context.at, "cancelled", events);
      } else if (call && message.method === "BYE") {
        this.#finish(call, context.at, "hung-up", events);
      }
    } else if (call && dialog.cseqMethod === "INVITE") {
      this.#onInviteResponse(call, message.status, context.at, events);
    }
    return events.length === 0 ? NO_EVENTS : events;
  }

  tick(now: number): readonly CallEvent[] {
    if (now < this.#nextDeadline) return NO_EVENTS;
    const events: CallEvent[] = [];
    for (const call of [...this.#calls.values()]) {
      if (call.deadline === null || call.deadline > now) continue;
      if (this.#isRefusedBeforeRinging(call, 401)) {
        this.stats.refusedBeforeRinging++;
        this.#forget(call, call.deadline);
      } else this.#finish(call, call.deadline, "timeout", events);
    }
    for (const [callId, endedAt] of this.#ended)
      if (now - endedAt > REMEMBER_ENDED_MS) this.#ended.delete(callId);
    this.#updateDeadline();
    return events;
  }

  #start(
    invite: SipMessage & { kind: "request" },
    callId: string,
    context: MessageContext,
    events: CallEvent[],
  ): void {
    const caller = callerOf(invite);
    const called = calledOf(invite);
    const toOwnNumber = called.number !== null && this.#isOwn(called.number);
    const direction = this.#direction(caller, toOwnNumber, context);
    // The line is the household's number: the one called (incoming) or calling (outgoing).
    const ownNumber =
      direction === "incoming" ? (called.number ?? called.user) : (caller.number ?? caller.user);
    const party: SipParty =
      direction === "incoming"
        ? caller
        : {
            number: called.number,
            user: called.user,
            name: null,
            anonymous: false,
            unavailable: false,
            source: "from",
          };
    const call: SipCall = {
      id: this.#newCallId(),
      callId,
      direction,
      line: `sip:${cleanLineId(ownNumber ?? "") || "unknown"}`,
      party,
      toOwnNumber: direction === "incoming" && toOwnNumber,
      startedAt: context.at,
      state: "offered",
      challenged: false,
      answeredAt: null,
      deadline: context.at + this.#ringTimeoutMs,
    };
    if (this.#calls.size >= MAX_DIALOGS) {
      const oldest = this.#calls.values().next().value;
      if (oldest) this.#finish(oldest, context.at, "timeout", events);
    }
    this.#calls.set(callId, call);
    if (direction === "outgoing") events.push(this.#event(call, "outgoing", context.at, null));
    this.#updateDeadline();
  }

  #onInviteResponse(call: SipCall, status: number, at: number, events: CallEvent[]): void {
    if (status === 180 || status === 183) {
      if (call.direction === "incoming" && call.state === "offered") {
        call.state = "ringing";
        events.push(this.#event(call, "ringing", at, null));
      }
    } else if (status >= 200 && status < 300) {
      if (call.state === "answered") return;
      if (call.direction === "incoming" && call.state === "offered")
        events.push(this.#event(call, "ringing", at, null));
      call.state = "answered";
      call.answeredAt = at;
      call.deadline = null;
      events.push(this.#event(call, "answered", at, null));
      this.#updateDeadline();
    } else if (status === 401 || status === 407) {
      // A challenge: the caller's next INVITE continues the same call.
      call.challenged = true;
    } else if (this.#isRefusedBeforeRinging(call, status)) {
      this.stats.refusedBeforeRinging++;
      this.#forget(call, at);
      this.#updateDeadline();
    } else if (status >= 300 && call.state !== "answered") {
      this.#finish(call, at, status === 487 ? "cancelled" : "rejected", events);
    }
  }

  /**
   * An incoming INVITE refused with `status` (4xx–6xx) before it rang, not busy, not to one of
   * our numbers. A challenge (401/407) counts once the caller has let the ring time pass
   * without authenticating: tick() asks with 401.
   */
  #isRefusedBeforeRinging(call: SipCall, status: number): boolean {
    const challengeLeftUnanswered = (status === 401 || status === 407) && call.challenged;
    return (
      call.direction === "incoming" &&
      call.state === "offered" &&
      status >= 400 &&
      status !== 487 && // Request Terminated: the caller gave up (CANCEL), nobody refused
      (challengeLeftUnanswered || (status !== 401 && status !== 407)) &&
      !BUSY.has(status) &&
      !call.toOwnNumber
    );
  }

  #finish(call: SipCall, at: number, reason: CallEndReason, events: CallEvent[]): void {
    const type: CallEventType =
      call.direction === "incoming" && call.state !== "answered" ? "missed" : "ended";
    events.push(this.#event(call, type, at, reason));
    this.#forget(call, at);
    this.#updateDeadline();
  }

  /** Ends the dialog without an event; its late retransmissions stay quiet. */
  #forget(call: SipCall, at: number): void {
    this.#calls.delete(call.callId);
    this.#ended.set(call.callId, at);
    if (this.#ended.size > MAX_DIALOGS)
      this.#ended.delete(this.#ended.keys().next().value as string);
  }

  #direction(caller: SipParty, toOwnNumber: boolean, context: MessageContext): CallDirection {
    if (this.#ownAddresses.has(context.dst)) return "incoming";
    if (this.#ownAddresses.has(context.src)) return "outgoing";
    if (toOwnNumber) return "incoming";
    if (caller.number && this.#isOwn(caller.number)) return "outgoing";
    // A passive listener mostly sees calls to the house.
    return "incoming";
  }

  #isOwn(number: string): boolean {
    return this.#ownNumbers.some((own) => isSameNumber(own, number));
  }

  #event(call: SipCall, type: CallEventType, at: number, reason: CallEndReason | null): CallEvent {
    const { party } = call;
    return callEventFrom(
      call,
      {
        // A withheld caller's number stays out of every output (RFC 3325 Privacy: id).
        number: party.anonymous ? null : party.number,
        name: party.anonymous ? null : party.name,
        anonymous: party.anonymous,
        unavailable: party.unavailable,
        waiting: false,
        networkTime: null,
      },
      type,
      at,
      reason,
    );
  }

  #updateDeadline(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const call of this.#calls.values())
      if (call.deadline !== null && call.deadline < next) next = call.deadline;
    if (this.#ended.size > 0) {
      const oldestEnded = this.#ended.values().next().value as number;
      next = Math.min(next, oldestEnded + REMEMBER_ENDED_MS + 1);
    }
    this.#nextDeadline = next;
  }
}
