/**
 * The frames between tcpdump's pipe and the pipeline. tcpdump writes each frame to a pipe of
 * 64 KiB; if the program works through a burst in one go, the pipe fills, tcpdump stops
 * emptying the kernel's capture ring (a few hundred frames) and the kernel drops the rest,
 * unseen. So frames are taken off the pipe as they come and worked off here, a few
 * milliseconds at a time, with the event loop free in between to read the pipe again.
 *
 * Bounded: beyond `maxBytes` of frames waiting, new frames are dropped and counted (the log
 * says how many once the backlog is worked off), so a flood cannot grow the program without end.
 */
import type { Frame } from "../core/capture/frame.js";

export interface FrameBacklogOptions {
  /** Handles one frame, synchronously (the pipeline). */
  readonly deliver: (frame: Frame) => void;
  /** Frame bytes waiting at most; default 4 MiB (some 15,000 signalling packets). */
  readonly maxBytes?: number;
  /** How long one turn works off frames before it lets the event loop run; default 5 ms. */
  readonly sliceMs?: number;
  /** Frames were dropped since the last report; called once the backlog is empty again. */
  readonly onDropped: (count: number) => void;
  /** Test doubles: the clock (ms) and how the next turn is scheduled (setImmediate). */
  readonly now?: () => number;
  readonly schedule?: (turn: () => void) => void;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_SLICE_MS = 5;

export class FrameBacklog {
  readonly #options: FrameBacklogOptions;
  readonly #maxBytes: number;
  readonly #sliceMs: number;
  readonly #now: () => number;
  readonly #schedule: (turn: () => void) => void;
  /** Waiting frames from #head on; the worked-off front is cut away now and then. */
  #frames: (Frame | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  #dropped = 0;
  #scheduled = false;
  #closed = false;

  constructor(options: FrameBacklogOptions) {
    this.#options = options;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#schedule = options.schedule ?? ((turn) => setImmediate(turn));
  }

  /** Frames waiting. */
  get length(): number {
    return this.#frames.length - this.#head;
  }

  /** Bytes of the frames waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  push(frames: readonly Frame[]): void {
    if (this.#closed) return;
    for (const frame of frames) {
      if (this.#bytes + frame.data.length > this.#maxBytes) {
        this.#dropped++;
        continue;
      }
      this.#frames.push(frame);
      this.#bytes += frame.data.length;
    }
    this.#scheduleTurn();
  }

  /** Drops what waits; later pushes are ignored (the capture is stopping). */
  close(): void {
    this.#closed = true;
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #scheduleTurn(): void {
    if (this.#scheduled || this.length === 0) return;
    this.#scheduled = true;
    this.#schedule(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const start = this.#now();
    while (this.#head < this.#frames.length && !this.#closed) {
      const frame = this.#frames[this.#head] as Frame;
      this.#frames[this.#head] = undefined; // lets its chunk of tcpdump's output go
      this.#head++;
      this.#bytes -= frame.data.length;
      this.#options.deliver(frame);
      if (this.#now() - start >= this.#sliceMs) break;
    }
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
      if (this.#dropped > 0) {
        const dropped = this.#dropped;
        this.#dropped = 0;
        this.#options.onDropped(dropped);
      }
    } else if (this.#head > 4096 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    this.#scheduleTurn();
  }
}
