/** The phonebook fixtures (test/fixtures/phonebooks) and compact views of a parse result. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  parsePhonebook,
} from "../../src/core/caller/phonebook.js";

export const PHONEBOOK_FIXTURES = fileURLToPath(
  new URL("../fixtures/phonebooks/", import.meta.url),
);

/**
 * The options' `directory:` section (YAML) naming Hans Muster, 044 123 45 67 — the caller in
 * the bundled example capture and the tests' calls — with online lookups off.
 */
export const HANS_MUSTER_DIRECTORY_YAML = `directory:
  online_lookup: false
  phonebook:
    - number: "044 123 45 67"
      name: Hans Muster
`;

export function fixture(name: string): string {
  return readFileSync(`${PHONEBOOK_FIXTURES}${name}`, "utf8");
}

export function parseFixture(name: string): ParsedPhonebook {
  const text = fixture(name);
  return parsePhonebook(text, name, detectPhonebookFormat(name, text), "CH");
}

/** Entries as `line key name`, one string each, for compact expectations. */
export function summary(parsed: ParsedPhonebook): string[] {
  return parsed.entries.map((e) => `${e.line} ${e.key} ${e.name}`);
}

export function messages(parsed: ParsedPhonebook): string[] {
  return parsed.problems.map((p) => p.message);
}
