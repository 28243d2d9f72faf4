/**
 * The household's own phonebook: the names a family gives callers from the panel, kept in
 * `<data_dir>/household-phonebook.json` (so in the add-on's backup) and asked before the
 * options and the phonebook files. A change is in memory at once — the next call is resolved
 * with it — and on disk (atomic write) before the caller of the change hears it succeeded.
 *
 * File layout: `{"version": 1, "entries": [{"id", "number", "name"}]}`; numbers as the user
 * wrote them, looked up by normalizeNumber's key, one entry per key (a later one replaces it).
 */
import { randomUUID } from "node:crypto";
import { type CountryCode, normalizeNumber } from "../core/caller/numbers.js";
import { Phonebook, type PhonebookEntry } from "../core/caller/phonebook.js";
import { MAX_NAME_LENGTH } from "../core/caller/phonebookEntries.js";
import { cleanText } from "../core/text/cleanText.js";
import { type JsonReadResult, readJsonFile, writeJsonFileAtomicAsync } from "./jsonFile.js";
import { Slicer } from "./watchedFiles.js";

export const HOUSEHOLD_PHONEBOOK_FILE = "household-phonebook.json";
/** The `source` of its entries in lookups and listings. */
const HOUSEHOLD_SOURCE = "household";
/** Far above a household's contacts; keeps the file and each write small. */
const MAX_HOUSEHOLD_ENTRIES = 20_000;
/** How long an import may hold the event loop before it lets other work run. */
const SLICE_MS = 5;

export interface HouseholdEntry {
  readonly id: string;
  /** As the user wrote it (trimmed). */
  readonly number: string;
  readonly name: string;
  /** normalizeNumber's key. */
  readonly key: string;
}

export type EntryCheck =
  | { ok: true; number: string; name: string; key: string }
  | { ok: false; error: "bad-number" | "bad-name"; message: string };

/** Whether a number/name pair can be an entry; the name cleaned as every phonebook's is. */
function checkEntry(number: unknown, name: unknown, country: CountryCode): EntryCheck {
  const written = typeof number === "string" ? number.trim() : "";
  const normalized = normalizeNumber(written, country);
  if (written.length > 64 || normalized.kind !== "number") {
    return { ok: false, error: "bad-number", message: "not a phone number" };
  }
  const cleaned = typeof name === "string" ? cleanText(name, MAX_NAME_LENGTH) : "";
  if (cleaned === "") return { ok: false, error: "bad-name", message: "a name is needed" };
  return { ok: true, number: written, name: cleaned, key: normalized.key };
}

export type ChangeResult =
  | { ok: true; entry: HouseholdEntry; created: boolean }
  | { ok: false; error: "bad-number" | "bad-name" | "not-found" | "full"; message: string };

export interface HouseholdPhonebook {
  /** In the order they were added. */
  entries(): readonly HouseholdEntry[];
  /** The entries as a lookup (source "household"), rebuilt on every change. */
  current(): Phonebook;
  /** Adds the number, or renames its entry when the number is there already. */
  add(number: unknown, name: unknown): Promise<ChangeResult>;
  update(id: string, number: unknown, name: unknown): Promise<ChangeResult>;
  remove(id: string): Promise<boolean>;
  /** Adds (or renames) many at once, one write; returns how many were taken. */
  addMany(pairs: readonly { number: string; name: string }[]): Promise<number>;
  /** Waits for the writes begun so far. */
  flush(): Promise<void>;
}

export interface HouseholdPhonebookOptions {
  readonly path: string;
  readonly country: CountryCode;
  readonly warn: (message: string) => void;
  readonly read?: (path: string) => JsonReadResult;
  readonly write?: (path: string, value: unknown) => Promise<void>;
}

