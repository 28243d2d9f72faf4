import type { SipErrorCode, SipWarningCode } from "./sip/parseSip.js";
import type { SipStreamErrorCode } from "./sip/sipStreams.js";

/**
 * Closed sets of error codes for wire input. Parsers return these instead of throwing; the
 * pipeline counts them per code so a user sees what was skipped and why.
 */

/** Why a capture file (pcap / pcapng) could not be read further. */
export type CaptureFileErrorCode =
  | "not-a-capture-file"
  | "file-truncated"
  | "bad-block"
  | "unsupported-version";

/** Why a frame did not yield a UDP datagram, a TCP segment or SCTP DATA chunks. */
export type DecodeErrorCode =
  | "frame-truncated"
  | "unsupported-link-type"
  | "ipv4-bad-header"
  | "ipv4-truncated"
  | "ipv6-bad-header"
  | "ipv6-truncated"
  | "ipv6-bad-extension"
  | "ip-fragment-overlap"
  | "ip-fragment-too-large"
  | "ip-fragment-table-full"
  | "udp-truncated"
  | "tcp-truncated"
  | "tcp-bad-header"
  | "sctp-truncated"
  | "sctp-bad-chunk";

/** Why a datagram on an MGCP port did not yield an MGCP message. */
export type MgcpErrorCode =
  | "mgcp-not-text"
  | "mgcp-bad-start-line"
  | "mgcp-bad-parameter"
  | "mgcp-too-long";

/**
 * Odd text in an MGCP message that was still read (its call is reported): a NUL byte after the
 * start line (left to cleanText, which blanks it in names), a parameter line over 4096
 * characters cut in its middle.
 */
export type MgcpWarningCode = "mgcp-nul-in-text" | "mgcp-line-cut";

export type WireErrorCode =
  | CaptureFileErrorCode
  | DecodeErrorCode
  | MgcpErrorCode
  | SipErrorCode
  | SipStreamErrorCode;

/** Input that was odd but kept: counted beside the errors, so a user sees it happened. */
export type WireWarningCode = MgcpWarningCode | SipWarningCode;

/** Counters keyed by error (or warning) code, kept in insertion order for stable summaries. */
export class ErrorCounts {
  readonly #counts = new Map<WireErrorCode | WireWarningCode, number>();

  add(code: WireErrorCode | WireWarningCode, by = 1): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + by);
  }

  get(code: WireErrorCode | WireWarningCode): number {
    return this.#counts.get(code) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  toJSON(): Record<string, number> {
    // Codes are ASCII: code-unit order, without loading ICU's collation data for it.
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
