/**
 * Checks options against the schema and fills in the defaults. Every problem is reported at
 * once, each naming the option the way the user wrote it (`directory.lookup_timeout_ms`), so
 * nothing starts half-configured.
 */
import { Ajv, type ErrorObject } from "ajv";
import { isCountryCode } from "../core/caller/numbers.js";
import { OPTIONS_SCHEMA, type Options } from "./schema.js";

export type OptionsResult = { ok: true; options: Options } | { ok: false; problems: string[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
const validate = ajv.compile(OPTIONS_SCHEMA);

/** What a value of each patterned option looks like, for the message when one does not. */
const EXPECTED_FORM: Readonly<Record<string, string>> = {
  "capture.adapter_mac": "a MAC address such as 00:90:f8:12:34:56",
  "directory.country": "two capital letters such as CH",
  "directory.search_ch_url": "a URL starting with https:// or http://",
  "announce.tts_entity": "a tts entity such as tts.google_translate_de_ch",
  "announce.tts_service": "a tts service such as tts.cloud_say",
  "announce.media_players": "a media player such as media_player.kitchen",
  "lines.media_players": "a media player such as media_player.kitchen",
  "announce.quiet_hours_start": "a time such as 22:00",
  "announce.quiet_hours_end": "a time such as 07:00",
  "mqtt.url": "a URL such as mqtt://192.168.1.10:1883",
  "homeassistant.url": "a URL such as http://192.168.1.10:8123",
};

export function validateOptions(input: unknown): OptionsResult {
  const options = structuredClone(input ?? {}) as Record<string, unknown>;
  const problems = validate(options) ? [] : (validate.errors ?? []).map(describe);
  problems.push(...crossChecks(options as unknown as Partial<Options>));
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, options: options as unknown as Options };
}

/** What the schema cannot say. Runs even when the schema found problems: all are reported. */
function crossChecks(options: Partial<Options>): string[] {
  const problems: string[] = [];
  const country = options.directory?.country;
  if (typeof country === "string" && /^[A-Z]{2}$/.test(country) && !isCountryCode(country)) {
    problems.push(
      `directory.country: "${country}" is not a country with a numbering plan (e.g. CH, DE, FR)`,
    );
  }
  const bridge = options.bridge;
  if (bridge?.enabled === true) {
    if (!bridge.external_interface || !bridge.internal_interface) {
      problems.push(
        "bridge: enabled, so external_interface and internal_interface must both be set",
      );
    } else if (bridge.external_interface === bridge.internal_interface) {
      problems.push(
        `bridge: external_interface and internal_interface must be two different ports (both are ${bridge.external_interface})`,
      );
    }
    if (!options.capture?.adapter_mac) {
      problems.push(
        "bridge: enabled, so capture.adapter_mac must be set: only the adapter's frames cross",
      );
    }
  }
  return problems;
}

function describe(error: ErrorObject): string {
  const path = error.instancePath.slice(1).replaceAll("/", ".");
  const where = path || "options";
  switch (error.keyword) {
    case "additionalProperties":
      return `${path ? `${path}.` : ""}${String(error.params.additionalProperty)}: unknown option`;
    case "enum":
      return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "pattern": {
      const form = EXPECTED_FORM[path.replace(/\.\d+/g, "")] ?? "the documented form";
      return `${where}: ${JSON.stringify(error.data)} is not ${form}`;
    }
    default:
      return `${where}: ${error.message ?? "is invalid"}`;
  }
}
