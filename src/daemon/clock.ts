/**
 * Time for the daemon: the wall clock when live, and a virtual clock driven by packet times
 * when replaying a capture — so that announcement repeats, time-outs and "older than 30 s"
 * mean the same on a replay at any speed as they did on the wire.
 */
export interface Clock {
  now(): number;
  /** Runs fn at (or soon after) time `at`; returns a cancel function. */
  at(at: number, fn: () => void): () => void;
}

export const wallClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** Time moves only when told to; timers fire in time order as it passes them. */
export class VirtualClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  at(at: number, fn: () => void): () => void {
    const timer = { at, seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward to `time`, running every timer due on the way, in order. */
  advanceTo(time: number): void {
    for (;;) {
      const next = this.nextTimerAt();
      if (next === null || next > time) break;
      this.#now = Math.max(this.#now, next);
      const due = this.#timers
        .filter((t) => t.at <= this.#now)
        .sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.#timers = this.#timers.filter((t) => t.at > this.#now);
      for (const timer of due) timer.fn();
    }
    this.#now = Math.max(this.#now, time);
  }

  nextTimerAt(): number | null {
    let next: number | null = null;
    for (const t of this.#timers) if (next === null || t.at < next) next = t.at;
    return next;
  }
}
