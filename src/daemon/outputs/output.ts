/**
 * What an output is to the app: one unit with a name, a rule for when the options turn it on,
 * and a way to be created from its dependencies. Adding an output (a panel, a notifier) is a
 * new file here that exports an OutputDefinition, listed in outputs/index.ts, plus its options.
 */
import type { Options } from "../../config/schema.js";
import type { BridgeStatus } from "../../core/bridge/bridgeStatus.js";
import type { CallerResolution, DirectoryDiagnostics } from "../../core/caller/resolveCaller.js";
import type { CaptureStatus } from "../../core/capture/captureStatus.js";
import type { HouseholdMarks } from "../../core/nuisance/marks.js";
import type { NuisanceVerdict } from "../../core/nuisance/verdict.js";
import type { CallReport } from "../../core/outputs/callReport.js";
import type { PipelineStats } from "../../core/pipeline.js";
import type { CallLog } from "../../io/callLog.js";
import type { HomeAssistantOutput } from "../../io/homeAssistant.js";
import type { Logger } from "../../io/logger.js";
import type { DaemonAdapters } from "../adapters.js";
import type { CallerDirectory } from "../callerDirectory.js";
import type { Clock } from "../clock.js";
import type { Household } from "../household.js";

/** The call side's counters; the daemon adds the bridge's status to them. */
export interface CallDiagnostics {
  readonly stats: Readonly<PipelineStats>;
  readonly lastPacketAgeS: number | null;
  readonly directory: DirectoryDiagnostics;
}

export interface DaemonDiagnostics extends CallDiagnostics {
  readonly bridge: BridgeStatus;
  readonly capture: CaptureStatus;
}

/** A running output. Every member but the name is optional. */
export interface OutputUnit {
  readonly name: string;
  /** Each call report, in order, on the output's own queue: a slow output delays only itself. */
  handleCall?(report: CallReport): void | Promise<void>;
  /** The latest counters; called every 30 s and when the bridge changes state. */
  publishDiagnostics?(diagnostics: DaemonDiagnostics): void;
  /** Started in the order of the list, after the adapters. */
  start?(): void | Promise<void>;
  /** Stopped in reverse order, before the adapters. */
  stop?(): void | Promise<void>;
  /** Resolves once the output can deliver (a replay waits for it, briefly). */
  ready?(): Promise<void>;
  /**
   * Resolves once what it has sent so far is delivered or given up, not counting what it
   * plans for later (a repeat): a replay waits for this before its clock moves on.
   */
  settle?(): Promise<void>;
  /** Resolves once everything it was handed is delivered, or given up. */
  idle?(): Promise<void>;
}

/** The Home Assistant connection, shared by the outputs that talk to Home Assistant. */
export type HomeAssistantClient = Pick<
  HomeAssistantOutput,
  "start" | "stop" | "fireEvent" | "callService" | "connected" | "onStatus"
> &
  Partial<Pick<HomeAssistantOutput, "getStates">>;

export interface OutputContext {
  readonly options: Options;
  readonly env: NodeJS.ProcessEnv;
  /** The output's own log. */
  readonly log: Logger;
  readonly clock: Clock;
  readonly version: string;
  /** The household's IANA time zone (quiet hours, months). */
  readonly timeZone: string;
  /** data_dir, or its fallback outside the Supervisor. */
  readonly stateFolder: string;
  readonly household: Household;
  /** null when Home Assistant is not configured. */
  readonly homeAssistant: HomeAssistantClient | null;
  readonly adapters: DaemonAdapters;
  /** The call log the app writes, for outputs that read it (the panel). */
  readonly callLog: CallLog;
  /** The caller directory: resolver, phonebook entries, the household's own phonebook. */
  readonly directory: CallerDirectory;
  /** The household's own nuisance / allow marks (data_dir/nuisance-marks.json). */
  readonly marks: HouseholdMarks;
  /** The nuisance lists' verdict on a number, as a call from it would get (the panel's Try). */
  readonly judgeNuisance: (
    party: Pick<CallerResolution, "number" | "source">,
  ) => Promise<NuisanceVerdict>;
  /** The outputs created before this one. */
  readonly running: readonly string[];
}

export interface OutputDefinition {
  readonly name: string;
  /** The log's namespace for this output. */
  readonly logName: string;
  /** true when the options turn it on; else why it is off (logged when not obvious, else ""). */
  enabled(context: OutputContext): true | string;
  /** The output, or why it turned out to be off after all (a broker the Supervisor lacks). */
  create(
    context: OutputContext,
  ): OutputUnit | { off: string } | Promise<OutputUnit | { off: string }>;
}
