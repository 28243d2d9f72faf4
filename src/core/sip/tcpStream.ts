/*
 * One direction of a TCP connection turned back into bytes (RFC 9293 §3.4, §3.10.7.4):
 *
 *   sequence space:  ... consumed | buffered: [start, end) | gap | held | gap | held ...
 *                                 ^ first unread byte        ^ nextSeq (first byte not yet seen)
 *
 * A segment carries bytes [seq, seq + length). Relative to nextSeq, compared in 32-bit serial
 * arithmetic (RFC 1982) so that wrap-around is harmless:
 *   - entirely before nextSeq: a retransmission, dropped;
 *   - overlapping nextSeq: the part already seen is cut off, the rest appended;
 *   - after nextSeq: out of order, a copy is held until the gap before it fills.
 * Held segments are bounded in number (MAX_HELD_SEGMENTS) and, with the buffered bytes, by
 * maxBytes; past either bound, or when the caller decides a gap has waited long enough, the
 * gap is given up (skipGap): the unfinished bytes before it are dropped and reading resumes at
 * the first held segment. A passive observer cannot ask for the missing bytes again, and a
 * capture that lost a segment will never see it.
 *
 * Without a SYN the first segment seen fixes the sequence position (a capture that starts in
 * the middle of a connection). A segment more than RESYNC_DISTANCE away from nextSeq, either
 * way, is not this stream's traffic in any window a signalling connection uses: reading
 * restarts at it, as for a new connection whose SYN was not captured.
 */

/** Segments held out of order at most, per direction. */
export const MAX_HELD_SEGMENTS = 64;
/** Farther than this from nextSeq, a segment restarts the stream (see above). */
export const RESYNC_DISTANCE = 1 << 24;

const EMPTY = new Uint8Array(0);
const INITIAL_CAPACITY = 4096;

interface HeldSegment {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

export type AddResult =
  /** New bytes are buffered (and any held segments they reached). */
  | "appended"
  /** Held out of order, or nothing new (a retransmission). */
  | "waiting"
  /** Buffered plus held bytes would pass maxBytes: the caller resets or gives up the gap. */
  | "overflow"
  /** Too many segments held: the caller gives up the gap. */
  | "too-many-held"
  /** The segment was far from nextSeq: the buffer was dropped and reading restarts at it. */
  | "resynced";

export class TcpStream {
  readonly #maxBytes: number;
  #synced = false;
  #nextSeq = 0;
  /** Sequence number of the SYN that started the stream; -1 when none was seen. */
  #initialSeq = -1;
  #buffer: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  /** Sorted by distance from nextSeq; all after nextSeq. */
  #held: HeldSegment[] = [];
  #heldBytes = 0;
  /** Capture time the oldest held segment was stored; Infinity when none is held. */
  heldSinceMs = Number.POSITIVE_INFINITY;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Buffered plus held bytes. */
  get size(): number {
    return this.#end - this.#start + this.#heldBytes;
  }

  get hasGap(): boolean {
    return this.#held.length > 0;
  }

