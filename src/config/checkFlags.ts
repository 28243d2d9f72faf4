/**
 * The flags' values through the option schema's ajv: the options they set, and the commands'
 * own settings. Only the schema is checked here; what spans several options (a bridge's two
 * different interfaces) the command checks where it acts, with the exit code of a failed start.
 */
import type { CheckedCommandLine, CommandLineInput, FlagSettings } from "./commandLine.js";
import { FLAG_SETTINGS_SCHEMA } from "./commandLine.js";
import type { ProblemWording } from "./problems.js";
import { OPTIONS_SCHEMA, type Options } from "./schema.js";
import { compileSchema, optionSchemaProblems, schemaProblems } from "./validateOptions.js";

const validateSettings = compileSchema<FlagSettings>(FLAG_SETTINGS_SCHEMA);

/** The parts of a schema node that say what a typed text is. */
interface SchemaNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly items?: SchemaNode;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

export function checkFlags(input: CommandLineInput): CheckedCommandLine {
  const givenOptions: Record<string, unknown> = {};
  for (const [path, text] of Object.entries(input.options)) setPath(givenOptions, path, text);
  const options = withNumbers(OPTIONS_SCHEMA, structuredClone(givenOptions));
  const settings = withNumbers(FLAG_SETTINGS_SCHEMA, { ...input.settings });
  const problems = [
    ...optionSchemaProblems(options, flagWording(givenOptions, input.flagOf)),
    ...schemaProblems(validateSettings, settings, flagWording(input.settings, {}, true)),
  ];
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, options: options as Options, settings: settings as FlagSettings };
}

/** Problems name the flag, and show the text as it was typed. */
function flagWording(
  given: Readonly<Record<string, unknown>>,
  flagOf: Readonly<Record<string, string>>,
  pathIsFlag = false,
): ProblemWording {
  return {
    name: (path) => {
      const option = path.replace(/\.\d+/g, "");
      return pathIsFlag ? `--${option}` : (flagOf[option] ?? option);
    },
    given: (path) =>
      path
        .split(".")
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], given),
  };
}

function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() as string;
  let node = tree;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
}

/** A decimal number as a user types it; anything else stays text, for ajv to refuse. */
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** Texts where the schema wants numbers become numbers. */
function withNumbers(node: SchemaNode, value: unknown): unknown {
  if (typeof value === "string" && (node.type === "integer" || node.type === "number")) {
    return NUMBER.test(value) ? Number(value) : value;
  }
  if (Array.isArray(value) && node.items)
    return value.map((item) => withNumbers(node.items as SchemaNode, item));
  if (typeof value === "object" && value !== null && node.properties) {
    const properties = node.properties;
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        properties[key] ? withNumbers(properties[key], child) : child,
      ]),
    );
  }
  return value;
}
