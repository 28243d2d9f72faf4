/**
 * Checks options against the schema and fills in the defaults. Every problem is reported at
 * once, each naming the option the way the user wrote it (`directory.lookup_timeout_ms`), so
 * nothing starts half-configured. The command line's flags go through the same ajv instance
 * and wording (checkCommandLine.ts).
 */
import { Ajv, type AnySchema, type ValidateFunction } from "ajv";
import { isCountryCode } from "../core/caller/numbers.js";
import { nuisanceOptionProblems } from "../core/nuisance/nuisanceEntries.js";
import { describeProblems, OPTION_WORDING, type ProblemWording } from "./problems.js";
import { OPTIONS_SCHEMA, type Options } from "./schema.js";

export type OptionsResult = { ok: true; options: Options } | { ok: false; problems: string[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
const validateSchema = ajv.compile<Options>(OPTIONS_SCHEMA);

export function compileSchema<T>(schema: AnySchema): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** The schema's problems with `data`, which gets its defaults filled in on the way. */
export function schemaProblems(
  validate: ValidateFunction,
  data: unknown,
  wording: ProblemWording,
): string[] {
  return validate(data) ? [] : describeProblems(validate.errors ?? [], wording);
}

/** The options' problems by the schema alone; `data` gets its defaults filled in. */
export function optionSchemaProblems(data: unknown, wording: ProblemWording): string[] {
  return schemaProblems(validateSchema, data, wording);
}

export function validateOptions(input: unknown): OptionsResult {
  const options = structuredClone(input ?? {});
  const problems = optionSchemaProblems(options, OPTION_WORDING);
  problems.push(...crossChecks(options as Partial<Options>));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options: options as Options };
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
  if (typeof country === "string" && isCountryCode(country) && options.directory) {
    problems.push(...nuisanceOptionProblems(options.directory, country));
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
