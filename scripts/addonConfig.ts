/**
 * config.yaml's `options:` and `schema:` from the one option schema (src/config/schema.ts).
 * The Supervisor's grammar is RE_SCHEMA_ELEMENT of supervisor/apps/options.py: bool, int(min,max),
 * float(min,max), port, str, password, match(regex), list(a|b), each with `?` when optional.
 * Only these two blocks are rewritten; every other key and comment of config.yaml stays as it is.
 */
import { stringify } from "yaml";
import { OPTIONS_SCHEMA } from "../src/config/schema.js";
import { validateOptions } from "../src/config/validateOptions.js";

/** The parts of a JSON schema node the Supervisor's grammar can say. */
export interface JsonNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonNode>>;
  readonly items?: JsonNode;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly writeOnly?: boolean;
  readonly default?: unknown;
}

/** Keywords of a leaf that the mapping reads or that mean nothing to the Supervisor. */
const LEAF_KEYWORDS = new Set([
  ...["type", "enum", "pattern", "minLength", "minimum", "maximum", "writeOnly"],
  ...["default", "description"],
]);

/** `minLength: 1` as a match: Supervisors before PR #7044 (2026-07) refuse every bounded `str`. */
const NON_EMPTY = "^.+$";

/** The Supervisor's type string for a JSON schema leaf; throws for what it cannot say. */
export function supervisorType(node: JsonNode, optional: boolean, path = "options"): string {
  const unsupported = Object.keys(node).filter((key) => !LEAF_KEYWORDS.has(key));
  const fail = (why: string) => new Error(`${path}: no Supervisor type for ${why}`);
  if (unsupported.length > 0) throw fail(unsupported.join(", "));
  const bounds =
    node.minimum === undefined && node.maximum === undefined
      ? ""
      : `(${node.minimum ?? ""},${node.maximum ?? ""})`;
  let type: string;
  if (node.enum !== undefined) type = `list(${node.enum.join("|")})`;
  else if (node.type === "boolean") type = "bool";
  else if (node.type === "integer")
    type = node.minimum === 1 && node.maximum === 65535 ? "port" : `int${bounds}`;
  else if (node.type === "number") type = `float${bounds}`;
  else if (node.type !== "string") throw fail(`type ${String(node.type)}`);
  else if (node.pattern !== undefined && node.minLength !== undefined)
    throw fail("both a pattern and a minLength");
  else if (node.writeOnly) {
    if (node.pattern !== undefined || node.minLength !== undefined)
      throw fail("a secret with a form");
    type = "password";
  } else if (node.pattern !== undefined) type = `match(${node.pattern})`;
  else if (node.minLength === 1) type = `match(${NON_EMPTY})`;
  else if (node.minLength === undefined) type = "str";
  else throw fail(`minLength ${node.minLength}`);
  return optional ? `${type}?` : type;
}

/**
 * The `schema:` tree. A string whose default is "" is optional (`?`), so that a field cleared
 * in the UI (which drops the key) is accepted and the add-on fills in "". A list's items are
 * optional unless the list needs an entry (minItems); a list holds no list.
 */
export function supervisorSchema(node: JsonNode, optional = false, path = "options"): unknown {
  if (node.properties !== undefined) {
    return Object.fromEntries(
      Object.entries(node.properties).map(([key, child]) => [
        key,
        supervisorSchema(child, child.default === "", `${path}.${key}`),
      ]),
    );
  }
  if (node.type === "array") {
    if (node.items === undefined || node.items.type === "array")
      throw new Error(`${path}: a list needs one element type, and not a list`);
    return [supervisorSchema(node.items, node.minItems === undefined, `${path}[]`)];
  }
  return supervisorType(node, optional, path);
}

/** The defaults, exactly as validation fills them in. */
export function addonDefaults(): unknown {
  const defaults = validateOptions({});
  if (!defaults.ok)
    throw new Error(`the schema's defaults fail it: ${defaults.problems.join("; ")}`);
  return defaults.options;
}

/**
 * `text` with the top-level block `key:` replaced by `block` (which starts with `key:`), or
 * `block` appended when there is none. A block runs to the next line at column 0 (a key or a
 * comment, which belongs to what follows it); blank lines before that stay outside it.
 */
export function replaceBlock(text: string, key: string, block: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`${key}:`));
  const blockLines = block.replace(/\n$/, "").split("\n");
  if (start === -1) return `${text.replace(/\n*$/, "\n")}${blockLines.join("\n")}\n`;
  let end = start + 1;
  while (end < lines.length && (lines[end] === "" || /^\s/.test(lines[end] as string))) end++;
  while (end > start + 1 && lines[end - 1] === "") end--;
  return [...lines.slice(0, start), ...blockLines, ...lines.slice(end)].join("\n");
}

/** config.yaml as it should be: `current` with `options:` and `schema:` generated. */
export function generateAddonConfig(current: string): string {
  const options = stringify({ options: addonDefaults() }, { lineWidth: 0 });
  // Type strings quoted: regexes read the same to every YAML parser, the Supervisor's included.
  const schema = stringify(
    { schema: supervisorSchema(OPTIONS_SCHEMA) },
    { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" },
  );
  return replaceBlock(replaceBlock(current, "options", options), "schema", schema);
}
