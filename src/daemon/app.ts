/**
 * The daemon's core, given its parts by the composition (compose.ts): frames in, and for each
 * call event a report that is
 *
 *   1. put on record (the call log, synchronously: a call is on record before anyone is
 *      told of it),
 *   2. applied to the household (the lines' state; its views hear of it at once),
 *   3. handed to every output on the output's own queue, in order — so a slow or stuck
 *      output holds up only itself.
 *
 * Adapters (connections, stores) start first and stop last; outputs start in their order and
 * stop in reverse.
 */
import type { Options } from "../config/schema.js";
import type { CallerResolver } from "../core/caller/resolveCaller.js";
import type { CallEvent } from "../core/calls/callEvent.js";
import type { Frame } from "../core/capture/frame.js";
import type { CallReport } from "../core/outputs/callReport.js";
import type { CallerIdPipeline } from "../core/pipeline.js";
import type { Logger } from "../io/logger.js";
import { createCallFlow } from "./callFlow.js";
import type { NuisanceJudge } from "./callRouter.js";
import type { Clock } from "./clock.js";
import type { Household } from "./household.js";
import { OutputQueue } from "./outputQueue.js";
import type { CallDiagnostics, DaemonDiagnostics, OutputUnit } from "./outputs/output.js";

/** Something with a life of its own that outputs use: a connection, a store. */
export interface Adapter {
  readonly name: string;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

export interface AppParts {
  readonly options: Options;
  readonly clock: Clock;
  readonly log: Logger;
  readonly resolver: CallerResolver;
  /** The nuisance lists' verdict on each incoming caller; absent in tests that need none. */
  readonly nuisance?: NuisanceJudge;
  /** The call log. */
  readonly journal: { record(report: CallReport): void };
  readonly household: Household;
  readonly adapters: readonly Adapter[];
  readonly outputs: readonly OutputUnit[];
}

export interface App {
  readonly pipeline: CallerIdPipeline;
  /** Handles one frame; true when it produced call events. */
  handleFrame(frame: Frame): boolean;
  /** One call event, as if the pipeline had produced it. */
  routeEvent(event: CallEvent): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when every output that can say so is ready to deliver, or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** Resolves when every report so far has been handed to every output. */
  handedOver(): Promise<void>;
  /** handedOver(), and what the outputs sent on is delivered (a replay's pace). */
  settle(): Promise<void>;
  /** settle(), and then every output has delivered what it was handed. */
  idle(): Promise<void>;
  callDiagnostics(): CallDiagnostics;
  publishDiagnostics(diagnostics: DaemonDiagnostics): void;
}

export function createApp(parts: AppParts): App {
  const { log, household, outputs } = parts;
  const failed = (what: string) => (error: unknown) =>
    log.error(`${what} failed: ${(error as Error).stack ?? String(error)}`);
  const queues = outputs.map((output) =>
    output.handleCall
      ? new OutputQueue<CallReport>((report) => output.handleCall?.(report), {
          failed: failed(output.name),
          overflowed: () => log.warn(`${output.name} is falling behind: dropping its oldest calls`),
        })
      : null,
  );

  const deliver = (report: CallReport) => {
    try {
      parts.journal.record(report);
    } catch (error) {
      failed("call log")(error);
    }
    try {
      household.dispatch({ kind: "call", report });
    } catch (error) {
      failed("household")(error);
    }
    for (const queue of queues) queue?.push(report);
  };
  const flow = createCallFlow(parts.options, parts.resolver, deliver, parts.clock, parts.nuisance);
  const handedOver = async () => {
    await flow.router.idle();
    await Promise.all(queues.map((queue) => queue?.idle()));
  };
  const settle = async () => {
    await handedOver();
    await Promise.all(outputs.map((output) => output.settle?.()));
  };

  return {
    pipeline: flow.pipeline,
    handleFrame: flow.handleFrame,
    routeEvent: (event) => flow.router.route(event),
    async start() {
      for (const unit of [...parts.adapters, ...outputs]) await unit.start?.();
    },
    async stop() {
      for (const unit of [...parts.adapters, ...outputs].reverse()) {
        try {
          await unit.stop?.();
        } catch (error) {
          failed(`stopping ${unit.name}`)(error);
        }
      }
    },
    ready: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        void Promise.all(outputs.map((output) => output.ready?.())).then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    handedOver,
    settle,
    async idle() {
      await settle();
      await Promise.all(outputs.map((output) => output.idle?.()));
    },
    callDiagnostics: flow.diagnostics,
    publishDiagnostics(diagnostics) {
      for (const output of outputs) {
        try {
          output.publishDiagnostics?.(diagnostics);
        } catch (error) {
          failed(`${output.name} diagnostics`)(error);
        }
      }
    },
  };
}
