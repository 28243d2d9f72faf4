/**
 * The data schemas of the services the add-on calls, for the Home Assistant stand-in
 * (fakeHomeAssistant.ts), as HA core registers them, so that a call HA would refuse is refused
 * here too and a test cannot pass on data a real Home Assistant rejects:
 *
 * - `assist_satellite.announce` (components/assist_satellite/__init__.py and services.yaml):
 *   an entity service, `message` and `media_id` strings, at least one of them; since 2025.4
 *   also `preannounce` (bool, default true) and `preannounce_media_id`. The service itself
 *   exists since 2024.10.
 * - `tts.speak` (components/tts/__init__.py): an entity service, `media_player_entity_id` and
 *   `message` required, `cache`, `language`, `options` optional.
 *
 * How HA answers a call whose data does not fit: ServiceRegistry.async_call merges the target
 * into the data and runs the service's voluptuous schema; websocket_api's handle_call_service
 * turns the vol.Invalid into a result with `success: false`, error code `invalid_format` and
 * str(err) as the message, e.g. "extra keys not allowed @ data['media_player_entity_id']". An
 * entity service's schema (cv.make_entity_service_schema) also takes the target's keys and
 * forbids every other key.
 *
 * Approximations: only the first problem is told (as str() of voluptuous' MultipleInvalid);
 * entity ids are not checked against the state machine; cv.string/cv.boolean coerce, modelled
 * as "a string or a number" and "a boolean or one of HA's boolean words".
 */

type FieldKind = "str" | "string" | "bool" | "boolean" | "entity_ids" | "ids" | "dict";

interface ServiceSchema {
  readonly required: Readonly<Record<string, FieldKind>>;
  readonly optional: Readonly<Record<string, FieldKind>>;
  /** vol.All(..., cv.has_at_least_one_key(...)) */
  readonly atLeastOne?: readonly string[];
}

/** cv.make_entity_service_schema: the target's keys are part of the data. */
const TARGET_FIELDS: Readonly<Record<string, FieldKind>> = {
  entity_id: "entity_ids",
  device_id: "ids",
  area_id: "ids",
  floor_id: "ids",
  label_id: "ids",
};

/** HA's version strings ("2025.4.0", "2024.10.1") as a comparable number. */
function versionNumber(version: string): number {
  const [year = 0, month = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
  return year * 100 + month;
}

/** The services of a Home Assistant of this version that have a schema here. */
export function serviceSchema(name: string, haVersion: string): ServiceSchema | null {
  const version = versionNumber(haVersion);
  switch (name) {
    case "assist_satellite.announce":
      if (version < 202410) return null;
      return {
        required: {},
        optional: {
          message: "str",
          media_id: "str",
          ...(version >= 202504 ? { preannounce: "bool", preannounce_media_id: "str" } : {}),
        },
        atLeastOne: ["message", "media_id"],
      };
    case "tts.speak":
      return {
        required: { media_player_entity_id: "entity_ids", message: "string" },
        optional: { cache: "boolean", language: "string", options: "dict" },
      };
    default:
      return null;
  }
}

/** Whether this version of Home Assistant has the service at all (assist_satellite: 2024.10). */
export function serviceExists(name: string, haVersion: string): boolean {
  return name !== "assist_satellite.announce" || serviceSchema(name, haVersion) !== null;
}

const BOOLEAN_WORDS = ["1", "true", "yes", "on", "enable", "0", "false", "no", "off", "disable"];
const ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

function fieldProblem(kind: FieldKind, key: string, value: unknown): string | null {
  const at = `for dictionary value @ data['${key}']`;
  switch (kind) {
    case "str":
      return typeof value === "string" ? null : `expected str ${at}`;
    case "string":
      return typeof value === "string" || typeof value === "number" ? null : `expected str ${at}`;
    case "bool":
      return typeof value === "boolean" ? null : `expected bool ${at}`;
    case "boolean":
      return typeof value === "boolean" ||
        typeof value === "number" ||
        (typeof value === "string" && BOOLEAN_WORDS.includes(value.toLowerCase()))
        ? null
        : `invalid boolean value ${JSON.stringify(value)} ${at}`;
    case "dict":
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? null
        : `expected dict ${at}`;
    case "ids": {
      const ids = Array.isArray(value) ? value : [value];
      return ids.every((id) => typeof id === "string") ? null : `expected str ${at}`;
    }
    case "entity_ids": {
      if (key === "entity_id" && ["all", "none"].includes(String(value).toLowerCase())) return null;
      const ids = typeof value === "string" ? value.split(",").map((id) => id.trim()) : value;
      if (!Array.isArray(ids)) return `Entity IDs should be a list ${at}`;
      const bad = ids.find((id) => typeof id !== "string" || !ENTITY_ID.test(id.toLowerCase()));
      return bad === undefined ? null : `Entity ID ${String(bad)} is an invalid entity ID ${at}`;
    }
  }
}

/**
 * What Home Assistant's schema says about a call's data and target: null when it fits, else
 * the message of the `invalid_format` error it answers with.
 */
export function serviceDataProblem(
  schema: ServiceSchema,
  data: Record<string, unknown> | undefined,
  target: Record<string, unknown> | undefined,
): string | null {
  const merged: Record<string, unknown> = { ...data, ...target };
  const known = { ...TARGET_FIELDS, ...schema.optional, ...schema.required };
  for (const [key, value] of Object.entries(merged)) {
    const kind = known[key];
    if (!kind) return `extra keys not allowed @ data['${key}']`;
    const problem = fieldProblem(kind, key, value);
    if (problem) return problem;
  }
  for (const key of Object.keys(schema.required)) {
    if (!(key in merged)) return `required key not provided @ data['${key}']`;
  }
  const wanted = schema.atLeastOne;
  if (wanted && !wanted.some((key) => key in merged))
    return `must contain at least one of ${wanted.join(", ")}.`;
  return null;
}
