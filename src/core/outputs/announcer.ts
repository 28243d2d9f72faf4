/**
 * When to say who is calling — the policy, apart from how it is said (HA's tts, a local
 * command). Pure: reports and times in, utterances out.
 *
 *   - once per call, however often the signalling repeats (one queue entry per call id);
 *   - `repeat` times, `repeat_delay_s` apart (the seed said everything twice);
 *   - repeating stops when the call is answered, missed or ends;
 *   - never during quiet hours; only phonebook callers when `known_callers_only` (a caller on
 *     a nuisance list never counts as known); not on a line whose announcements switch is off;
 *   - a caller on a nuisance list is warned about (`warn`: the warning sentence with the
 *     list's label), not announced at all (`silent`) or announced as anyone else (`normal`);
 *   - to the line's own speakers and Assist satellites when it names any, else to the
 *     announce options' (a line routed to the office is not also said in the kitchen);
 *   - one call's announcement never talks over another's: utterances are spaced by their
 *     estimated speaking time plus the delay;
 *   - an utterance that could not be said within 30 s of the ring is dropped (HA was down):
 *     by then it would announce a call that is long answered or gone.
 */
import { buildNuisanceWarning } from "../caller/announcement.js";
import type { Language } from "../caller/cantons.js";
import { localMinutesOfDay } from "../time/zonedTime.js";
import type { CallReport } from "./callReport.js";

/** What a call from a number on a nuisance list gets: a warning, nothing, or the usual. */
export type NuisanceMode = "warn" | "silent" | "normal";

/** Where announcements go when a line names none of its own. */
export interface AnnounceTargets {
  readonly mediaPlayers: readonly string[];
  /** assist_satellite entities, each told through assist_satellite.announce. */
  readonly satellites: readonly string[];
}

export interface AnnouncerSettings {
  readonly repeat: number;
  readonly repeatDelayMs: number;
  /** "HH:MM" or "" for none; the window may wrap midnight ("22:00"–"07:00"). */
  readonly quietHoursStart: string;
  readonly quietHoursEnd: string;
  readonly knownCallersOnly: boolean;
  /** The IANA zone the quiet hours are meant in (the household's, e.g. "Europe/Zurich"). */
  readonly timeZone: string;
  readonly nuisance: NuisanceMode;
  readonly language: Language;
  /** The user's warning template, or "" for the language's. */
  readonly nuisanceTemplate: string;
  readonly targets: AnnounceTargets;
  /** Satellites play a chime first (`announce.preannounce`): it lengthens each utterance. */
  readonly preannounce: boolean;
}

export interface Utterance {
  readonly callId: string;
  readonly line: string;
  readonly text: string;
  /** Where it is said: the line's own speakers and satellites, or the announce options'. */
  readonly mediaPlayers: readonly string[];
  readonly satellites: readonly string[];
  /** 1 for the first time, 2 for the first repeat, … */
  readonly round: number;
  /** After this the utterance is useless: a sender drops it instead of saying it late. */
  readonly notAfter: number;
}

export type SkipReason =
  | "quiet-hours"
  | "unknown-caller"
  | "switched-off"
  | "not-incoming"
  | "nuisance-silent";

/** Announcements older than this are not said any more. */
export const STALE_AFTER_MS = 30_000;
/** About how long a satellite's pre-announce sound plays before the sentence (an estimate). */
const PREANNOUNCE_MS = 1500;

interface Pending {
  readonly utterance: Omit<Utterance, "round">;
  readonly rounds: number;
  nextRound: number;
  dueAt: number;
}

export class AnnouncementQueue {
  readonly #pending: Pending[] = [];
  readonly #seen = new Set<string>();
  /** The channel (speakers) is busy until this time with what was last handed out. */
  #busyUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: AnnouncerSettings) {}

