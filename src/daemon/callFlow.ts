/**
 * Frames to call reports, as the daemon wires them: the pipeline (decode → MGCP/SIP → call
 * state), ring time-outs woken by the clock, and each call event resolved into a report and
 * delivered. The app (app.ts) builds exactly this.
 */

import type { Options } from "../config/schema.js";
import type { CallerResolver } from "../core/caller/resolveCaller.js";
import type { Frame } from "../core/capture/frame.js";
import type { CallReport } from "../core/outputs/callReport.js";
import { CallerIdPipeline } from "../core/pipeline.js";
import { CallRouter, type NuisanceJudge } from "./callRouter.js";
import type { Clock } from "./clock.js";
import type { CallDiagnostics } from "./outputs/output.js";

export interface CallFlow {
  readonly pipeline: CallerIdPipeline;
  readonly router: CallRouter;
  /** Handles one frame; true when it produced call events. */
  handleFrame(frame: Frame): boolean;
  diagnostics(): CallDiagnostics;
}

export function createCallFlow(
  options: Options,
  resolver: CallerResolver,
  deliver: (report: CallReport) => void,
  clock: Clock,
  judge?: NuisanceJudge,
): CallFlow {
  // Call ids unique across restarts, since the call log keeps them: run id, then a count.
  const runId = Date.now().toString(36);
  let sequence = 0;
  const { protocols, mgcp_ports, sip_ports } = options.capture;
  const pipeline = new CallerIdPipeline({
    mgcpPorts: protocols.includes("mgcp") ? mgcp_ports : [],
    sipPorts: protocols.includes("sip") ? sip_ports : [],
    // Lines named by a number are the household's own: SIP calls to them are incoming.
    sip: {
      ownAddresses: options.capture.adapter_addresses,
      ownNumbers: options.lines
        .map((line) => line.id)
        .filter((id) => /^\+?[\d\s/.-]{6,}$/.test(id)),
    },
    newCallId: () => `${runId}-${++sequence}`,
  });
  const { announce } = options;
  const router = new CallRouter(resolver, options.lines, deliver, judge, {
    nuisance: announce.nuisance,
    language: announce.language,
    nuisanceTemplate: announce.template_nuisance,
  });

  // Ring time-outs: the pipeline says when the next one is due; the clock wakes it then.
  let tickAt: number | null = null;
  let cancelTick = () => {};
  // One timer for the pipeline's nearest deadline: re-armed (not added to) when it moves.
  const scheduleTick = () => {
    const next = pipeline.nextDeadline;
    if (!Number.isFinite(next) || next === tickAt) return;
    cancelTick();
    tickAt = next;
    cancelTick = clock.at(next, () => {
      tickAt = null;
      cancelTick = () => {};
      for (const event of pipeline.tick(clock.now())) router.route(event);
      scheduleTick();
    });
  };
  let lastPacketAt: number | null = null;
  return {
    pipeline,
    router,
    handleFrame: (frame) => {
      lastPacketAt = clock.now();
      const events = pipeline.handleFrame(frame);
      for (const event of events) router.route(event);
      scheduleTick();
      return events.length > 0;
    },
    diagnostics: () => ({
      stats: pipeline.stats,
      lastPacketAgeS:
        lastPacketAt === null ? null : Math.round((clock.now() - lastPacketAt) / 1000),
      directory: resolver.diagnostics(),
    }),
  };
}
