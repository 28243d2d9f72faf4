/**
 * The command line's side of the options: flags that set an option (`--mgcp-port` sets
 * `capture.mgcp_ports`) and the few settings that only a command has (`--ring-timeout`), both
 * checked by the option schema's ajv and worded like option problems, naming the flag.
 * Loads ajv only when a flag was given: `replay FILE` starts as fast as before.
 */
import type { FromSchema } from "json-schema-to-ts";
import { OPTIONS_SCHEMA, type Options, schemaDefaults } from "./schema.js";

/** The commands' own settings, by flag name. */
export const FLAG_SETTINGS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    "ring-timeout": { type: "number", minimum: 1, maximum: 3600, default: 180 },
    speed: { type: "number", minimum: 0, maximum: 10_000, default: 1 },
    limit: { type: "integer", minimum: 1, maximum: 100_000, default: 20 },
    "status-interval": { type: "number", minimum: 0.1, maximum: 86_400, default: 60 },
  },
} as const;

export type FlagSettings = FromSchema<typeof FLAG_SETTINGS_SCHEMA>;

/** A flag's value as typed: text, repeated text, or a switch. */
export type FlagText = string | readonly string[] | boolean;

/** What the flags of one command say, before checking. */
export interface CommandLineInput {
  /** By option path (`capture.mgcp_ports`); a number is still the text typed. */
  readonly options: Readonly<Record<string, FlagText>>;
  /** By flag name (`ring-timeout`), as typed. */
  readonly settings: Readonly<Record<string, string>>;
  /** The flag, with its dashes, that set each option path: problems name it. */
  readonly flagOf: Readonly<Record<string, string>>;
}

export type CheckedCommandLine =
  | { ok: true; options: Options; settings: FlagSettings }
  | { ok: false; problems: string[] };

/** The options and settings the flags give, every default filled in, or every problem. */
export async function checkCommandLine(input: CommandLineInput): Promise<CheckedCommandLine> {
  if (Object.keys(input.options).length === 0 && Object.keys(input.settings).length === 0) {
    return {
      ok: true,
      options: schemaDefaults(OPTIONS_SCHEMA) as Options,
      settings: schemaDefaults(FLAG_SETTINGS_SCHEMA) as FlagSettings,
    };
  }
  const { checkFlags } = await import("./checkFlags.js");
  return checkFlags(input);
}
