/** One captured link-layer frame, from a live interface or a capture file. */
export interface Frame {
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html). */
  readonly linkType: number;
  /**
   * The captured bytes. May be a view into a reused buffer: consumers must finish with it
   * synchronously or copy it.
   */
  readonly data: Uint8Array;
  /** Capture time in milliseconds since the Unix epoch (fractional for µs/ns precision). */
  readonly timestampMs: number;
  /** Length of the frame on the wire; larger than data.length when the snap length cut it. */
  readonly originalLength: number;
}

/** The link types this project decodes. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/**
 * Decides from a frame's raw bytes (`bytes[start..end)`), before any Frame object is made, that
 * the frame is of no interest. Capture-file replay runs it on every record: most of a capture
 * is RTP that nobody asked for, and not allocating for it keeps replay fast and its memory flat.
 */
export type FramePrefilter = (
  linkType: number,
  bytes: Uint8Array,
  start: number,
  end: number,
) => boolean;

/** Whether a value from outside (a worker process's message) has a Frame's shape. */
export function isFrame(value: unknown): value is Frame {
  const frame = value as Partial<Frame> | null;
  return (
    typeof frame === "object" &&
    frame !== null &&
    frame.data instanceof Uint8Array &&
    typeof frame.linkType === "number" &&
    typeof frame.timestampMs === "number" &&
    typeof frame.originalLength === "number"
  );
}
