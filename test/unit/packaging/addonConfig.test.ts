/**
 * The add-on's manifest against its one option schema (src/config/schema.ts): config.yaml's
 * `schema` and `options`, the four translations, repository.yaml, and what the Supervisor's
 * store scan would take for an add-on. The Supervisor's type strings are read with the grammar
 * of its RE_SCHEMA_ELEMENT, and its option check (apps/options.py) is re-done here on the
 * defaults, since a default it refuses keeps the add-on from starting.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OPTIONS_SCHEMA } from "../../../src/config/schema.js";
import { validateOptions } from "../../../src/config/validateOptions.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LANGUAGES = ["en", "de", "fr", "it"] as const;

/** The parts of a JSON schema node this test reads. */
interface JsonNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonNode>>;
  readonly items?: JsonNode;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
  readonly default?: unknown;
}

const JSON_SCHEMA: JsonNode = OPTIONS_SCHEMA;
/** How config.yaml writes a JSON schema string with minLength 1 (`str(1,)` is refused by older Supervisors). */
const NON_EMPTY = "^.+$";

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readYaml(path: string): Tree {
  const value: unknown = parse(readFileSync(join(ROOT, path), "utf8"));
  if (!isTree(value)) throw new Error(`${path} is not a YAML mapping`);
  return value;
}

const config = readYaml("config.yaml");
const supervisorSchema = config.schema;
const defaults = config.options;

// --- The Supervisor's type strings -----------------------------------------------------------

interface SupervisorType {
  readonly kind: "bool" | "email" | "url" | "str" | "int" | "float" | "match" | "list";
  readonly optional: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly regex?: string;
  readonly values?: readonly string[];
}

/** RE_SCHEMA_ELEMENT of supervisor/apps/options.py, with named parts (no `device`: not used). */
const TYPE_GRAMMAR = new RegExp(
  [
    "^(?:(?<plain>bool|email|url|port)",
    "(?<text>str|password)(?:\\((?<smin>\\d+)?,(?<smax>\\d+)?\\))?",
    "(?<int>int)(?:\\((?<imin>-?\\d+)?,(?<imax>-?\\d+)?\\))?",
    "(?<float>float)(?:\\((?<fmin>-?\\d*\\.?\\d+)?,(?<fmax>-?\\d*\\.?\\d+)?\\))?",
    "match\\((?<regex>.*)\\)",
    "list\\((?<values>.+)\\))(?<optional>\\?)?$",
  ].join("|"),
);

/** A type string in one canonical form: `port` is `int(1,65535)`, `password` is `str`. */
function parseType(text: string): SupervisorType | null {
  const g = TYPE_GRAMMAR.exec(text)?.groups;
  if (!g) return null;
  const optional = g.optional === "?";
  const bound = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  if (g.plain === "port") return { kind: "int", optional, min: 1, max: 65535 };
  if (g.plain) return { kind: g.plain as "bool" | "email" | "url", optional };
  if (g.text) return { kind: "str", optional, min: bound(g.smin), max: bound(g.smax) };
  if (g.int) return { kind: "int", optional, min: bound(g.imin), max: bound(g.imax) };
  if (g.float) return { kind: "float", optional, min: bound(g.fmin), max: bound(g.fmax) };
  if (g.regex !== undefined) return { kind: "match", optional, regex: g.regex };
  return { kind: "list", optional, values: (g.values ?? "").split("|") };
}

function formatType(type: SupervisorType): string {
  const bounds =
    type.min === undefined && type.max === undefined ? "" : `(${type.min ?? ""},${type.max ?? ""})`;
  const body =
    type.kind === "match"
      ? `match(${type.regex})`
      : type.kind === "list"
        ? `list(${type.values?.join("|")})`
        : `${type.kind}${bounds}`;
  return `${body}${type.optional ? "?" : ""}`;
}

/** The Supervisor type a JSON schema leaf stands for. */
function expectedType(node: JsonNode, optional: boolean): SupervisorType {
  if (node.enum) return { kind: "list", optional, values: node.enum.map(String) };
  switch (node.type) {
    case "boolean":
      return { kind: "bool", optional };
    case "integer":
    case "number":
      return {
        kind: node.type === "integer" ? "int" : "float",
        optional,
        min: node.minimum,
        max: node.maximum,
      };
    case "string":
      if (node.pattern !== undefined) return { kind: "match", optional, regex: node.pattern };
      if (node.minLength === 1) return { kind: "match", optional, regex: NON_EMPTY };
      return { kind: "str", optional, min: node.minLength };
    default:
      throw new Error(`no Supervisor type for JSON schema type ${String(node.type)}`);
  }
}

