/**
 * One call event with everything the outputs tell about it: the line's label and speakers,
 * and who the caller is. Every output — Home Assistant's event, the MQTT entities, the spoken
 * announcement, the call log, the console — is built from this one value.
 */
import type { CallerResolution } from "../caller/resolveCaller.js";
import type { CallEvent } from "../calls/callEvent.js";
import type { NuisanceVerdict } from "../nuisance/verdict.js";

export interface LineSettings {
  /** The user's label for the line ("Home"); the endpoint when none is configured. */
  readonly name: string;
  /** Speakers for this line's announcements; empty = the announce.media_players default. */
  readonly mediaPlayers: readonly string[];
  /**
   * Assist satellites for this line's announcements. A line naming speakers or satellites is
   * announced only there; naming neither, on the announce options' speakers and satellites.
   */
  readonly satellites?: readonly string[];
}

export interface CallReport {
  readonly event: CallEvent;
  readonly line: LineSettings;
  /** The other party: the caller (incoming) or the dialled number (outgoing). */
  readonly party: CallerResolution;
  /** Whether the other party is on a nuisance list; absent = not flagged. */
  readonly nuisance?: NuisanceVerdict;
  /**
   * What is said for an incoming call when it differs from the party's announcement: the
   * warning for a flagged caller, null when nothing is said for it (`announce.nuisance:
   * silent`). Absent = the party's announcement.
   */
  readonly spoken?: string | null;
}

/**
 * The event data of `voip_callerid_call`, the contract automations are written against
 * (architecture: "Home Assistant events"). Times are ISO 8601; the number is E.164 when it
 * could be normalised, else as received.
 */
export function callEventData(report: CallReport): Record<string, unknown> {
  const { event, party } = report;
  const number = party.number.kind === "number" ? party.number : null;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const ended = event.endedAt;
  return {
    type: event.type,
    line: event.line,
    line_name: report.line.name,
    direction: event.direction,
    number: number ? (number.e164 ?? number.key) : event.number,
    number_display: number?.display ?? null,
    anonymous: event.anonymous,
    name: party.name,
    name_source: party.source,
    occupation: party.occupation,
    city: party.city,
    canton: party.canton,
    nuisance: report.nuisance?.flagged ?? false,
    nuisance_label: report.nuisance?.label ?? null,
    nuisance_source: report.nuisance?.source ?? null,
    nuisance_score: report.nuisance?.score ?? null,
    spoken:
      event.direction !== "incoming"
        ? null
        : report.spoken !== undefined
          ? report.spoken
          : party.announcement,
    call_id: event.callId,
    started_at: iso(event.startedAt),
    answered_at: iso(event.answeredAt),
    ended_at: iso(ended),
    duration_s:
      ended !== null && event.answeredAt !== null
        ? Math.round((ended - event.answeredAt) / 1000)
        : null,
  };
}
