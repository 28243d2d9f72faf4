/**
 * What goes to Home Assistant and when, apart from the connection that carries it. Pure:
 * the adapter (io/homeAssistant.ts) tells it what the link did and what time it is, and asks
 * what to write now and when to wake next; nothing here keeps a timer.
 *
 * Two lanes, each in the order things were asked:
 * - events go out at least once: written only right after Home Assistant answered (auth_ok
 *   on a new connection, or a pong); what was written but not confirmed when the link broke
 *   goes out again, ahead of the rest (an automation tells a twin by its event_id);
 * - service calls go out at most once: written only right after Home Assistant answered a
 *   ping (link "proven"), never after their deadline (`notAfter`); what was written but not
 *   confirmed when the link broke is "failed", not sent again. Why so strict: bytes written to
 *   a Home Assistant that froze (SIGSTOP, a VM paused) wait in its kernel and are carried out
 *   when it wakes, even after the connection was reset; a call written only within moments of
 *   a pong can only be caught by a freeze that starts in those moments;
 * - calls asked within `paceWindowMs` of each other keep the spacing they were asked with,
 *   counted from when the earlier one was written: announcement repeats held back while Home
 *   Assistant was away do not all come out in the same millisecond.
 */

export type DeliveryKind = "event" | "call";
/**
 * down: no connection; suspect: a ping on it is overdue; open: no answer just now; fresh:
 * authenticated just now (auth_ok may come from the Supervisor's proxy, not from Core);
 * proven: Home Assistant answered a ping just now.
 */
export type LinkState = "down" | "suspect" | "open" | "fresh" | "proven";
export type DeliveryOutcome = "sent" | "dropped" | "failed";
export type SettleReason =
  | "confirmed"
  | "refused" // Home Assistant answered with an error
  | "late" // its deadline passed before it could be written
  | "queue-full"
  | "link-broke" // a call written but not confirmed when the link broke
  | "stopped";

export interface Settlement<P> {
  readonly id: number;
  readonly kind: DeliveryKind;
  readonly payload: P;
  readonly outcome: DeliveryOutcome;
  readonly reason: SettleReason;
}

/** A call written at most this late counts as written on time. */
const UNPACED_LAG_MS = 250;

export interface DeliverySettings {
  /** Waiting items (both lanes) at most; beyond it the oldest is dropped. */
  readonly limit: number;
  /** Calls asked closer together than this keep their spacing when held back. */
  readonly paceWindowMs: number;
}

export interface Delivery<P> {
  readonly id: number;
  readonly kind: DeliveryKind;
  readonly payload: P;
  readonly askedAt: number;
  /** Infinity for events. */
  readonly notAfter: number;
}

type Entry<P> = Delivery<P>;

export interface Taken<P> {
  readonly write: Delivery<P>[];
  readonly settled: Settlement<P>[];
}

export class DeliveryQueue<P> {
  readonly #events: Entry<P>[] = [];
  readonly #calls: Entry<P>[] = [];
  /** Written and not yet answered, in writing order. */
  readonly #inFlight: Entry<P>[] = [];
  #link: LinkState = "down";
  #nextId = 1;
  /** The last call written, for pacing the next one. */
  #lastCall: { askedAt: number; writtenAt: number } | null = null;

  constructor(private readonly settings: DeliverySettings) {}

  get link(): LinkState {
    return this.#link;
  }

