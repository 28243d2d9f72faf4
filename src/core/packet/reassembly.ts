/*
 * IP fragment reassembly, shared by IPv4 (RFC 791 §3.2, RFC 815) and IPv6 (RFC 8200 §4.5).
 *
 * A fragment contributes bytes [offset, offset + length) of the reassembled payload:
 *
 *   payload: | frag 0 data | frag 1 data | ... | last fragment data (M = 0) |
 *            0             8*k                                          total length
 *
 * Every fragment but the last carries a multiple of 8 bytes. The datagram is complete when the
 * last fragment has fixed the total length and the received bytes add up to it; because
 * overlaps are refused, that sum can only be reached when there are no holes (the RFC 815 hole
 * list collapses into a counter).
 *
 * Policy (bounded, never silent):
 * - Overlapping or inconsistent fragments (RFC 5722) discard the whole datagram and answer
 *   ip-fragment-overlap once; the key stays as a tombstone until it expires so that the rest of
 *   that datagram is dropped quietly instead of starting a new, doomed reassembly. An exact
 *   duplicate of a held fragment is not an overlap and is ignored.
 * - More than 65,535 bytes (header included) answers ip-fragment-too-large, same tombstone.
 * - When maxPending datagrams are in flight, a fragment of a NEW datagram is dropped and
 *   answers ip-fragment-table-full; fragments of datagrams already held still complete. Nothing
 *   in flight is evicted (Linux also stopped evicting in its 2018 rework): evicting would let a
 *   stream of junk fragments flush out every genuine datagram, while refusing only delays new
 *   ones until the stale entries expire. Tombstones count against the bound too.
 * - A datagram expires fragmentTimeoutMs after its first fragment (RFC 8200 §4.5 uses 60 s,
 *   Linux 30 s), measured on capture timestamps so that replaying a file behaves as live.
 */

import type { DecodeErrorCode } from "../errors.js";
import { u16 } from "./bytes.js";

/** Largest IP datagram: the total length / payload length fields are 16 bits. */
export const MAX_REASSEMBLED_LENGTH = 65_535;

export interface ReassembledPayload {
  /** A fresh copy, owned by the caller. */
  readonly payload: Uint8Array;
  /** Upper-layer protocol, taken from the offset-0 fragment (RFC 8200 §4.5). */
  readonly nextHeader: number;
}

export type FragmentResult = ReassembledPayload | "skipped" | DecodeErrorCode;

export interface FragmentSpec {
  readonly key: string;
  readonly offset: number;
  readonly moreFragments: boolean;
  readonly nextHeader: number;
  /** Header bytes that precede the payload in the reassembled packet. */
  readonly headerBytes: number;
}

interface Piece {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

interface PendingDatagram {
  readonly deadlineMs: number;
  readonly firstSeenMs: number;
  /** Sorted by start, never overlapping. */
  pieces: Piece[];
  receivedBytes: number;
  /** Known once the last fragment (M = 0) arrived; -1 before. */
  totalLength: number;
  nextHeader: number;
  /** Discarded (overlap or too large); remaining fragments are dropped until the deadline. */
  discarded: boolean;
}

export class FragmentReassembler {
  readonly #maxPending: number;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, PendingDatagram>();
  #heldFragments = 0;
  #expired = 0;
  /** Earliest deadline among pending datagrams; Infinity when none, so checks cost nothing. */
  #nextDeadlineMs = Number.POSITIVE_INFINITY;

  constructor(maxPending: number, timeoutMs: number) {
    this.#maxPending = maxPending;
    this.#timeoutMs = timeoutMs;
  }

  /** Fragments currently held across all incomplete datagrams. */
  get heldFragments(): number {
    return this.#heldFragments;
  }

  /** Incomplete datagrams dropped because their fragments stopped coming. */
  get expiredDatagrams(): number {
    return this.#expired;
  }

