/**
 * config.yaml's `options:` and `schema:` are generated from the one option schema
 * (scripts/addonConfig.ts): the file must be current, and the mapping onto the Supervisor's
 * types (RE_SCHEMA_ELEMENT of supervisor/apps/options.py) must say what the schema means.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  generateAddonConfig,
  replaceBlock,
  supervisorSchema,
  supervisorType,
} from "../../../scripts/addonConfig.js";
import { OPTIONS_SCHEMA } from "../../../src/config/schema.js";
import { validateOptions } from "../../../src/config/validateOptions.js";

const CONFIG = readFileSync(
  fileURLToPath(new URL("../../../config.yaml", import.meta.url)),
  "utf8",
);

/** RE_SCHEMA_ELEMENT of the Supervisor (without `device`, which no option uses). */
const SUPERVISOR_GRAMMAR =
  /^(?:bool|email|url|port|(?:str|password)(?:\((?:\d+)?,(?:\d+)?\))?|int(?:\((?:-?\d+)?,(?:-?\d+)?\))?|float(?:\((?:-?\d*\.?\d+)?,(?:-?\d*\.?\d+)?\))?|match\(.*\)|list\(.+\))\??$/;

function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(leaves);
  return [value];
}

describe("config.yaml", () => {
  it("is current: npm run gen:config would not change it", () => {
    expect(generateAddonConfig(CONFIG)).toBe(CONFIG);
  });

  it("has the schema's defaults as its options, which pass validation unchanged", () => {
    const config = parse(CONFIG) as { options: unknown; schema: unknown };
    expect(validateOptions({})).toEqual({ ok: true, options: config.options });
    expect(validateOptions(config.options)).toEqual({ ok: true, options: config.options });
  });

  it("writes its schema in the Supervisor's type grammar only", () => {
    const types = leaves((parse(CONFIG) as { schema: unknown }).schema);
    expect(types.length).toBeGreaterThan(50);
    expect(
      types.filter((type) => typeof type !== "string" || !SUPERVISOR_GRAMMAR.test(type)),
    ).toEqual([]);
  });
});

describe("the mapping onto the Supervisor's types", () => {
  it.each([
    [{ type: "boolean", default: true }, false, "bool"],
    [{ type: "integer", minimum: 1, maximum: 65535 }, false, "port"],
    [{ type: "integer", minimum: 100, maximum: 10_000 }, false, "int(100,10000)"],
    [{ type: "integer", minimum: 0 }, false, "int(0,)"],
    [{ type: "number", minimum: 0, maximum: 60 }, false, "float(0,60)"],
    [{ type: "string", default: "" }, true, "str?"],
    [{ type: "string", default: "", writeOnly: true }, true, "password?"],
    [{ type: "string", minLength: 1 }, false, "match(^.+$)"],
    [{ type: "string", pattern: "^$|^tts\\.[a-z_]+$" }, true, "match(^$|^tts\\.[a-z_]+$)?"],
    [{ enum: ["de", "en"], default: "de" }, false, "list(de|en)"],
  ])("%j (optional: %s) is %s", (node, optional, expected) => {
    expect(supervisorType(node, optional)).toBe(expected);
    expect(expected).toMatch(SUPERVISOR_GRAMMAR);
  });

  it("refuses what the grammar cannot say, naming the option", () => {
    expect(() => supervisorType({ type: "string", minLength: 3 }, false, "a.b")).toThrow(
      "a.b: no Supervisor type for minLength 3",
    );
    expect(() => supervisorType({ type: "string", format: "email" } as never, false, "a")).toThrow(
      "a: no Supervisor type for format",
    );
    expect(() => supervisorType({ type: "object" }, false, "a")).toThrow("type object");
    expect(() =>
      supervisorSchema({ type: "array", items: { type: "array", items: { type: "string" } } }),
    ).toThrow("a list needs one element type, and not a list");
  });

  it('makes a string defaulting to "" optional, and a list\'s items unless it needs one', () => {
    const capture = (supervisorSchema(OPTIONS_SCHEMA) as Record<string, Record<string, unknown>>)
      .capture;
    expect(capture).toMatchObject({
      interface: "match(^.+$)",
      protocols: ["list(mgcp|sip)"],
      mgcp_ports: ["port"],
      adapter_addresses: ["match(^[0-9A-Fa-f:.]+$)?"],
    });
    expect(capture?.adapter_mac).toMatch(/^match\(\^\$\|.*\)\?$/);
  });
});

describe("rewriting one block", () => {
  const text = [
    "# head comment",
    "name: x",
    "options:",
    "  old: 1",
    "",
    "  older: 2",
    "",
    "# about what follows",
    "schema:",
    "  old: int",
    "ingress: true",
    "",
  ].join("\n");

  it("replaces only that block, keeping every other line, comment and blank line", () => {
    expect(replaceBlock(text, "options", "options:\n  new: 3\n")).toBe(
      text.replace("options:\n  old: 1\n\n  older: 2\n", "options:\n  new: 3\n"),
    );
    expect(replaceBlock(text, "schema", "schema:\n  new: bool\n")).toBe(
      text.replace("schema:\n  old: int\n", "schema:\n  new: bool\n"),
    );
  });

  it("appends a block the file does not have yet", () => {
    expect(replaceBlock("name: x\n", "schema", "schema:\n  a: bool\n")).toBe(
      "name: x\nschema:\n  a: bool\n",
    );
  });
});
