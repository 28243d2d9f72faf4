/**
 * The four translations against the one option schema (src/config/schema.ts): each names and
 * describes every option and no other, in its own words.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OPTIONS_SCHEMA } from "../../../src/config/schema.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LANGUAGES = ["en", "de", "fr", "it"] as const;

/** The parts of a JSON schema node this test reads. */
interface JsonNode {
  readonly enum?: readonly unknown[];
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonNode>>;
  readonly items?: JsonNode;
}

const JSON_SCHEMA: JsonNode = OPTIONS_SCHEMA;

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readYaml(path: string): Tree {
  const value: unknown = parse(readFileSync(join(ROOT, path), "utf8"));
  if (!isTree(value)) throw new Error(`${path} is not a YAML mapping`);
  return value;
}

/** Names and descriptions missing or extra in one translation's `configuration`, recursively. */
function translationProblems(path: string, json: JsonNode, entries: unknown): string[] {
  const properties = json.properties ?? json.items?.properties;
  if (!properties) return [];
  if (!isTree(entries)) return [`${path || "configuration"}: no translations of its options`];
  const prefix = path ? `${path}.` : "";
  const problems = Object.keys(entries)
    .filter((key) => !(key in properties))
    .map((key) => `${prefix}${key}: translated, but no such option`);
  for (const [key, child] of Object.entries(properties)) {
    const entry = entries[key];
    const where = `${prefix}${key}`;
    if (!isTree(entry)) {
      problems.push(`${where}: not translated`);
      continue;
    }
    for (const field of ["name", "description"]) {
      const text = entry[field];
      if (typeof text !== "string" || text.trim() === "") problems.push(`${where}: no ${field}`);
    }
    const extra = Object.keys(entry).filter((k) => !["name", "description", "fields"].includes(k));
    if (extra.length > 0) problems.push(`${where}: unknown keys ${extra.join(", ")}`);
    const nested = child.properties ?? child.items?.properties;
    if (nested) problems.push(...translationProblems(where, child, entry.fields));
    else if ("fields" in entry) problems.push(`${where}: fields, but it has no sub-options`);
  }
  return problems;
}

/** Every description by its option's path. */
function descriptions(path: string, entries: unknown): Map<string, unknown> {
  const found = new Map<string, unknown>();
  if (!isTree(entries)) return found;
  for (const [key, entry] of Object.entries(entries)) {
    if (!isTree(entry)) continue;
    const where = path ? `${path}.${key}` : key;
    found.set(where, entry.description);
    for (const [inner, text] of descriptions(where, entry.fields)) found.set(inner, text);
  }
  return found;
}

describe.each(LANGUAGES)("translations/%s.yaml", (language) => {
  const translation = readYaml(`translations/${language}.yaml`);

  it("names and describes every option, and no other", () => {
    expect(Object.keys(translation)).toEqual(["configuration"]); // no ports, so no `network`
    expect(translationProblems("", JSON_SCHEMA, translation.configuration)).toEqual([]);
  });
});

it.each(LANGUAGES.filter((language) => language !== "en"))(
  "translations/%s.yaml is translated, not copied from English",
  (language) => {
    const english = descriptions("", readYaml("translations/en.yaml").configuration);
    const translated = descriptions("", readYaml(`translations/${language}.yaml`).configuration);
    const same = [...translated].filter(([path, text]) => english.get(path) === text);
    expect(same).toEqual([]);
  },
);
