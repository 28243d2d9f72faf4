/** How times, durations and routes look in the panel: pure, so the unit tests read them. */
import type { Call } from "./api.js";
import type { Translate } from "./i18n/index.js";

/** The performance mark Calls sets when its first rows are on screen (read by bench:panel). */
export const RENDERED_MARK = "vci-calls-rendered";

export type Route = "now" | "calls" | "phonebook" | "try";
export const ROUTES: readonly Route[] = ["now", "calls", "phonebook", "try"];

/** `#/calls` → "calls"; anything else (no hash, an old or mistyped one) → "now". */
export function routeOf(hash: string): Route {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : "now";
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Today's calls show only their time; older ones their date too. */
export function formatCallTime(iso: string, language: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const sameDay = at.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { day: "2-digit", month: "2-digit", year: "2-digit", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(language, options).format(at);
}

/** Whether the household missed it: an incoming call that ended unanswered. */
export function isMissed(call: Call): boolean {
  if (call.outcome === "missed") return true;
  return call.direction === "incoming" && !call.answered && call.outcome === "ended";
}

/** What happened to the call: still going on, answered with its talk time, or missed. */
export function callOutcome(call: Call, t: Translate): string {
  if (call.outcome === "ringing") return t("state.ringing");
  if (call.outcome === "outgoing") return t("state.dialing");
  if (call.outcome === "answered") return t("state.talking");
  if (call.answered)
    return call.duration_s === null
      ? t("calls.answered")
      : `${t("calls.answered")} · ${formatDuration(call.duration_s)}`;
  if (isMissed(call)) return t("calls.missed");
  return t("calls.notAnswered");
}

/** Who called, as the household reads it: the name, else the number, else why there is none. */
export function callerTitle(call: Call, t: Translate): string {
  if (call.name) return call.name;
  if (call.number_display || call.number) return call.number_display ?? call.number ?? "";
  return call.anonymous ? t("calls.withheld") : t("calls.unknown");
}

/** A word the server sends, in the household's language when the panel knows it. */
export function known(prefix: string, word: string, t: Translate): string {
  const key = `${prefix}.${word}` as Parameters<Translate>[0];
  const text = t(key);
  return text === key ? word : text;
}

/** A name's source in the household's words ("phonebook", "search.ch", …). */
export function sourceLabel(source: string | null, t: Translate): string {
  return source === null ? "" : known("source", source, t);
}
