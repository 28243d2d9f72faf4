/**
 * One wording for every problem ajv finds, whether in the options or on the command line:
 * `NAME: what is wrong`, NAME being the option as the user wrote it (`directory.country`) or
 * the flag (`--mgcp-port`), with the value that was given.
 */
import type { ErrorObject } from "ajv";

/** How the problems of one check name things and show what was given. */
export interface ProblemWording {
  /** The option or flag at a dotted path (`capture.mgcp_ports.0`). */
  readonly name: (path: string) => string;
  /** The value as the user gave it at that path (flags: the text typed). */
  readonly given: (path: string, validated: unknown) => unknown;
}

export const OPTION_WORDING: ProblemWording = {
  name: (path) => path || "options",
  given: (_path, validated) => validated,
};

/** What a value looks like, by option or flag without list indexes, for the messages. */
const FORMS: Readonly<Record<string, string>> = {
  "capture.adapter_mac": "a MAC address such as 00:90:f8:12:34:56",
  "capture.adapter_addresses": "an IP address such as 192.168.1.20",
  "capture.mgcp_ports": "a port",
  "capture.sip_ports": "a port",
  "directory.country": "two capital letters such as CH",
  "directory.search_ch_url": "a URL starting with https:// or http://",
  "directory.tellows_url": "a URL starting with https:// or http://",
  "directory.tellows_min_score": "a tellows score",
  "directory.lookup_timeout_ms": "a number of milliseconds",
  "directory.cache_days_hit": "a number of days",
  "directory.cache_days_miss": "a number of days",
  call_log_days: "a number of days",
  "announce.tts_entity": "a tts entity such as tts.google_translate_de_ch",
  "announce.tts_service": "a tts service such as tts.cloud_say",
  "announce.media_players": "a media player such as media_player.kitchen",
  "lines.media_players": "a media player such as media_player.kitchen",
  "announce.satellites": "an Assist satellite such as assist_satellite.kitchen",
  "lines.satellites": "an Assist satellite such as assist_satellite.kitchen",
  "announce.quiet_hours_start": "a time such as 22:00",
  "announce.quiet_hours_end": "a time such as 07:00",
  "announce.repeat_delay_s": "a number of seconds",
  "mqtt.url": "a URL such as mqtt://192.168.1.10:1883",
  "homeassistant.url": "a URL such as http://192.168.1.10:8123",
  "ring-timeout": "a number of seconds",
  "status-interval": "a number of seconds",
};

/** The problems of one failed check, in ajv's order, each said once. */
export function describeProblems(
  errors: readonly ErrorObject[],
  wording: ProblemWording,
): string[] {
  return [...new Set(errors.map((error) => describeProblem(error, wording)))];
}

function describeProblem(error: ErrorObject, wording: ProblemWording): string {
  const path = error.instancePath.slice(1).replaceAll("/", ".");
  const name = wording.name(path);
  const given = () => JSON.stringify(wording.given(path, error.data));
  const form = FORMS[path.replace(/\.\d+/g, "")];
  const node = error.parentSchema as { type?: string; minimum?: number; maximum?: number };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      return `${wording.name(path ? `${path}.${key}` : key)}: unknown option`;
    }
    case "enum":
      return `${name}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "pattern":
      return `${name}: ${given()} is not ${form ?? "the documented form"}`;
    case "type":
    case "minimum":
    case "maximum":
      if (node.minimum !== undefined && node.maximum !== undefined) {
        const kind = form ?? (node.type === "integer" ? "a whole number" : "a number");
        return `${name}: must be ${kind} from ${node.minimum} to ${node.maximum}, got ${given()}`;
      }
      return `${name}: ${error.message ?? "is invalid"}`;
    default:
      return `${name}: ${error.message ?? "is invalid"}`;
  }
}
