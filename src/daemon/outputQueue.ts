/**
 * One output's own line of call reports: handed over in order, one at a time, so that an
 * output that takes its time (or hangs) holds up only itself. The first report of an idle
 * queue is handed over at once, in the caller's turn: the ring's way to Home Assistant and
 * the speakers gains no tick. A queue that falls `limit` reports behind drops its oldest.
 */
export interface OutputQueueEvents {
  readonly failed: (error: unknown) => void;
  /** Reports were dropped because the output fell behind; said once per backlog. */
  readonly overflowed: (dropped: number) => void;
}

export class OutputQueue<T> {
  readonly #items: T[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #running = false;
  #dropped = 0;

  constructor(
    private readonly handle: (item: T) => void | Promise<void>,
    private readonly events: OutputQueueEvents,
    private readonly limit = 1000,
  ) {}

  push(item: T): void {
    if (this.#items.length >= this.limit) {
      this.#items.shift();
      if (this.#dropped++ === 0) this.events.overflowed(this.#dropped);
    }
    this.#items.push(item);
    if (!this.#running) void this.#pump();
  }

  /** Items not yet handed over, plus the one being handled. */
  get backlog(): number {
    return this.#items.length + (this.#running ? 1 : 0);
  }

  /** Resolves once everything pushed so far has been handled. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #pump(): Promise<void> {
    this.#running = true;
    for (let item = this.#items.shift(); item !== undefined; item = this.#items.shift()) {
      try {
        const pending = this.handle(item);
        if (pending !== undefined) await pending;
      } catch (error) {
        this.events.failed(error);
      }
    }
    this.#running = false;
    this.#dropped = 0;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