  /**
   * Takes a call's event. A first `ringing` of an incoming call is queued (or skipped, with the
   * reason); any later event of the call ends its repeats.
   */
  onCall(
    report: CallReport,
    enabledForLine: boolean,
    now: number,
  ): SkipReason | "queued" | "stopped" | null {
    const { event } = report;
    if (event.type !== "ringing") {
      const before = this.#pending.length;
      this.#remove(event.callId);
      return before !== this.#pending.length ? "stopped" : null;
    }
    if (this.#seen.has(event.callId)) return null;
    this.#seen.add(event.callId);
    if (this.#seen.size > 1000) this.#seen.delete(this.#seen.values().next().value as string);
    if (event.direction !== "incoming") return "not-incoming";
    if (!enabledForLine) return "switched-off";
    const flagged = report.nuisance?.flagged === true;
    if (flagged && this.settings.nuisance === "silent") return "nuisance-silent";
    if (this.settings.knownCallersOnly && (flagged || report.party.source !== "phonebook"))
      return "unknown-caller";
    if (this.#isQuiet(now)) return "quiet-hours";
    this.#pending.push({
      utterance: {
        callId: event.callId,
        line: event.line,
        text: spokenSentence(report, this.settings) ?? report.party.announcement,
        ...this.#targets(report),
        notAfter: event.startedAt + STALE_AFTER_MS,
      },
      rounds: Math.max(1, this.settings.repeat),
      nextRound: 1,
      dueAt: now,
    });
    return "queued";
  }

  /** Utterances to say now, in order; the rest wait for `nextWakeAt`. */
  due(now: number): Utterance[] {
    const out: Utterance[] = [];
    for (;;) {
      const next = this.#next();
      if (!next) break;
      const startAt = Math.max(next.dueAt, this.#busyUntil);
      if (startAt > now) break;
      if (now > next.utterance.notAfter) {
        this.#remove(next.utterance.callId);
        continue;
      }
      out.push({ ...next.utterance, round: next.nextRound });
      this.#busyUntil = now + this.#lengthMs(next.utterance);
      next.nextRound++;
      next.dueAt = this.#busyUntil + this.settings.repeatDelayMs;
      if (next.nextRound > next.rounds) this.#remove(next.utterance.callId);
    }
    return out;
  }

  /** When `due` will next have something, or null when nothing waits. */
  nextWakeAt(): number | null {
    const next = this.#next();
    return next ? Math.max(next.dueAt, this.#busyUntil) : null;
  }

  get size(): number {
    return this.#pending.length;
  }

  /** The waiting entry to serve first: the earliest due, the oldest call on a tie. */
  #next(): Pending | undefined {
    let best: Pending | undefined;
    for (const entry of this.#pending) if (!best || entry.dueAt < best.dueAt) best = entry;
    return best;
  }

  #remove(callId: string): void {
    const index = this.#pending.findIndex((p) => p.utterance.callId === callId);
    if (index !== -1) this.#pending.splice(index, 1);
  }

  #targets(report: CallReport): AnnounceTargets {
    const own = {
      mediaPlayers: report.line.mediaPlayers,
      satellites: report.line.satellites ?? [],
    };
    return own.mediaPlayers.length > 0 || own.satellites.length > 0 ? own : this.settings.targets;
  }

  #lengthMs(utterance: Omit<Utterance, "round">): number {
    const chime = this.settings.preannounce && utterance.satellites.length > 0;
    return speakingTimeMs(utterance.text) + (chime ? PREANNOUNCE_MS : 0);
  }

  #isQuiet(now: number): boolean {
    const start = parseTime(this.settings.quietHoursStart);
    const end = parseTime(this.settings.quietHoursEnd);
    if (start === null || end === null || start === end) return false;
    const minute = localMinutesOfDay(now, this.settings.timeZone);
    return start < end ? minute >= start && minute < end : minute >= start || minute < end;
  }
}

/** How a call from a number on a nuisance list is said: the announcer's settings for it. */
export type NuisanceWording = Pick<AnnouncerSettings, "nuisance" | "language" | "nuisanceTemplate">;

/**
 * The sentence said for an incoming call: the warning for a caller on a nuisance list (with
 * `warn`), null when nothing is said for it (`silent`), else the caller's announcement. For
 * whoever shows what was said (the event's `spoken`, the call log) as well as the announcer.
 */
export function spokenSentence(
  report: Pick<CallReport, "party" | "nuisance">,
  wording: NuisanceWording,
): string | null {
  const { party, nuisance } = report;
  if (nuisance?.flagged !== true || wording.nuisance === "normal") return party.announcement;
  if (wording.nuisance === "silent") return null;
  return buildNuisanceWarning(
    { label: nuisance.label, number: party.number, name: party.name },
    wording.language,
    wording.nuisanceTemplate,
  );
}

/**
 * How long text to speech takes to say a sentence: about 14 characters a second plus a
 * second for the player to start. Only used to keep announcements from overlapping.
 */
export function speakingTimeMs(text: string): number {
  return 1000 + Math.round((text.length / 14) * 1000);
}

function parseTime(text: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}
