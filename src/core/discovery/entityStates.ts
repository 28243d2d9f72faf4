/**
 * What the line and add-on entities show, from call reports and counters: the payloads the
 * publisher puts on the state topics that `buildDiscovery.ts` announces.
 */
import { type BridgeStatus, bridgeStatusText } from "../bridge/bridgeStatus.js";
import { type CaptureStatus, captureStatusText } from "../capture/captureStatus.js";
import type { CallData } from "../household/household.js";
import { truncateState } from "../household/lineCalls.js";
import { type CallReport, callEventData } from "../outputs/callReport.js";

/**
 * The phone sensor's attributes: the call's event data. HA drops an MQTT attribute named
 * `name` (MQTT_ATTRIBUTES_BLOCKED in its mqtt/entity.py), so the caller's name is repeated
 * as `caller_name` for templates.
 */
export function phoneAttributes(call: CallData): Record<string, unknown> {
  return { ...call, caller_name: call.name ?? null };
}

/** The event entity's payload: HA's `event_type` plus the call's event data. */
export function callEventPayload(report: CallReport): Record<string, unknown> {
  return { event_type: report.event.type, ...callEventData(report) };
}

export const SWITCH_ON = "ON";
export const SWITCH_OFF = "OFF";

export function switchState(on: boolean): string {
  return on ? SWITCH_ON : SWITCH_OFF;
}

/** A switch command as HA sends it (`ON`/`OFF`); anything else is null. */
export function parseSwitchCommand(payload: string): boolean | null {
  const command = payload.trim().toUpperCase();
  if (command === SWITCH_ON) return true;
  if (command === SWITCH_OFF) return false;
  return null;
}

/** The counters and states behind the add-on device's diagnostic sensors. */
export interface Diagnostics {
  /** Seconds since the last signalling packet, or null when none came yet. */
  readonly lastPacketAgeS: number | null;
  readonly packets: number;
  readonly parseErrors: number;
  readonly mgcpMessages: number;
  readonly callEvents: number;
  readonly searchChQuotaUsed: number;
  /** Incoming calls flagged as nuisance since the month began in the household's time zone. */
  readonly nuisanceCallsThisMonth: number;
  /** The directory's last problem, in words without numbers or keys; null when none. */
  readonly directoryProblem: string | null;
  /** The MAC bridge's state and counters; state "off" while it is disabled. */
  readonly bridge: BridgeStatus;
  /** Whether the caller-id capture captures or waits for its interface; "off" in a replay. */
  readonly capture: CaptureStatus;
}

/** The diagnostics document; one field per DIAGNOSTIC_ENTITIES key. */
export function diagnosticsPayload(d: Diagnostics): Record<string, number | string | null> {
  return {
    // null renders as "None", which HA's MQTT sensor takes as unknown: no packet yet.
    last_packet_age: d.lastPacketAgeS === null ? null : Math.max(0, Math.round(d.lastPacketAgeS)),
    packets: d.packets,
    parse_errors: d.parseErrors,
    mgcp_messages: d.mgcpMessages,
    call_events: d.callEvents,
    search_ch_quota_used: d.searchChQuotaUsed,
    nuisance_calls_this_month: d.nuisanceCallsThisMonth,
    last_directory_problem: truncateState(d.directoryProblem ?? "none"),
    capture_status: truncateState(captureStatusText(d.capture)),
    bridge_status: truncateState(bridgeStatusText(d.bridge)),
  };
}

/** The Bridge status sensor's attributes: what crossed, and the adapter's address. */
export function bridgeAttributesPayload(
  status: BridgeStatus,
): Record<string, number | string | null> {
  const c = status.counters;
  return {
    frames_to_isp: c.toExternal,
    frames_to_adapter: c.toInternal,
    dhcp_replies_rewritten: c.rewritten,
    dropped: c.dropped,
    errors: c.errors,
    restarts: status.restarts,
    adapter_address: status.adapterIpv4,
  };
}
