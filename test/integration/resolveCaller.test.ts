/**
 * The resolver with its real parts: the search.ch client against the local stand-in server,
 * the directory cache persisted in a real file. What the household would hear, and which
 * numbers left the house.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DirectoryCache } from "../../src/core/caller/directoryCache.js";
import { normalizeNumber } from "../../src/core/caller/numbers.js";
import {
  CallerResolver,
  type PhonebookView,
  type ResolverSettings,
} from "../../src/core/caller/resolveCaller.js";
import { readJsonFile, writeJsonFileAtomic } from "../../src/io/jsonFile.js";
import { createSearchChClient } from "../../src/io/searchChClient.js";
import { type FakeSearchCh, startFakeSearchCh } from "../support/fakeSearchCh.js";

const DAY = 86_400_000;
const SETTINGS: ResolverSettings = {
  country: "CH",
  lang: "de",
  templates: {},
  onlineLookup: true,
  monthlyQuota: 1000,
};
const call = (
  number: string | null,
  extra: Partial<{ anonymous: boolean; unavailable: boolean; networkName: string }> = {},
) => ({
  number,
  anonymous: false,
  unavailable: false,
  networkName: null,
  ...extra,
});

function phonebookOf(
  entries: Record<string, string>,
  anonymousName: string | null = null,
): PhonebookView {
  const byKey = new Map(
    Object.entries(entries).map(([number, name]) => {
      const normalized = normalizeNumber(number, "CH");
      return [normalized.kind === "number" ? normalized.key : number, { name }];
    }),
  );
  return { lookup: (key) => byKey.get(key), anonymousName };
}

let server: FakeSearchCh;
let clock: number;
let warnings: string[];
let stateFile: string;

beforeAll(async () => {
  server = await startFakeSearchCh({
    key: "good-key",
    answers: {
      "044 123 45 67": {
        kind: "person",
        name: "Muster",
        firstName: "Hans",
        occupation: "Schreiner",
        city: "Zürich",
        canton: "ZH",
        phone: "+41441234567",
      },
      "031 999 88 77": {
        kind: "business",
        name: "Beispiel AG",
        occupation: "Sanitär und Heizung, Notdienst rund um die Uhr",
        categories: ["Sanitär"],
        city: "Thun",
        canton: "BE",
        phone: "+41319998877",
      },
      "061 222 33 44": {
        kind: "entries",
        entries: [
          { type: "person", name: "Meier", firstName: "Anna", city: "Basel", canton: "BS" },
          { type: "person", name: "Meier", firstName: "Urs", city: "Basel", canton: "BS" },
        ],
      },
      "022 555 66 77": { kind: "not-found", correction: "022 555 66 **" },
      "026 111 11 11": { kind: "status", status: 500 },
      "027 222 22 22": { kind: "slow", delayMs: 5000, answer: { kind: "person", name: "Late" } },
      "032 333 33 33": {
        kind: "forbidden",
        message: "The submitted API-Key is invalid or blocked",
      },
      "033 444 44 44": { kind: "rate-limited", retryAfter: "120" },
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  clock = Date.parse("2026-11-29T12:00:00Z");
  warnings = [];
  stateFile = `${mkdtempSync("/tmp/voip-callerid-resolve-")}/directory-cache.json`;
  server.requests.length = 0;
});

function resolver(
  options: {
    phonebook?: PhonebookView;
    settings?: Partial<ResolverSettings>;
    timeoutMs?: number;
    key?: string;
  } = {},
) {
  const cache = new DirectoryCache(90, 7, "UTC");
  const saved = readJsonFile(stateFile);
  if (saved.ok) cache.restore(saved.value);
  const client = createSearchChClient({
    baseUrl: server.url,
    key: options.key ?? "good-key",
    lang: "de",
    timeoutMs: options.timeoutMs ?? 300,
  });
  return new CallerResolver(
    { ...SETTINGS, ...options.settings },
    {
      phonebook: () => options.phonebook ?? phonebookOf({}),
      cache,
      saveCache: () => writeJsonFileAtomic(stateFile, cache.toState(clock)),
      directory: client,
      now: () => clock,
      warn: (message) => warnings.push(message),
    },
  );
}

describe("where the name comes from", () => {
  it("a phonebook entry wins, and its number never leaves the house", async () => {
    const result = await resolver({
      phonebook: phonebookOf({ "+41 44 123 45 67": "Onkel Hans" }),
    }).resolve(call("0441234567"));
    expect(result).toMatchObject({
      name: "Onkel Hans",
      source: "phonebook",
      kind: "known",
      announcement: "Anruf von Onkel Hans",
    });
    expect(server.requests).toEqual([]);
  });

  it("search.ch: a person, with occupation and place, in the seed's words", async () => {
    const result = await resolver().resolve(call("441234567"));
    expect(result).toMatchObject({
      name: "Hans Muster",
      source: "search.ch",
      occupation: "Schreiner",
      city: "Zürich",
      canton: "ZH",
      directoryEntries: 1,
      lookup: "asked",
    });
    expect(result.announcement).toBe("Anruf von Hans Muster. Schreiner. Stadt Zürich");
    expect(server.requests.map((r) => [r.was, r.key, r.lang])).toEqual([
      ["+41441234567", "good-key", "de"],
    ]);
  });

  it("a business: four words of its occupation", async () => {
    const result = await resolver().resolve(call("0319998877"));
    expect(result.announcement).toBe(
      "Anruf von Beispiel AG. Sanitär und Heizung, Notdienst. Thun. Kanton Bern",
    );
  });

  it("a household sharing one line", async () => {
    const result = await resolver().resolve(call("0612223344"));
    expect(result).toMatchObject({ name: "Familie Meier", directoryEntries: 2 });
    expect(result.announcement).toBe("Anruf von Familie Meier. Basel. Kanton Basel-Stadt");
  });

  it("not in the directory (a correction suggestion is no hit): the number, digit by digit", async () => {
    const result = await resolver().resolve(call("0225556677"));
    expect(result).toMatchObject({ name: null, source: null, kind: "unknown", lookup: "asked" });
    expect(result.announcement).toBe("Nicht im Telefonbuch. 0 2 2, 5 5 5, 6 6, 7 7");
  });

  it("the network's name when the directory has none", async () => {
    const result = await resolver().resolve(call("0225556677", { networkName: "MUSTER H" }));
    expect(result).toMatchObject({
      name: "MUSTER H",
      source: "network",
      announcement: "Anruf von MUSTER H",
    });
  });

  it("withheld numbers: the phonebook's P entry, else the withheld sentence", async () => {
    expect((await resolver().resolve(call(null, { anonymous: true }))).announcement).toBe(
      "Anruf mit unterdrückter Nummer",
    );
    const withP = resolver({ phonebook: phonebookOf({}, "Unbekannter Anrufer") });
    expect((await withP.resolve(call(null, { anonymous: true }))).announcement).toBe(
      "Anruf von Unbekannter Anrufer",
    );
    expect((await resolver().resolve(call(null, { unavailable: true }))).kind).toBe("unavailable");
    expect(server.requests).toEqual([]);
  });
});

describe("privacy and limits", () => {
  it("foreign and short numbers are never sent; online lookup can be switched off", async () => {
    expect((await resolver().resolve(call("+49 30 1234567"))).lookup).toBe("not-domestic");
    expect((await resolver().resolve(call("1818"))).lookup).toBe("not-domestic");
    const offline = resolver({ settings: { onlineLookup: false } });
    expect(await offline.resolve(call("0441234567"))).toMatchObject({
      lookup: "offline",
      kind: "unknown",
    });
    expect(server.requests).toEqual([]);
  });

  it("a server error or a slow answer falls back to the number within the time-out", async () => {
    const r = resolver({ timeoutMs: 300 });
    expect((await r.resolve(call("0261111111"))).announcement).toBe(
      "Telefonbuch nicht erreichbar. 0 2 6, 1 1 1, 1 1, 1 1",
    );
    const started = performance.now();
    const slow = await r.resolve(call("0272222222"));
    expect(performance.now() - started).toBeLessThan(300 + 150);
    expect(slow).toMatchObject({ kind: "unreachable", lookup: "failed" });
    expect(warnings).toHaveLength(2);
  });

  it("a refused key is reported once and lookups pause for an hour", async () => {
    const r = resolver();
    expect((await r.resolve(call("0323333333"))).kind).toBe("unreachable");
    expect((await r.resolve(call("0441234567"))).lookup).toBe("backing-off");
    expect(warnings).toEqual([
      "search.ch refused the key: The submitted API-Key is invalid or blocked (403 Forbidden); lookups pause for an hour",
    ]);
    expect(r.diagnostics().backoffUntil).toBe(clock + 3_600_000);
    clock += 3_600_001;
    expect((await r.resolve(call("0441234567"))).source).toBe("search.ch");
    expect(server.requests).toHaveLength(2);
  });

  it("a 429 pauses lookups for its Retry-After", async () => {
    const r = resolver();
    await r.resolve(call("0334444444"));
    expect(r.diagnostics().backoffUntil).toBe(clock + 120_000);
  });

  it("the monthly quota stops lookups, and its count survives a restart; a new month starts again", async () => {
    const first = resolver({ settings: { monthlyQuota: 2 } });
    await first.resolve(call("0225556677"));
    await first.resolve(call("0261111111"));
    const restarted = resolver({ settings: { monthlyQuota: 2 } });
    expect(restarted.diagnostics().quotaUsed).toBe(2);
    expect(await restarted.resolve(call("0441234567"))).toMatchObject({
      lookup: "quota-used-up",
      kind: "unreachable",
    });
    expect(server.requests).toHaveLength(2);
    clock = Date.parse("2026-12-02T12:00:00Z");
    expect((await restarted.resolve(call("0441234567"))).lookup).toBe("asked");
    expect(restarted.diagnostics().quotaUsed).toBe(1);
  });
});

describe("the cache", () => {
  it("answers a repeated number without a request, across a restart, until it expires", async () => {
    await resolver().resolve(call("0441234567"));
    await resolver().resolve(call("0225556677"));
    expect(server.requests).toHaveLength(2);

    const restarted = resolver();
    expect(await restarted.resolve(call("+41441234567"))).toMatchObject({
      name: "Hans Muster",
      source: "cache",
      lookup: "cached",
    });
    expect(await restarted.resolve(call("0225556677"))).toMatchObject({
      kind: "unknown",
      lookup: "cached",
    });
    expect(server.requests).toHaveLength(2);

    clock += 7 * DAY; // misses expire after 7 days, hits after 90
    expect((await resolver().resolve(call("0225556677"))).lookup).toBe("asked");
    expect((await resolver().resolve(call("0441234567"))).lookup).toBe("cached");
    clock += 83 * DAY;
    expect((await resolver().resolve(call("0441234567"))).lookup).toBe("asked");
  });

  it("a damaged cache file costs only the cache", async () => {
    writeFileSync(
      stateFile,
      '{"version":1,"entries":{"+41441234567":{"storedAt":"x"},"+41225556677":{"storedAt":1,"hit":null}},"quota":{"month":"2026-11","used":5}}',
    );
    const r = resolver();
    expect(r.diagnostics().quotaUsed).toBe(5);
    expect((await r.resolve(call("0441234567"))).lookup).toBe("asked");
    writeFileSync(stateFile, "not json at all");
    expect((await resolver().resolve(call("0441234567"))).lookup).toBe("asked");
  });
});