/** Reads the file (missing: empty; unreadable or bad: empty, with a warning, file kept). */
export function openHouseholdPhonebook(options: HouseholdPhonebookOptions): HouseholdPhonebook {
  const { path, country, warn } = options;
  const write = options.write ?? writeJsonFileAtomicAsync;
  const loaded = loadEntries((options.read ?? readJsonFile)(path), country, warn);
  let list: HouseholdEntry[] = loaded.entries;
  // A damaged file is not overwritten by the first change: its entries would be lost.
  const writable = loaded.writable;
  let book = toPhonebook(list);
  let writing: Promise<void> = Promise.resolve();

  async function commit(next: HouseholdEntry[]): Promise<void> {
    if (!writable) {
      throw new Error(`${path} could not be read at start; not overwriting it`);
    }
    list = next;
    book = toPhonebook(list);
    const value = {
      version: 1,
      entries: list.map(({ id, number, name }) => ({ id, number, name })),
    };
    writing = writing.catch(() => undefined).then(() => write(path, value));
    await writing;
  }

  function upsert(next: HouseholdEntry[], checked: EntryCheck & { ok: true }, id?: string) {
    const at = next.findIndex((e) => (id === undefined ? e.key === checked.key : e.id === id));
    const entry: HouseholdEntry = {
      id: at >= 0 ? (next[at] as HouseholdEntry).id : randomUUID(),
      number: checked.number,
      name: checked.name,
      key: checked.key,
    };
    if (at >= 0) next[at] = entry;
    else next.push(entry);
    // An edit that gives an entry the number of another leaves one entry for that number.
    const duplicate = next.findIndex((e) => e.key === entry.key && e.id !== entry.id);
    if (duplicate >= 0) next.splice(duplicate, 1);
    return { entry, created: at < 0 };
  }

  /** One change at a time: an import yields to the event loop, and must not lose an edit. */
  let changing: Promise<unknown> = Promise.resolve();
  function exclusive<T>(change: () => Promise<T>): Promise<T> {
    const run = changing.then(change);
    changing = run.catch(() => undefined);
    return run;
  }

  return {
    entries: () => list,
    current: () => book,
    add: (number, name) =>
      exclusive(async (): Promise<ChangeResult> => {
        const checked = checkEntry(number, name, country);
        if (!checked.ok) return checked;
        const next = [...list];
        const exists = next.some((e) => e.key === checked.key);
        if (!exists && next.length >= MAX_HOUSEHOLD_ENTRIES) return full();
        const { entry, created } = upsert(next, checked);
        await commit(next);
        return { ok: true, entry, created };
      }),
    update: (id, number, name) =>
      exclusive(async (): Promise<ChangeResult> => {
        if (!list.some((e) => e.id === id)) {
          return { ok: false, error: "not-found", message: "no such entry" };
        }
        const checked = checkEntry(number, name, country);
        if (!checked.ok) return checked;
        const next = [...list];
        const { entry } = upsert(next, checked, id);
        await commit(next);
        return { ok: true, entry, created: false };
      }),
    remove: (id) =>
      exclusive(async () => {
        if (!list.some((e) => e.id === id)) return false;
        await commit(list.filter((e) => e.id !== id));
        return true;
      }),
    addMany: (pairs) =>
      exclusive(async () => {
        const next = [...list];
        const byKey = new Map(next.map((e, at) => [e.key, at]));
        let taken = 0;
        const slicer = new Slicer(SLICE_MS);
        for (const pair of pairs) {
          const checked = checkEntry(pair.number, pair.name, country);
          if (!checked.ok) continue;
          const at = byKey.get(checked.key);
          const { number, name, key } = checked;
          if (at !== undefined) next[at] = { ...(next[at] as HouseholdEntry), number, name };
          else if (next.length >= MAX_HOUSEHOLD_ENTRIES) break;
          else {
            byKey.set(key, next.length);
            next.push({ id: randomUUID(), number, name, key });
          }
          taken += 1;
          // Numbers are parsed one by one: a large import lets a ringing call through.
          await slicer.pause();
        }
        if (taken > 0) await commit(next);
        return taken;
      }),
    flush: () => writing.catch(() => undefined),
  };

  function full(): ChangeResult {
    return {
      ok: false,
      error: "full",
      message: `the household phonebook holds at most ${MAX_HOUSEHOLD_ENTRIES} numbers`,
    };
  }
}

function loadEntries(
  read: JsonReadResult,
  country: CountryCode,
  warn: (message: string) => void,
): { entries: HouseholdEntry[]; writable: boolean } {
  if (!read.ok) {
    if (read.reason === "missing") return { entries: [], writable: true };
    warn(`${read.message}; the household phonebook starts empty and is not saved`);
    return { entries: [], writable: false };
  }
  const raw = (read.value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(raw)) {
    warn("the household phonebook file has no entries list; it starts empty and is not saved");
    return { entries: [], writable: false };
  }
  const entries: HouseholdEntry[] = [];
  const seen = new Map<string, number>();
  let skipped = 0;
  for (const item of raw) {
    const { id, number, name } = (item ?? {}) as Record<string, unknown>;
    const checked = checkEntry(number, name, country);
    if (!checked.ok || typeof id !== "string" || id === "") {
      skipped += 1;
      continue;
    }
    const entry = { id, number: checked.number, name: checked.name, key: checked.key };
    const at = seen.get(entry.key);
    if (at === undefined) {
      seen.set(entry.key, entries.length);
      entries.push(entry);
    } else entries[at] = entry;
  }
  if (skipped > 0) warn(`the household phonebook file has ${skipped} unusable entries, left out`);
  return { entries, writable: true };
}

function toPhonebook(list: readonly HouseholdEntry[]): Phonebook {
  const entries: PhonebookEntry[] = list.map((e) => ({
    name: e.name,
    key: e.key,
    number: e.number,
    source: HOUSEHOLD_SOURCE,
    line: null,
  }));
  return Phonebook.build([{ entries, anonymousName: null }]);
}
