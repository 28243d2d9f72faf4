/**
 * `api/state` (and each `event: state` of `api/events`): the lines as the household has them,
 * the capture's and the bridge's health, and the directory's monthly use. Pure: the household
 * state, the latest diagnostics and the time in; the JSON document out.
 */
import type { DirectoryDiagnostics } from "../../core/caller/resolveCaller.js";
import {
  type CallData,
  type HouseholdState,
  type LineState,
  lineCurrentCall,
  linePhoneState,
} from "../../core/household/household.js";
import type { PhoneState } from "../../core/household/lineCalls.js";
import type { DaemonDiagnostics } from "../../daemon/outputs/output.js";

export interface PanelCaller {
  readonly name: string | null;
  readonly number: string | null;
  readonly number_display: string | null;
  readonly name_source: string | null;
  readonly nuisance: boolean;
  readonly nuisance_label: string | null;
}

export interface PanelLine {
  readonly key: string;
  readonly label: string;
  readonly state: PhoneState;
  readonly missedCalls: number;
  readonly announcements: boolean;
  /** The caller of the call the state is about; null while the line is idle. */
  readonly caller: PanelCaller | null;
  /** The line's latest call, open or ended (an idle line shows who called last). */
  readonly lastCall: (PanelCaller & { started_at: string | null; type: string | null }) | null;
}

export interface PanelState {
  readonly version: string;
  readonly lines: PanelLine[];
  readonly capture: {
    readonly state: string;
    readonly interface: string;
    readonly detail: string;
    readonly lastPacketAgeS: number | null;
    readonly packets: number;
    readonly parseErrors: number;
  };
  readonly bridge: null | {
    readonly state: string;
    readonly detail: string;
    readonly frames: number;
    readonly toExternal: number;
    readonly toInternal: number;
    readonly dropped: number;
    readonly rewritten: number;
    readonly errors: number;
    readonly restarts: number;
  };
  readonly directory: {
    readonly searchChUsedThisMonth: number;
    readonly searchChQuota: number;
    readonly onlineLookup: boolean;
    readonly lastProblem: string | null;
  };
}

/** The diagnostics as last published, and when (epoch ms). */
export interface PublishedDiagnostics {
  readonly diagnostics: DaemonDiagnostics;
  readonly at: number;
}

export interface StateInputs {
  readonly version: string;
  readonly household: HouseholdState;
  readonly published: PublishedDiagnostics | null;
  /** Asked now: the quota moves with every lookup, between two diagnostics. */
  readonly directory: DirectoryDiagnostics;
  readonly onlineLookup: boolean;
  readonly captureInterface: string;
  readonly now: number;
}

export function panelState(inputs: StateInputs): PanelState {
  const { published, directory, now } = inputs;
  const d = published?.diagnostics ?? null;
  // The age grows between two diagnostics (every 30 s): counted on from when it was published.
  const age =
    d === null || d.lastPacketAgeS === null || published === null
      ? null
      : Math.max(0, Math.round(d.lastPacketAgeS + (now - published.at) / 1000));
  const bridge = d?.bridge ?? null;
  return {
    version: inputs.version,
    lines: inputs.household.lines.map(panelLine),
    capture: {
      state: d?.capture.state ?? "starting",
      interface: d?.capture.interfaceName || inputs.captureInterface,
      detail: d?.capture.detail ?? "",
      lastPacketAgeS: age,
      packets: d?.stats.frames ?? 0,
      parseErrors: d?.stats.errors.total ?? 0,
    },
    bridge:
      bridge === null || bridge.state === "off"
        ? null
        : {
            state: bridge.state,
            detail: bridge.detail,
            frames: bridge.counters.toExternal + bridge.counters.toInternal,
            ...bridge.counters,
            restarts: bridge.restarts,
          },
    directory: {
      searchChUsedThisMonth: directory.quotaUsed,
      searchChQuota: directory.quotaLimit,
      onlineLookup: inputs.onlineLookup,
      lastProblem: directory.lastProblem,
    },
  };
}

export function panelLine(line: LineState): PanelLine {
  const state = linePhoneState(line);
  const current = state === "idle" ? null : lineCurrentCall(line);
  const last = line.lastCall;
  return {
    key: line.key,
    label: line.label,
    state,
    missedCalls: line.missedCalls,
    announcements: line.announcements,
    caller: current === null ? null : callerOf(current),
    lastCall:
      last === null
        ? null
        : { ...callerOf(last), started_at: text(last.started_at), type: text(last.type) },
  };
}

function callerOf(data: CallData): PanelCaller {
  return {
    name: text(data.name),
    number: text(data.number),
    number_display: text(data.number_display),
    name_source: text(data.name_source),
    nuisance: data.nuisance === true,
    nuisance_label: text(data.nuisance_label),
  };
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
