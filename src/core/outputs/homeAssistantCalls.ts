/**
 * The Home Assistant service calls the add-on makes, as plain values: the spoken announcement
 * (`tts.speak` on a tts entity, or a legacy `tts.<platform>_say` service, to media players;
 * `assist_satellite.announce` to Assist satellites) and one logbook entry per call.
 */
import type { Language } from "../caller/cantons.js";
import type { Utterance } from "./announcer.js";
import type { CallReport } from "./callReport.js";

export interface ServiceCall {
  readonly domain: string;
  readonly service: string;
  readonly data?: Record<string, unknown>;
  readonly target?: { entity_id?: string | string[] };
}

export interface TtsSettings {
  /** `tts.speak` target, e.g. tts.google_translate_de_ch; or "" */
  readonly ttsEntity: string;
  /** A legacy say service, e.g. tts.cloud_say; or "" */
  readonly ttsService: string;
}

/** The call that says an utterance on its media players, or null when it has none or no tts. */
export function ttsServiceCall(
  utterance: Pick<Utterance, "text" | "mediaPlayers">,
  settings: TtsSettings,
): ServiceCall | null {
  const players = [...utterance.mediaPlayers];
  if (players.length === 0) return null;
  if (settings.ttsEntity) {
    return {
      domain: "tts",
      service: "speak",
      target: { entity_id: settings.ttsEntity },
      data: { media_player_entity_id: players, message: utterance.text, cache: true },
    };
  }
  if (settings.ttsService) {
    const [domain = "tts", service = ""] = settings.ttsService.split(".");
    return { domain, service, data: { entity_id: players, message: utterance.text, cache: true } };
  }
  return null;
}

/**
 * One `assist_satellite.announce` per satellite (HA 2024.10+), so that one busy or missing
 * satellite does not fail the others' call; each speaks with its own pipeline's voice.
 * `preannounce` (HA 2025.4+) defaults to true there: it is sent only to turn the chime off,
 * so that older versions, whose schema refuses the key, still announce.
 */
export function satelliteServiceCalls(
  utterance: Pick<Utterance, "text" | "satellites">,
  preannounce: boolean,
): ServiceCall[] {
  return utterance.satellites.map((satellite) => ({
    domain: "assist_satellite",
    service: "announce",
    target: { entity_id: satellite },
    data: preannounce ? { message: utterance.text } : { message: utterance.text, preannounce },
  }));
}

const LOGBOOK_TEXT: Readonly<Record<Language, Record<"missed" | "answered" | "outgoing", string>>> =
  {
    de: {
      missed: "Verpasster Anruf von {who}",
      answered: "Anruf von {who}, {duration} s",
      outgoing: "Anruf an {who}, {duration} s",
    },
    en: {
      missed: "Missed call from {who}",
      answered: "Call from {who}, {duration} s",
      outgoing: "Call to {who}, {duration} s",
    },
    fr: {
      missed: "Appel manqué de {who}",
      answered: "Appel de {who}, {duration} s",
      outgoing: "Appel vers {who}, {duration} s",
    },
    it: {
      missed: "Chiamata persa da {who}",
      answered: "Chiamata da {who}, {duration} s",
      outgoing: "Chiamata a {who}, {duration} s",
    },
  };
const WITHHELD: Readonly<Record<Language, string>> = {
  de: "unterdrückter Nummer",
  en: "a withheld number",
  fr: "un numéro masqué",
  it: "un numero nascosto",
};

/** The logbook entry for a finished call (missed or ended), or null for other events. */
export function logbookServiceCall(report: CallReport, lang: Language): ServiceCall | null {
  const { event, party } = report;
  if (event.type !== "missed" && event.type !== "ended") return null;
  const number = party.number.kind === "number" ? party.number.display : null;
  const who =
    party.name && number ? `${party.name} (${number})` : (party.name ?? number ?? WITHHELD[lang]);
  const kind =
    event.type === "missed" ? "missed" : event.direction === "outgoing" ? "outgoing" : "answered";
  const duration =
    event.answeredAt !== null && event.endedAt !== null
      ? Math.round((event.endedAt - event.answeredAt) / 1000)
      : 0;
  const message = LOGBOOK_TEXT[lang][kind]
    .replace("{who}", who)
    .replace("{duration}", String(duration));
  return {
    domain: "logbook",
    service: "log",
    data: { name: report.line.name, message, domain: "voip_callerid" },
  };
}
