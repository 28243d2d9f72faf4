/**
 * Benchmark (a report, not a timed test): caller-name resolution as the add-on does it when
 * the phone rings — normalise, phonebook, cache, search.ch — for 100,000 calls against a
 * 10,000-entry phonebook, and the delay a search.ch miss adds (bounded by the time-out).
 *
 *   npm run bench:names
 */
import { DirectoryCache } from "../src/core/caller/directoryCache.js";
import { Phonebook, parsePhonebook } from "../src/core/caller/phonebook.js";
import { CallerResolver } from "../src/core/caller/resolveCaller.js";
import { createSearchChClient } from "../src/io/searchChClient.js";
import { startFakeSearchCh } from "../test/support/fakeSearchCh.js";
import { percentile } from "./statistics.js";

const PHONEBOOK_SIZE = 10_000;
const CACHED = 10_000;
const CALLS = 100_000;
const TIMEOUT_MS = 1500;

/** Numbers of Zürich (044) for the phonebook, Bern (031) for the cache, Basel (061) online. */
const grouped = (digits: string) =>
  `${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5, 7)}`;
const zurich = (i: number) => `044 ${grouped(String(2_000_000 + i))}`;
const bern = (i: number) => `+41 31 ${grouped(String(3_000_000 + i))}`;

function summary(label: string, samples: number[], unit: "µs" | "ms"): string {
  const scale = unit === "µs" ? 1000 : 1;
  const f = (ms: number) => (ms * scale).toFixed(unit === "µs" ? 1 : 0);
  return `${label.padEnd(34)} n=${String(samples.length).padStart(6)}  p50 ${f(percentile(samples, 0.5))} ${unit}  p99 ${f(percentile(samples, 0.99))} ${unit}  max ${f(Math.max(...samples))} ${unit}`;
}

async function main(): Promise<void> {
  const tsv = Array.from({ length: PHONEBOOK_SIZE }, (_, i) => `${zurich(i)}\tKontakt ${i}`).join(
    "\n",
  );
  const started = performance.now();
  const parsed = parsePhonebook(tsv, "bench.tsv", "tsv", "CH");
  const phonebook = Phonebook.build([parsed]);
  console.log(
    `phonebook: ${phonebook.size} entries parsed and indexed in ${(performance.now() - started).toFixed(0)} ms (${parsed.problems.length} problems)`,
  );

  const cache = new DirectoryCache(90, 7, "UTC");
  const now = Date.parse("2026-11-29T12:00:00Z");
  const resolverFor = (
    directory: ReturnType<typeof createSearchChClient> | null,
    monthlyQuota = 1_000_000,
  ) =>
    new CallerResolver(
      { country: "CH", lang: "de", templates: {}, onlineLookup: directory !== null, monthlyQuota },
      {
        phonebook: () => phonebook,
        cache,
        saveCache: () => {},
        directory,
        now: () => now,
        warn: () => {},
      },
    );
  const warm = resolverFor(null);
  for (let i = 0; i < CACHED; i++) {
    const key = (
      await warm.resolve({
        number: bern(i),
        anonymous: false,
        unavailable: false,
        networkName: null,
      })
    ).number;
    if (key.kind === "number")
      cache.put(
        key.key,
        {
          name: `Firma ${i}`,
          occupation: "Treuhand",
          city: "Bern",
          canton: "BE",
          entries: 1,
          rule: "single",
        },
        now,
      );
  }

  const resolver = resolverFor(null);
  const phonebookHits: number[] = [];
  const cacheHits: number[] = [];
  for (let call = 0; call < CALLS; call++) {
    // Every written form the network uses: national, international, 0041, trunk 0 dropped.
    const i = (call * 7919) % PHONEBOOK_SIZE;
    const fromPhonebook = call % 2 === 0;
    const written = fromPhonebook
      ? [zurich(i), `+41${zurich(i).slice(1)}`, `0041${zurich(i).slice(1)}`, zurich(i).slice(1)][
          call % 4
        ]
      : bern(i);
    const t0 = performance.now();
    const result = await resolver.resolve({
      number: written ?? "",
      anonymous: false,
      unavailable: false,
      networkName: null,
    });
    const ms = performance.now() - t0;
    if (result.source !== (fromPhonebook ? "phonebook" : "cache"))
      throw new Error(`call ${call}: ${result.source} for ${written}`);
    (fromPhonebook ? phonebookHits : cacheHits).push(ms);
  }
  console.log(summary("phonebook hit (incl. announcement)", phonebookHits, "µs"));
  console.log(summary("cache hit (incl. announcement)", cacheHits, "µs"));

  const server = await startFakeSearchCh({ key: "bench" });
  try {
    for (let i = 0; i < 30; i++) {
      server.answer(`061 ${100 + i} 00 00`, { kind: "not-found" });
      server.answer(`062 ${100 + i} 00 00`, {
        kind: "person",
        name: `Muster${i}`,
        firstName: "Hans",
        city: "Aarau",
        canton: "AG",
      });
      server.answer(`081 ${100 + i} 00 00`, {
        kind: "slow",
        delayMs: 10_000,
        answer: { kind: "not-found" },
      });
    }
    const online = resolverFor(
      createSearchChClient({
        baseUrl: server.url,
        key: "bench",
        lang: "de",
        timeoutMs: TIMEOUT_MS,
      }),
    );
    const measure = async (prefix: string, count: number) => {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await online.resolve({
          number: `${prefix} ${100 + i} 00 00`,
          anonymous: false,
          unavailable: false,
          networkName: null,
        });
        samples.push(performance.now() - t0);
      }
      return samples;
    };
    console.log(summary("search.ch answers: a hit", await measure("062", 30), "ms"));
    console.log(summary("search.ch answers: not listed", await measure("061", 30), "ms"));
    console.log(
      summary(`search.ch hangs (time-out ${TIMEOUT_MS} ms)`, await measure("081", 5), "ms"),
    );
    console.log(
      "(search.ch played by the local stand-in server on 127.0.0.1: the figures are this program's own cost)",
    );
  } finally {
    await server.close();
  }
}

await main();