/**
 * Walks the JSON schema and config.yaml's schema side by side. A string whose default is "" is
 * optional (`?`), so that a field cleared in the UI may be left out; a list's items are optional
 * unless the list needs an entry (minItems).
 */
function compareSchemas(path: string, json: JsonNode, yaml: unknown, optional: boolean): string[] {
  if (json.properties) {
    if (!isTree(yaml))
      return [`${path}: a group in schema.ts, ${JSON.stringify(yaml)} in config.yaml`];
    const properties = json.properties;
    const prefix = path ? `${path}.` : "";
    return [
      ...Object.keys(yaml)
        .filter((key) => !(key in properties))
        .map((key) => `${prefix}${key}: in config.yaml's schema, not in schema.ts`),
      ...Object.entries(properties).flatMap(([key, child]) =>
        key in yaml
          ? compareSchemas(`${prefix}${key}`, child, yaml[key], child.default === "")
          : [`${prefix}${key}: missing from config.yaml's schema`],
      ),
    ];
  }
  if (json.type === "array") {
    if (!Array.isArray(yaml) || yaml.length !== 1 || !json.items)
      return [`${path}: a list in schema.ts, so [one element type] in config.yaml`];
    return compareSchemas(`${path}[]`, json.items, yaml[0], json.minItems === undefined);
  }
  const parsed = typeof yaml === "string" ? parseType(yaml) : null;
  if (!parsed) return [`${path}: ${JSON.stringify(yaml)} is not a Supervisor type`];
  const expected = formatType(expectedType(json, optional));
  const actual = formatType(parsed);
  return actual === expected
    ? []
    : [`${path}: config.yaml has ${yaml}, schema.ts means ${expected}`];
}

/** Every type string in config.yaml's schema, with its path. */
function typeStrings(path: string, yaml: unknown): [string, unknown][] {
  if (Array.isArray(yaml)) return yaml.flatMap((item) => typeStrings(`${path}[]`, item));
  if (isTree(yaml))
    return Object.entries(yaml).flatMap(([key, child]) =>
      typeStrings(path ? `${path}.${key}` : key, child),
    );
  return [[path, yaml]];
}

/** AppOptions of supervisor/apps/options.py: the check before every start. */
function supervisorProblems(path: string, schema: unknown, value: unknown): string[] {
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return [`${path}: not a list`];
    return value.flatMap((item, index) => supervisorProblems(`${path}.${index}`, schema[0], item));
  }
  if (isTree(schema)) {
    if (!isTree(value)) return [`${path}: not a mapping`];
    const missing = Object.keys(schema).filter((key) => {
      const type = Array.isArray(schema[key]) ? (schema[key] as unknown[])[0] : schema[key];
      return !(key in value) && !(typeof type === "string" && type.endsWith("?"));
    });
    return [
      ...missing.map((key) => `${path}.${key}: missing, and not optional`),
      ...Object.entries(value).flatMap(([key, child]) =>
        key in schema ? supervisorProblems(`${path}.${key}`, schema[key], child) : [],
      ),
    ];
  }
  const type = typeof schema === "string" ? parseType(schema) : null;
  if (!type || value === null || value === undefined) return [`${path}: no value for ${schema}`];
  const number = Number(value);
  const inRange = (n: number) =>
    Number.isFinite(n) &&
    (type.min === undefined || n >= type.min) &&
    (type.max === undefined || n <= type.max);
  const ok =
    type.kind === "bool"
      ? typeof value === "boolean"
      : type.kind === "int"
        ? Number.isInteger(number) && inRange(number)
        : type.kind === "float"
          ? inRange(number)
          : type.kind === "match"
            ? new RegExp(type.regex ?? "", "y").test(String(value)) // Python's re.match
            : type.kind === "list"
              ? (type.values ?? []).includes(String(value))
              : typeof value === "string" && inRange(value.length);
  return ok ? [] : [`${path}: ${JSON.stringify(value)} is refused by ${schema}`];
}

// --- (a) schema ------------------------------------------------------------------------------

describe("config.yaml schema", () => {
  it("has every option of schema.ts and no other, with the same types and bounds", () => {
    expect(compareSchemas("", JSON_SCHEMA, supervisorSchema, false)).toEqual([]);
  });

  it("is written in the Supervisor's type grammar only", () => {
    const bad = typeStrings("", supervisorSchema).filter(
      ([, type]) => typeof type !== "string" || parseType(type) === null,
    );
    expect(bad).toEqual([]);
  });

  it("reads the type strings as the Supervisor does", () => {
    expect(parseType("int(100,10000)")).toEqual({
      kind: "int",
      optional: false,
      min: 100,
      max: 10000,
    });
    expect(parseType("float(0,60)?")).toMatchObject({
      kind: "float",
      min: 0,
      max: 60,
      optional: true,
    });
    expect(parseType("port")).toMatchObject({ kind: "int", min: 1, max: 65535 });
    expect(parseType("password?")).toMatchObject({ kind: "str", optional: true });
    expect(parseType("match(^(a|b)?$)?")).toMatchObject({ regex: "^(a|b)?$", optional: true });
    expect(parseType("list(de|en|fr|it)")?.values).toEqual(["de", "en", "fr", "it"]);
    expect(parseType("integer")).toBeNull();
    expect(parseType("int(1.5,2)")).toBeNull();
  });
});

