import type { PipelineStats } from "../core/pipeline.js";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The one line a user reads at the end of a run: what was seen, and what was skipped and why. */
export function formatSummary(stats: Readonly<PipelineStats>): string {
  const errors = Object.entries(stats.errors.toJSON());
  const errorText =
    errors.length === 0 ? "none" : errors.map(([code, n]) => `${code} ${n}`).join(", ");
  return [
    plural(stats.frames, "packet"),
    plural(stats.mgcpMessages, "MGCP message"),
    ...(stats.sipMessages > 0 ? [plural(stats.sipMessages, "SIP message")] : []),
    plural(stats.retransmissions, "retransmission"),
    plural(stats.callEvents, "call event"),
  ]
    .join(", ")
    .concat(`; parse errors: ${errorText}`);
}
