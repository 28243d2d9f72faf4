/**
 * The shipped Home Assistant blueprints (blueprints/automation/voip_callerid/*.yaml): each one
 * parses with HA's `!input` tag, carries the blueprint metadata, uses only inputs it declares,
 * triggers on the add-on's event, and reads only event fields the add-on actually sends — the
 * field list comes from callEventData itself, so a renamed field breaks this test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, type ScalarTag } from "yaml";
import { CALL_EVENT_TYPES } from "../../../src/core/discovery/entitySpecs.js";
import { callEventData } from "../../../src/core/outputs/callReport.js";
import { callEvent, hansMuster } from "../../support/callFixtures.js";

const FOLDER = join(import.meta.dirname, "../../../blueprints/automation/voip_callerid");
const EVENT_TYPE = "voip_callerid_call";

/** What `!input name` becomes: a marker that remembers the input's name. */
class InputRef {
  constructor(readonly name: string) {}
}

const inputTag: ScalarTag = {
  tag: "!input",
  identify: (value) => value instanceof InputRef,
  resolve: (value) => new InputRef(value),
};

function load(file: string): Record<string, unknown> {
  const text = readFileSync(join(FOLDER, file), "utf8");
  return parse(text, { customTags: [inputTag] }) as Record<string, unknown>;
}

/** Every value in a parsed document, depth first. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) for (const item of value) yield* walk(item);
  else if (value !== null && typeof value === "object" && !(value instanceof InputRef))
    for (const item of Object.values(value)) yield* walk(item);
}

/** Declared inputs by name; inputs inside collapsible sections (`input:` of a section) too. */
function declaredInputs(inputs: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const [name, spec] of Object.entries(inputs)) {
    const nested = (spec as { input?: Record<string, unknown> } | null)?.input;
    if (nested && typeof nested === "object")
      for (const inner of declaredInputs(nested)) names.add(inner);
    else names.add(name);
  }
  return names;
}

function asList(value: unknown): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
}

/** The keys of the event data the add-on fires, taken from the code that builds it. */
function contractFields(): Set<string> {
  const event = callEvent("ringing", "c1", { line: "aaln/1@mta-1.example" });
  const party = hansMuster();
  return new Set(
    Object.keys(callEventData({ event, line: { name: "Home", mediaPlayers: [] }, party })),
  );
}

const FIELD_USE = /trigger\.event\.data(?:\.([A-Za-z_]\w*)|\[\s*["']([^"']+)["']\s*\])/g;

const files = readdirSync(FOLDER).filter((file) => /\.ya?ml$/.test(file));

describe("blueprints", () => {
  it("ships the three blueprints", () => {
    expect(files.sort()).toEqual([
      "announce_incoming_call.yaml",
      "notify_missed_call.yaml",
      "notify_nuisance_call.yaml",
    ]);
  });

  it("reads the contract's fields from callEventData", () => {
    const fields = contractFields();
    for (const field of ["type", "line", "line_name", "name", "number_display", "spoken"])
      expect(fields).toContain(field);
  });

  describe.each(files)("%s", (file) => {
    const doc = load(file);
    const blueprint = doc.blueprint as Record<string, unknown>;
    const inputs = (blueprint?.input ?? {}) as Record<string, unknown>;

    it("is an automation blueprint with a name and a description", () => {
      expect(blueprint).toBeTypeOf("object");
      expect(blueprint.domain).toBe("automation");
      expect(blueprint.name).toBeTypeOf("string");
      expect((blueprint.name as string).length).toBeGreaterThan(0);
      expect(blueprint.description).toBeTypeOf("string");
      expect((blueprint.description as string).length).toBeGreaterThan(0);
    });

    it("uses only declared inputs, and every declared input", () => {
      const declared = declaredInputs(inputs);
      const used = new Set<string>();
      for (const value of walk(doc)) if (value instanceof InputRef) used.add(value.name);
      for (const name of used) expect(declared, `!input ${name}`).toContain(name);
      for (const name of declared) expect(used, `input ${name} is never used`).toContain(name);
    });

    it(`triggers on the ${EVENT_TYPE} event with a real call event type`, () => {
      const triggers = asList(doc.triggers ?? doc.trigger).filter(
        (trigger) => (trigger.trigger ?? trigger.platform) === "event",
      );
      expect(triggers.length).toBeGreaterThan(0);
      const fields = contractFields();
      for (const trigger of triggers) {
        expect(trigger.event_type).toBe(EVENT_TYPE);
        const data = (trigger.event_data ?? {}) as Record<string, unknown>;
        for (const key of Object.keys(data)) expect(fields, `event_data.${key}`).toContain(key);
        if (data.type !== undefined) expect(CALL_EVENT_TYPES).toContain(data.type);
      }
    });

    it("reads only event fields the add-on sends", () => {
      const fields = contractFields();
      const text = readFileSync(join(FOLDER, file), "utf8");
      const used = [...text.matchAll(FIELD_USE)].map((match) => match[1] ?? match[2]);
      expect(used.length).toBeGreaterThan(0);
      for (const field of used) expect(fields, `trigger.event.data.${field}`).toContain(field);
    });
  });
});