// --- (b) options -----------------------------------------------------------------------------

describe("config.yaml options", () => {
  it("are exactly the defaults of schema.ts", () => {
    const fromSchema = validateOptions({});
    expect(fromSchema.ok).toBe(true);
    if (!fromSchema.ok) return;
    expect(defaults).toEqual(fromSchema.options);
  });

  it("pass validateOptions unchanged", () => {
    expect(validateOptions(defaults)).toEqual({ ok: true, options: defaults });
  });

  it("pass the Supervisor's own check, which runs before every start", () => {
    expect(supervisorProblems("options", supervisorSchema, defaults)).toEqual([]);
  });
});

// --- (c) translations ------------------------------------------------------------------------

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

// --- (d) manifest ----------------------------------------------------------------------------

/** Keys of _SCHEMA_APP_CONFIG (supervisor/apps/validate.py); the Supervisor drops others silently. */
const MANIFEST_KEYS = new Set(
  `name version slug description arch machine url startup boot init stage ports ports_description
  watchdog webui ingress ingress_port ingress_entry ingress_stream panel_icon panel_title
  panel_admin homeassistant host_network host_pid host_ipc host_uts host_dbus devices udev tmpfs
  map environment privileged apparmor full_access audio video gpio usb uart devicetree
  kernel_modules realtime hassio_api hassio_role homeassistant_api stdin legacy docker_api auth_api
  services discovery backup_exclude backup_pre backup_post backup options schema ulimits timeout
  journald breaking_versions`.split(/\s+/),
);

describe("manifest", () => {
  it("config.yaml: the add-on as built from this repository", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(config.version).toBe(pkg.version);
    expect(config).toMatchObject({
      name: "VoIP Caller ID",
      slug: "voip_callerid",
      init: false,
      host_network: true,
      homeassistant_api: true,
      apparmor: true,
      startup: "application",
      boot: "auto",
      stage: "experimental",
    });
    expect(config.slug).toMatch(/^[-_.A-Za-z0-9]+$/);
    expect(config.description).toMatch(/^[^\n]{10,120}$/);
    expect(config.arch).toEqual(["amd64", "aarch64"]);
    expect(config.privileged).toEqual(["NET_ADMIN", "NET_RAW"]);
    expect(config.services).toEqual(["mqtt:want"]);
    expect(config.map).toEqual(["homeassistant_config:ro"]);
    expect(config).not.toHaveProperty("image"); // the Supervisor builds the Dockerfile
    expect(Object.keys(config).filter((key) => !MANIFEST_KEYS.has(key))).toEqual([]);
  });

  it("repository.yaml: a name and the maintainer, nothing the Supervisor would drop", () => {
    const repository = readYaml("repository.yaml");
    expect(repository).toMatchObject({
      name: "VoIP Caller ID",
      maintainer: "VoIP Caller ID maintainers",
    });
    expect(
      Object.keys(repository).filter((key) => !["name", "url", "maintainer"].includes(key)),
    ).toEqual([]);
  });
});

// --- (e) the store's scan --------------------------------------------------------------------

/** StoreData's `glob("**\/config.*")`: a config suffix, outside dot-folders and `rootfs`. */
function isAddonCandidate(path: string): boolean {
  const parts = path.split("/");
  const name = parts.at(-1) ?? "";
  return (
    /^config\.(?:.*\.)?(?:yaml|yml|json)$/.test(name) &&
    !parts.some((part) => part.startsWith(".") || part === "rootfs")
  );
}

describe("the Supervisor's store scan", () => {
  it("finds one add-on, the root config.yaml: no other config.yaml|yml|json in the repository", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "-z"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .split("\0")
      .filter((file) => file !== "");
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter(isAddonCandidate)).toEqual(["config.yaml"]);
  });

  it("would take the files the Supervisor takes", () => {
    expect(
      [
        "config.yaml",
        "a/config.json",
        "a/config.local.yml",
        "a/config.ts",
        ".devcontainer/config.json",
      ].map(isAddonCandidate),
    ).toEqual([true, true, true, false, false]);
    expect(isAddonCandidate("addon/rootfs/etc/config.yaml")).toBe(false);
    expect(isAddonCandidate("test/fixtures/options.fixture.yaml")).toBe(false);
  });
});
