/**
 * What the line and add-on entities show, from call reports and counters: the payloads the
 * publisher puts on the state topics that `buildDiscovery.ts` announces.
 */
import { type BridgeStatus, bridgeStatusText } from "../bridge/bridgeStatus.js";
import { type CaptureStatus, captureStatusText } from "../capture/captureStatus.js";
import type { NameSource } from "../caller/resolveCaller.js";
import type { CallDirection, CallEvent } from "../calls/callEvent.js";
import { type CallReport, callEventData } from "../outputs/callReport.js";
import type { PhoneState } from "./entitySpecs.js";

/** Home Assistant refuses states longer than this. */
const MAX_STATE_LENGTH = 255;

/** A call on a line that has not ended yet. */
export interface OpenCall {
  readonly callId: string;
  readonly direction: CallDirection;
  readonly answered: boolean;
}

/** The line's open calls after one more event; calls keep their order of arrival. */
export function applyCallEvent(open: readonly OpenCall[], event: CallEvent): OpenCall[] {
  if (event.type === "missed" || event.type === "ended") {
    return open.filter((call) => call.callId !== event.callId);
  }
  const prior = open.find((call) => call.callId === event.callId);
  const next: OpenCall = {
    callId: event.callId,
    direction: event.direction,
    answered: event.type === "answered" || event.answeredAt !== null || prior?.answered === true,
  };
  return prior ? open.map((call) => (call === prior ? next : call)) : [...open, next];
}

/**
 * The phone sensor's state. A ringing call wins, so a second caller announced by the
 * call-waiting tone shows as `ringing` while the first call is still being talked.
 */
export function phoneState(open: readonly OpenCall[]): PhoneState {
  const call = leadingCall(open);
  if (call === null) return "idle";
  if (call.answered) return "talking";
  return call.direction === "incoming" ? "ringing" : "dialing";
}

/** The open call the phone state is about (the ringing one first), or null when idle. */
export function leadingCall(open: readonly OpenCall[]): OpenCall | null {
  return (
    open.find((call) => call.direction === "incoming" && !call.answered) ??
    open.find((call) => call.answered) ??
    open.find((call) => call.direction === "outgoing") ??
    null
  );
}

/**
 * The phone sensor's attributes: the call's event data. HA drops an MQTT attribute named
 * `name` (MQTT_ATTRIBUTES_BLOCKED in its mqtt/entity.py), so the caller's name is repeated
 * as `caller_name` for templates.
 */
export function phoneAttributes(report: CallReport): Record<string, unknown> {
  return { ...callEventData(report), caller_name: report.party.name };
}

/** The event entity's payload: HA's `event_type` plus the call's event data. */
export function callEventPayload(report: CallReport): Record<string, unknown> {
  return { event_type: report.event.type, ...callEventData(report) };
}

export interface LastCaller {
  readonly state: string;
  readonly attributes: {
    readonly number: string | null;
    readonly source: NameSource | null;
    readonly time: string;
  };
}

/** The last-caller sensor: incoming calls that carry a name or a number, else null. */
export function lastCaller(report: CallReport): LastCaller | null {
  const { event, party } = report;
  if (event.direction !== "incoming") return null;
  const number = party.number.kind === "number" ? party.number : null;
  const text = party.name || number?.display;
  if (!text) return null;
  return {
    state: truncate(text),
    attributes: {
      number: number ? (number.e164 ?? number.key) : event.number,
      source: party.name ? party.source : null,
      time: new Date(event.startedAt).toISOString(),
    },
  };
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
    last_directory_problem: truncate(d.directoryProblem ?? "none"),
    capture_status: truncate(captureStatusText(d.capture)),
    bridge_status: truncate(bridgeStatusText(d.bridge)),
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

function truncate(text: string): string {
  return text.length <= MAX_STATE_LENGTH ? text : `${text.slice(0, MAX_STATE_LENGTH - 1)}…`;
}
