/*
 * SIP messages out of the DATA chunks of one direction of one SCTP association.
 *
 * RFC 4168 §5: one SIP message is one SCTP user message. A user message larger than the path
 * MTU is fragmented (RFC 9260 §6.9): its chunks carry consecutive TSNs, B on the first, E on
 * the last, neither in between; B and E together mark an unfragmented message.
 *
 *   TSN:    41 (B)  42 ( )  43 (E)  44 (BE)  45 (B) ...
 *           |---- message 1 ----|   message 2  |-- message 3 ...
 *
 * Because fragments are consecutive, at most one message is being reassembled per direction;
 * any chunk other than the next expected fragment means a fragment was not captured, and the
 * unfinished message is dropped (sctp-fragment-gap).
 *
 * Retransmitted chunks repeat their TSN (§6.3.3) and would repeat the SIP message: the TSNs of
 * the last 32 chunks below the highest seen are remembered in a bit mask, so duplicates and
 * modest reordering are told apart in constant space. A TSN more than TSN_RESYNC_DISTANCE
 * away from the highest is a restarted association (new initial TSN, §5.3.1): the history is
 * dropped and counting starts again.
 */

import type { SctpDataChunk } from "../packet/sctp.js";

export type SctpMessageErrorCode =
  /** A fragment was missing: the unfinished user message was dropped. */
  | "sctp-fragment-gap"
  /** A fragmented user message grew past the buffer cap: dropped. */
  | "sctp-message-too-large";

const TSN_WINDOW = 32;
const TSN_RESYNC_DISTANCE = 1 << 20;

export class SctpMessages {
  readonly #maxBytes: number;
  #known = false;
  #highestTsn = 0;
  /** Bit i set: TSN highestTsn - 1 - i was seen. */
  #seenBelow = 0;
  /** The message being reassembled; null when none. */
  #parts: Uint8Array[] | null = null;
  #partBytes = 0;
  #nextTsn = 0;
  /** An oversized message whose remaining fragments are stepped over quietly. */
  #dropping = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held for an unfinished fragmented message. */
  get heldBytes(): number {
    return this.#partBytes;
  }

  /**
   * @returns the completed user message (a view of the chunk's payload when it was not
   *   fragmented, else a fresh copy), or undefined.
   */
  add(chunk: SctpDataChunk, report: (code: SctpMessageErrorCode) => void): Uint8Array | undefined {
    if (!this.#isNew(chunk.tsn)) return undefined;
    const open = this.#parts !== null || this.#dropping;
    if (open && (chunk.beginning || chunk.tsn !== this.#nextTsn)) {
      if (this.#parts !== null) report("sctp-fragment-gap");
      this.#reset();
    }
    if (chunk.beginning) return chunk.ending ? chunk.payload : this.#append(chunk, report);
    if (this.#parts === null && !this.#dropping) {
      report("sctp-fragment-gap"); // a middle or last fragment whose beginning was missed
      return undefined;
    }
    return this.#append(chunk, report);
  }

  #append(
    chunk: SctpDataChunk,
    report: (code: SctpMessageErrorCode) => void,
  ): Uint8Array | undefined {
    this.#nextTsn = (chunk.tsn + 1) >>> 0;
    if (this.#dropping) {
      if (chunk.ending) this.#reset();
      return undefined;
    }
    if (this.#partBytes + chunk.payload.length > this.#maxBytes) {
      report("sctp-message-too-large");
      this.#reset();
      this.#dropping = !chunk.ending;
      return undefined;
    }
    this.#parts ??= [];
    this.#parts.push(chunk.payload.slice());
    this.#partBytes += chunk.payload.length;
    if (!chunk.ending) return undefined;

    const message = new Uint8Array(this.#partBytes);
    let offset = 0;
    for (const part of this.#parts) {
      message.set(part, offset);
      offset += part.length;
    }
    this.#reset();
    return message;
  }

  #reset(): void {
    this.#parts = null;
    this.#partBytes = 0;
    this.#dropping = false;
  }

  /** Records the TSN; false for a duplicate (or one too old to tell). */
  #isNew(tsn: number): boolean {
    const distance = (tsn - this.#highestTsn) | 0;
    if (!this.#known || distance > TSN_RESYNC_DISTANCE || distance < -TSN_RESYNC_DISTANCE) {
      this.#known = true;
      this.#highestTsn = tsn >>> 0;
      this.#seenBelow = 0;
      return true;
    }
    if (distance > 0) {
      const shifted = distance >= TSN_WINDOW ? 0 : (this.#seenBelow << distance) >>> 0;
      const previous = distance > TSN_WINDOW ? 0 : (1 << (distance - 1)) >>> 0;
      this.#seenBelow = (shifted | previous) >>> 0;
      this.#highestTsn = tsn >>> 0;
      return true;
    }
    if (distance === 0) return false;
    const bit = -distance - 1;
    if (bit >= TSN_WINDOW) return false;
    const mask = (1 << bit) >>> 0;
    if ((this.#seenBelow & mask) !== 0) return false;
    this.#seenBelow = (this.#seenBelow | mask) >>> 0;
    return true;
  }
}