  get waiting(): number {
    return this.#events.length + this.#calls.length;
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Queues an event or a call; what it pushes out (queue full, already late) is settled. */
  add(
    kind: DeliveryKind,
    payload: P,
    now: number,
    notAfter = Number.POSITIVE_INFINITY,
  ): { id: number; settled: Settlement<P>[] } {
    const entry: Entry<P> = {
      id: this.#nextId++,
      kind,
      payload,
      askedAt: now,
      notAfter,
    };
    if (now > notAfter) return { id: entry.id, settled: [settle(entry, "dropped", "late")] };
    (kind === "event" ? this.#events : this.#calls).push(entry);
    const settled: Settlement<P>[] = [];
    while (this.waiting > this.settings.limit) {
      const oldest = this.#takeOldestWaiting();
      if (oldest) settled.push(settle(oldest, "dropped", "queue-full"));
    }
    return { id: entry.id, settled };
  }

  /**
   * The link changed. Going down, unconfirmed events wait again at the head of their lane and
   * unconfirmed calls are failed (Home Assistant may have carried them out).
   */
  setLink(link: LinkState): { settled: Settlement<P>[]; resent: number } {
    this.#link = link;
    if (link !== "down") return { settled: [], resent: 0 };
    const lost = this.#inFlight.splice(0);
    const events = lost.filter((e) => e.kind === "event");
    this.#events.unshift(...events);
    const settled = lost
      .filter((e) => e.kind === "call")
      .map((call) => settle(call, "failed", "link-broke"));
    return { settled, resent: events.length };
  }

  /**
   * What to write now, in order (the adapter writes each and reports `confirmed`, `refused` or
   * `notWritten`), and the calls whose deadline passed while they waited.
   */
  take(now: number): Taken<P> {
    const settled = this.#expire(now);
    const write: Delivery<P>[] = [];
    if (this.#link !== "fresh" && this.#link !== "proven") return { write, settled };
    for (const event of this.#events.splice(0)) write.push(this.#write(event));
    while (this.#link === "proven") {
      const call = this.#calls[0];
      if (!call || this.#paceUntil(call) > now) break;
      this.#calls.shift();
      this.#lastCall = { askedAt: call.askedAt, writtenAt: now };
      write.push(this.#write(call));
    }
    return { write, settled };
  }

  /** Home Assistant answered with success. */
  confirmed(id: number): Settlement<P> | null {
    const entry = this.#removeInFlight(id);
    return entry ? settle(entry, "sent", "confirmed") : null;
  }

  /** Home Assistant answered with an error (unknown service, a service that failed). */
  refused(id: number): Settlement<P> | null {
    const entry = this.#removeInFlight(id);
    return entry ? settle(entry, "failed", "refused") : null;
  }

  /** The write was refused before anything went out (the socket was closing): it waits again. */
  notWritten(id: number): void {
    const entry = this.#removeInFlight(id);
    if (!entry) return;
    const lane = entry.kind === "event" ? this.#events : this.#calls;
    lane.unshift(entry);
  }

  /** Something is due but the link is not proven: a ping now would let it go. */
  wantsProof(now: number): boolean {
    if (this.#link !== "open" && this.#link !== "fresh") return false;
    const head = this.#calls[0];
    const callDue = head !== undefined && this.#paceUntil(head) <= now;
    return callDue || (this.#link === "open" && this.#events.length > 0);
  }

  /** The next time after `now` that `take` or `wantsProof` will answer differently. */
  nextWakeAt(now: number): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const call of this.#calls) next = Math.min(next, call.notAfter + 1);
    const head = this.#calls[0];
    const paceUntil = head ? this.#paceUntil(head) : Number.NEGATIVE_INFINITY;
    if (paceUntil > now && this.#link !== "down" && this.#link !== "suspect")
      next = Math.min(next, paceUntil);
    return Number.isFinite(next) ? next : null;
  }

  /** Something asked within `windowMs` is not delivered yet: worth reconnecting quickly. */
  hasFreshWork(now: number, windowMs: number): boolean {
    const fresh = (e: Entry<P>) => now - e.askedAt <= windowMs && now <= e.notAfter;
    return this.#events.some(fresh) || this.#calls.some(fresh) || this.#inFlight.some(fresh);
  }

  /** The end: waiting items are dropped, unconfirmed ones failed. */
  clear(): Settlement<P>[] {
    const waiting = [...this.#events.splice(0), ...this.#calls.splice(0)];
    return [
      ...this.#inFlight.splice(0).map((e) => settle(e, "failed", "stopped")),
      ...waiting.sort((a, b) => a.id - b.id).map((e) => settle(e, "dropped", "stopped")),
    ];
  }

  #write(entry: Entry<P>): Delivery<P> {
    this.#inFlight.push(entry);
    return entry;
  }

  /** A call asked soon after the last one keeps its lag, so that their spacing is kept. */
  #paceUntil(call: Entry<P>): number {
    const last = this.#lastCall;
    if (!last) return Number.NEGATIVE_INFINITY;
    const gap = call.askedAt - last.askedAt;
    const lag = last.writtenAt - last.askedAt;
    // A lag of a round trip (the ping a call waits for) is not passed on: it would add up.
    return gap >= 0 && gap < this.settings.paceWindowMs && lag > UNPACED_LAG_MS
      ? last.writtenAt + gap
      : Number.NEGATIVE_INFINITY;
  }

  #expire(now: number): Settlement<P>[] {
    const settled: Settlement<P>[] = [];
    for (let i = 0; i < this.#calls.length; ) {
      const call = this.#calls[i] as Entry<P>;
      if (now > call.notAfter) {
        this.#calls.splice(i, 1);
        settled.push(settle(call, "dropped", "late"));
      } else i++;
    }
    return settled;
  }

  #takeOldestWaiting(): Entry<P> | undefined {
    const event = this.#events[0];
    const call = this.#calls[0];
    if (event && (!call || event.id < call.id)) return this.#events.shift();
    return this.#calls.shift();
  }

  #removeInFlight(id: number): Entry<P> | undefined {
    const index = this.#inFlight.findIndex((e) => e.id === id);
    return index < 0 ? undefined : this.#inFlight.splice(index, 1)[0];
  }
}

function settle<P>(entry: Entry<P>, outcome: DeliveryOutcome, reason: SettleReason): Settlement<P> {
  return { id: entry.id, kind: entry.kind, payload: entry.payload, outcome, reason };
}
