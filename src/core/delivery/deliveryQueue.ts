/**
 * What goes to Home Assistant and when, apart from the connection that carries it. Pure:
 * the adapter (io/homeAssistant.ts) tells it what the link did and what time it is, and asks
 * what to write now and when to wake next; nothing here keeps a timer.
 *
 * Two lanes, each in the order things were asked:
 * - events go out at least once: written as soon as the link is authenticated; what was
 *   written but not confirmed when the link broke goes out again, ahead of the rest (an
 *   automation tells a twin by its event_id);
 * - service calls go out at most once: written only to a link proven to answer (a pong since
 *   it opened and none overdue), never after their deadline (`notAfter`); what was written but
 *   not confirmed when the link broke is "failed", not sent again. A call still unconfirmed at
 *   its deadline whose bytes Home Assistant has not been seen to read (no pong for a ping
 *   written after it) asks for the link to be reset: a reset TCP connection takes the unread
 *   bytes with it, so a Home Assistant that wakes from a freeze cannot say it late.
 * - calls asked within `paceWindowMs` of each other keep the spacing they were asked with,
 *   counted from when the earlier one was written: announcement repeats held back while Home
 *   Assistant was away do not all come out in the same millisecond.
 */

export type DeliveryKind = "event" | "call";
/** down: no connection; open: authenticated, not (or no longer) proven; proven: answered a ping. */
export type LinkState = "down" | "open" | "proven";
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

interface Entry<P> extends Delivery<P> {
  /** The link's write count when it was written; null while waiting. */
  written: number | null;
  /** A pong for a ping written after it came back: Home Assistant has read it. */
  read: boolean;
}

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
  #writes = 0;
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
      written: null,
      read: false,
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
    for (const event of events) {
      event.written = null;
      event.read = false;
    }
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
    if (this.#link === "down") return { write, settled };
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
    entry.written = null;
    const lane = entry.kind === "event" ? this.#events : this.#calls;
    lane.unshift(entry);
  }

  /** The link's write count, for the adapter to note when it sends a ping. */
  get writes(): number {
    return this.#writes;
  }

  /** A pong came for a ping sent when the write count was `writes`: all before it was read. */
  readThrough(writes: number): void {
    for (const entry of this.#inFlight)
      if (entry.written !== null && entry.written <= writes) entry.read = true;
  }

  /** A written call is past its deadline and Home Assistant has not been seen to read it. */
  needsReset(now: number): boolean {
    return this.#inFlight.some((e) => e.kind === "call" && !e.read && now > e.notAfter);
  }

  /** The next time `take` or `needsReset` will answer differently (null: only on news). */
  nextWakeAt(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const call of this.#calls) next = Math.min(next, call.notAfter + 1);
    const head = this.#calls[0];
    if (head && this.#link === "proven") next = Math.min(next, this.#paceUntil(head));
    for (const entry of this.#inFlight)
      if (entry.kind === "call" && !entry.read) next = Math.min(next, entry.notAfter + 1);
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
    entry.written = ++this.#writes;
    this.#inFlight.push(entry);
    return entry;
  }

  #paceUntil(call: Entry<P>): number {
    const last = this.#lastCall;
    if (!last) return Number.NEGATIVE_INFINITY;
    const gap = call.askedAt - last.askedAt;
    return gap >= 0 && gap < this.settings.paceWindowMs
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