  /** The in-order bytes not consumed yet; a view valid until the next call. */
  get bytes(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  /** A SYN at `seq`: data starts at seq + 1 (RFC 9293 §3.4). Drops everything held. */
  synchronize(seq: number): void {
    this.clear();
    this.#synced = true;
    this.#initialSeq = seq;
    this.#nextSeq = (seq + 1) >>> 0;
  }

  /** Whether this SYN is the one that started the current stream (a retransmitted SYN). */
  isInitialSyn(seq: number): boolean {
    return this.#initialSeq === seq;
  }

  /** Drops buffered and held bytes; the sequence position is kept. */
  clear(): void {
    this.#buffer = EMPTY;
    this.#start = 0;
    this.#end = 0;
    this.#held = [];
    this.#heldBytes = 0;
    this.heldSinceMs = Number.POSITIVE_INFINITY;
  }

  /** Moves the read position past all bytes up to `seq` (after a FIN: seq + length + 1). */
  skipTo(seq: number): void {
    this.#nextSeq = seq >>> 0;
  }

  /**
   * @param data copied when kept, so it may be a view into a reused buffer.
   * @param at capture time, remembered for held segments.
   */
  add(seq: number, data: Uint8Array, at: number): AddResult {
    if (!this.#synced) {
      this.#synced = true;
      this.#nextSeq = seq >>> 0;
    }
    if (data.length === 0) return "waiting";
    let offset = (seq - this.#nextSeq) | 0;
    let result: AddResult = "appended";
    if (offset > RESYNC_DISTANCE || offset < -RESYNC_DISTANCE) {
      this.clear();
      this.#nextSeq = seq >>> 0;
      offset = 0;
      result = "resynced";
    }
    if (offset > 0) return this.#hold(seq, data, at);
    if (offset + data.length <= 0) return "waiting";
    const fresh = offset < 0 ? data.subarray(-offset) : data;
    if (this.size + fresh.length > this.#maxBytes) return "overflow";
    this.#append(fresh);
    this.#nextSeq = (this.#nextSeq + fresh.length) >>> 0;
    this.#drainHeld();
    return result;
  }

  /**
   * Gives up the first gap: drops the buffered bytes (an unfinished message that cannot be
   * completed) and continues at the first held segment. False when nothing is held.
   */
  skipGap(): boolean {
    const first = this.#held[0];
    if (first === undefined) return false;
    this.#buffer = EMPTY;
    this.#start = 0;
    this.#end = 0;
    this.#nextSeq = first.seq;
    this.#drainHeld();
    return true;
  }

  /** Removes `count` in-order bytes at offset `at` of `bytes` (the caller checks the bounds). */
  cut(at: number, count: number): void {
    const from = this.#start + at;
    this.#buffer.copyWithin(from, from + count, this.#end);
    this.#end -= count;
  }

  consume(count: number): void {
    this.#start += Math.min(count, this.#end - this.#start);
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
      // A large buffer is not kept for an idle connection.
      if (this.#buffer.length > INITIAL_CAPACITY) this.#buffer = EMPTY;
    }
  }

  #hold(seq: number, data: Uint8Array, at: number): AddResult {
    const held = this.#held;
    const distance = (seq - this.#nextSeq) | 0;
    let index = held.length;
    let replaced: HeldSegment | undefined;
    while (index > 0) {
      const previous = held[index - 1] as HeldSegment;
      const previousDistance = (previous.seq - this.#nextSeq) | 0;
      if (previousDistance < distance) break;
      index--;
      if (previousDistance === distance) {
        // The same start again: keep the longer copy (a retransmission may carry more).
        if (previous.bytes.length >= data.length) return "waiting";
        replaced = previous;
        break;
      }
    }
    const growth = data.length - (replaced?.bytes.length ?? 0);
    if (replaced === undefined && held.length >= MAX_HELD_SEGMENTS) return "too-many-held";
    if (this.size + growth > this.#maxBytes) return "overflow";
    held.splice(index, replaced === undefined ? 0 : 1, { seq, bytes: data.slice() });
    this.#heldBytes += growth;
    if (held.length === 1) this.heldSinceMs = at;
    return "waiting";
  }

  /** Appends held segments the stream has reached; overlaps are cut, stale copies dropped. */
  #drainHeld(): void {
    const held = this.#held;
    while (held.length > 0) {
      const first = held[0] as HeldSegment;
      const offset = (first.seq - this.#nextSeq) | 0;
      if (offset > 0) break;
      held.shift();
      this.#heldBytes -= first.bytes.length;
      if (offset + first.bytes.length > 0) {
        const fresh = first.bytes.subarray(-offset);
        this.#append(fresh);
        this.#nextSeq = (this.#nextSeq + fresh.length) >>> 0;
      }
    }
    if (held.length === 0) this.heldSinceMs = Number.POSITIVE_INFINITY;
  }

  /** Callers have checked the bound; held bytes move into the buffer, so size never grows. */
  #append(data: Uint8Array): void {
    const used = this.#end - this.#start;
    if (this.#end + data.length > this.#buffer.length) {
      if (used + data.length <= this.#buffer.length && this.#start > 0) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        let capacity = Math.max(INITIAL_CAPACITY, this.#buffer.length);
        while (capacity < used + data.length) capacity *= 2;
        // Doubling must not overshoot the cap the callers keep to.
        capacity = Math.max(Math.min(capacity, this.#maxBytes), used + data.length);
        const grown = new Uint8Array(capacity);
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      }
      this.#start = 0;
      this.#end = used;
    }
    this.#buffer.set(data, this.#end);
    this.#end += data.length;
  }
}
