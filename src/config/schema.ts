/**
 * Every option of the add-on, in one JSON schema: names, types, bounds and defaults live here
 * and nowhere else. The names are the contract users write in the add-on's options (and in
 * `--config FILE`), taken from the architecture. The `Options` type is derived from it, and
 * config.yaml's `options:` and `schema:` are generated from it (`npm run gen:config`).
 * `writeOnly` marks a secret: the Supervisor's UI shows it as a password field.
 */
import type { FromSchema } from "json-schema-to-ts";
import { DEFAULT_MGCP_PORTS, DEFAULT_SIP_PORTS } from "../core/wellKnownPorts.js";

const port = { type: "integer", minimum: 1, maximum: 65535 } as const;
const text = (defaultValue: string, description: string) =>
  ({ type: "string", default: defaultValue, description }) as const;
const secret = (description: string) =>
  ({ type: "string", default: "", writeOnly: true, description }) as const;
const TIME_OF_DAY = "^$|^([01][0-9]|2[0-3]):[0-5][0-9]$";
/** A list of Home Assistant entity ids of one domain (media_player, assist_satellite). */
const entityIds = (domain: string) =>
  ({
    type: "array",
    items: { type: "string", pattern: `^${domain}\\.[a-z0-9_]+$` },
    default: [],
  }) as const;

const LANGUAGES = ["de", "en", "fr", "it"] as const;