  /** Drops datagrams whose deadline passed. Cheap to call on every frame. */
  expire(nowMs: number): void {
    if (!(nowMs > this.#nextDeadlineMs)) return;
    this.#sweep((entry) => nowMs > entry.deadlineMs);
  }

  /** @param data this fragment's data; copied, so it may be a view into a reused buffer. */
  add(spec: FragmentSpec, data: Uint8Array, nowMs: number): FragmentResult {
    let entry = this.#pending.get(spec.key);
    if (entry === undefined) {
      if (this.#pending.size >= this.#maxPending) {
        // Also drop entries stamped far in the future: a clock that stepped back must not
        // wedge the table until it catches up.
        this.#sweep((e) => nowMs > e.deadlineMs || e.firstSeenMs - nowMs > this.#timeoutMs);
        if (this.#pending.size >= this.#maxPending) return "ip-fragment-table-full";
      }
      entry = {
        deadlineMs: nowMs + this.#timeoutMs,
        firstSeenMs: nowMs,
        pieces: [],
        receivedBytes: 0,
        totalLength: -1,
        nextHeader: -1,
        discarded: false,
      };
      this.#pending.set(spec.key, entry);
      if (entry.deadlineMs < this.#nextDeadlineMs) this.#nextDeadlineMs = entry.deadlineMs;
    }
    if (entry.discarded) return "skipped";

    const start = spec.offset;
    const end = start + data.length;
    if (end + spec.headerBytes > MAX_REASSEMBLED_LENGTH) {
      return this.#discard(entry, "ip-fragment-too-large");
    }
    if (!isConsistent(entry, start, end, spec.moreFragments)) {
      return this.#discard(entry, "ip-fragment-overlap");
    }

    const index = firstPieceAtOrAfter(entry.pieces, start);
    const next = entry.pieces[index];
    if (next !== undefined && next.start === start && next.end === end) {
      return sameBytes(next.bytes, data) ? "skipped" : this.#discard(entry, "ip-fragment-overlap");
    }
    const previous = entry.pieces[index - 1];
    if (
      (previous !== undefined && previous.end > start) ||
      (next !== undefined && next.start < end)
    ) {
      return this.#discard(entry, "ip-fragment-overlap");
    }

    entry.pieces.splice(index, 0, { start, end, bytes: data.slice() });
    this.#heldFragments++;
    entry.receivedBytes += data.length;
    if (!spec.moreFragments) entry.totalLength = end;
    if (start === 0) entry.nextHeader = spec.nextHeader;
    if (entry.receivedBytes !== entry.totalLength) return "skipped";

    const payload = new Uint8Array(entry.totalLength);
    for (const piece of entry.pieces) payload.set(piece.bytes, piece.start);
    this.#heldFragments -= entry.pieces.length;
    this.#pending.delete(spec.key);
    return { payload, nextHeader: entry.nextHeader };
  }

  #discard(entry: PendingDatagram, code: DecodeErrorCode): DecodeErrorCode {
    this.#heldFragments -= entry.pieces.length;
    entry.pieces = [];
    entry.discarded = true;
    return code;
  }

  #sweep(isExpired: (entry: PendingDatagram) => boolean): void {
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#pending) {
      if (isExpired(entry)) {
        if (!entry.discarded) this.#expired++;
        this.#heldFragments -= entry.pieces.length;
        this.#pending.delete(key);
      } else if (entry.deadlineMs < nextDeadline) {
        nextDeadline = entry.deadlineMs;
      }
    }
    this.#nextDeadlineMs = nextDeadline;
  }
}

/**
 * Identifies one datagram: family, both addresses (adjacent in both IP headers), protocol and
 * id. Packed two bytes per character so the key costs one short string per fragment.
 */
export function fragmentKey(
  data: Uint8Array,
  sourceOffset: number,
  addressLength: 4 | 16,
  protocol: number,
  id: number,
): string {
  const codes: number[] = [addressLength, protocol, id >>> 16, id & 0xffff];
  for (let i = 0; i < addressLength * 2; i += 2) codes.push(u16(data, sourceOffset + i));
  return String.fromCharCode(...codes);
}

/** Rules that need no neighbours: sizes and agreement with the known total length. */
function isConsistent(
  entry: PendingDatagram,
  start: number,
  end: number,
  moreFragments: boolean,
): boolean {
  if (end === start) return false; // an empty fragment carries nothing and can end nothing
  if (moreFragments) {
    if ((end - start) % 8 !== 0) return false;
    return entry.totalLength < 0 || end <= entry.totalLength;
  }
  if (entry.totalLength >= 0) return end === entry.totalLength;
  // A last fragment must not end before data already held.
  const lastPiece = entry.pieces[entry.pieces.length - 1];
  return lastPiece === undefined || lastPiece.end <= end;
}

function firstPieceAtOrAfter(pieces: readonly Piece[], start: number): number {
  let low = 0;
  let high = pieces.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((pieces[middle]?.start ?? 0) < start) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