export const OPTIONS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    capture: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        interface: {
          type: "string",
          minLength: 1,
          default: "eth0",
          description: 'network interface that sees the adapter\'s signalling ("any" for all)',
        },
        adapter_mac: {
          type: "string",
          default: "",
          // One separator throughout, as parseMac reads it.
          pattern: "^$|^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$",
          description: "only frames to or from this MAC, e.g. 00:90:f8:12:34:56",
        },
        protocols: {
          type: "array",
          items: { enum: ["mgcp", "sip"] },
          uniqueItems: true,
          minItems: 1,
          default: ["mgcp", "sip"],
        },
        mgcp_ports: { type: "array", items: port, minItems: 1, default: [...DEFAULT_MGCP_PORTS] },
        sip_ports: { type: "array", items: port, minItems: 1, default: [...DEFAULT_SIP_PORTS] },
        adapter_addresses: {
          type: "array",
          items: { type: "string", pattern: "^[0-9A-Fa-f:.]+$" },
          default: [],
          description: "SIP: the adapters' and phones' IP addresses; INVITEs to them are incoming",
        },
      },
    },
    bridge: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: "boolean", default: false },
        external_interface: text("", "interface towards the ISP"),
        internal_interface: text("", "interface towards the adapter"),
        rewrite_dhcp_destination: { type: "boolean", default: true },
        protect_host: { type: "boolean", default: true },
      },
    },
    lines: {
      type: "array",
      default: [],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id"],
        properties: {
          id: { type: "string", minLength: 1, description: 'endpoint ("aaln/1@*") or own number' },
          name: { type: "string", default: "" },
          media_players: entityIds("media_player"),
          satellites: entityIds("assist_satellite"),
        },
      },
    },
    directory: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        country: { type: "string", pattern: "^[A-Z]{2}$", default: "CH" },
        phonebook: {
          type: "array",
          default: [],
          items: {
            type: "object",
            additionalProperties: false,
            required: ["number", "name"],
            properties: {
              number: { type: "string", minLength: 1 },
              name: { type: "string", minLength: 1 },
            },
          },
        },
        phonebook_files: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
        nuisance: {
          type: "array",
          default: [],
          items: {
            type: "object",
            additionalProperties: false,
            required: ["number"],
            properties: {
              number: {
                type: "string",
                minLength: 1,
                description: "number, or prefix ending in *",
              },
              label: { type: "string", default: "" },
            },
          },
        },
        nuisance_files: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
        allow: {
          type: "array",
          items: { type: "string", minLength: 1 },
          default: [],
          description: "numbers or prefixes never flagged as nuisance",
        },
        tellows_key: secret("tellows partner API key; empty = tellows is not asked"),
        tellows_partner: text("", "tellows partner name, with the key"),
        tellows_min_score: { type: "integer", minimum: 1, maximum: 9, default: 7 },
        tellows_url: {
          type: "string",
          pattern: "^https?://",
          default: "https://www.tellows.de/basic/num/",
        },
        online_lookup: { type: "boolean", default: true },
        search_ch_key: secret("search.ch API key (optional: without one, only names come back)"),
        search_ch_url: {
          type: "string",
          pattern: "^https?://",
          default: "https://search.ch/tel/api/",
        },
        lookup_timeout_ms: { type: "integer", minimum: 100, maximum: 10_000, default: 1500 },
        cache_days_hit: { type: "integer", minimum: 0, maximum: 3650, default: 90 },
        cache_days_miss: { type: "integer", minimum: 0, maximum: 3650, default: 7 },
        monthly_quota: { type: "integer", minimum: 0, maximum: 1_000_000, default: 1000 },
      },
    },
    announce: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: "boolean", default: true },
        tts_entity: { type: "string", pattern: "^$|^tts\\.[a-z0-9_]+$", default: "" },
        tts_service: { type: "string", pattern: "^$|^tts\\.[a-z0-9_]+$", default: "" },
        media_players: entityIds("media_player"),
        satellites: entityIds("assist_satellite"),
        preannounce: { type: "boolean", default: true },
        language: { enum: LANGUAGES, default: "de" },
        repeat: { type: "integer", minimum: 1, maximum: 10, default: 2 },
        repeat_delay_s: { type: "number", minimum: 0, maximum: 60, default: 3 },
        quiet_hours_start: { type: "string", pattern: TIME_OF_DAY, default: "" },
        quiet_hours_end: { type: "string", pattern: TIME_OF_DAY, default: "" },
        known_callers_only: { type: "boolean", default: false },
        command: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
        template_known: text("", "empty = the built-in text for the language"),
        template_directory: text("", "empty = the built-in text for the language"),
        template_unknown: text("", "empty = the built-in text for the language"),
        template_anonymous: text("", "empty = the built-in text for the language"),
        template_unavailable: text("", "empty = the built-in text for the language"),
        template_unreachable: text("", "empty = the built-in text for the language"),
        nuisance: { enum: ["warn", "silent", "normal"], default: "warn" },
        template_nuisance: text("", "empty = the built-in warning for the language"),
      },
    },
    mqtt: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: "string", pattern: "^$|^mqtts?://", default: "" },
        username: text("", "empty = from the Supervisor"),
        password: secret("empty = from the Supervisor"),
        discovery_prefix: { type: "string", minLength: 1, default: "homeassistant" },
        base_topic: { type: "string", minLength: 1, default: "voip_callerid" },
      },
    },
    homeassistant: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: "string", pattern: "^$|^https?://", default: "" },
        token: secret("empty = SUPERVISOR_TOKEN"),
      },
    },
    panel: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: "boolean", default: true },
        port: { ...port, default: 8099, description: "outside the Supervisor only" },
      },
    },
    data_dir: {
      type: "string",
      minLength: 1,
      default: "/data",
      description: "call log, directory cache and state",
    },
    call_log_days: {
      type: "integer",
      minimum: 1,
      maximum: 3650,
      default: 365,
      description: "calls older than this are deleted from the call log",
    },
    log_level: { enum: ["debug", "info", "warning", "error"], default: "info" },
  },
} as const;

/**
 * Options after validation, with every default filled in: derived from the schema, so a new
 * option is one edit. A property with a default counts as present, as ajv's useDefaults makes it.
 */
export type Options = FromSchema<typeof OPTIONS_SCHEMA>;

/** The parts of a schema node that carry defaults. */
interface DefaultsNode {
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, DefaultsNode>>;
}

/**
 * What ajv's useDefaults makes of an empty input: each property's default, and inside an object
 * whose default is `{}` its own properties' defaults. For the commands that have nothing to
 * check, so they need not load ajv (test/unit/config keeps the two equal).
 */
export function schemaDefaults(node: DefaultsNode): unknown {
  if (node.properties === undefined) return structuredClone(node.default);
  const filled: Record<string, unknown> = { ...(node.default as object | undefined) };
  for (const [key, child] of Object.entries(node.properties)) {
    if (child.default !== undefined) filled[key] = schemaDefaults(child);
  }
  return filled;
}
