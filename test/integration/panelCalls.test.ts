/**
 * Paging through 100,000 calls in the panel's Calls view: a real SQLite call log filled as a
 * year of a busy household would, the daemon started over it, and every page asked over HTTP.
 * The first page's server time is printed (the issue's benchmark):
 *
 *   npx vitest run test/integration/panelCalls.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCallLog } from "../../src/io/callLog.js";
import type { PanelDaemon } from "../support/panelDaemon.js";
import { startPanelDaemon } from "../support/panelDaemon.js";

const CALLS = 100_000;
const T0 = Date.UTC(2025, 0, 1);
const LINES = ["aaln/1@mta.example", "aaln/2@mta.example"];

let dir: string;
let daemon: PanelDaemon;

const subscriberOf = (i: number) => String(1_000_000 + (i % 40_000)).slice(-7);
const display = (i: number) => {
  const s = subscriberOf(i);
  return `044 ${s.slice(0, 3)} ${s.slice(3, 5)} ${s.slice(5)}`;
};
const isMissed = (i: number) => i % 7 === 0 && i % 5 !== 0;

/** Call i: every 7th missed, every 5th outgoing, every 3rd without a name; a minute apart, some at the same ms. */
function fill(path: string): void {
  openCallLog(path, { retentionDays: 3650 }).close();
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO calls (call_id, line, line_name, direction, outcome, number, number_display,
       name, name_source, anonymous, started_at, answered_at, duration_s)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < CALLS; i++) {
      const subscriber = subscriberOf(i);
      const missed = isMissed(i);
      const outgoing = i % 5 === 0;
      // Pairs of calls share their start: the cursor must tell them apart.
      const started = new Date(T0 + Math.floor(i / 2) * 60_000).toISOString();
      insert.run(
        `call-${i}`,
        LINES[i % 2],
        i % 2 === 0 ? "Home" : "Office",
        outgoing ? "outgoing" : "incoming",
        missed ? "missed" : "ended",
        `+4144${subscriber}`,
        display(i),
        i % 3 === 0 ? null : `Caller ${i}`,
        i % 3 === 0 ? null : "phonebook",
        started,
        missed ? null : started,
        missed ? null : 60,
      );
    }
  })();
  db.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vci-panel-calls-"));
  fill(join(dir, "calls.sqlite"));
  daemon = await startPanelDaemon({ dataDir: dir, options: { call_log_days: 3650 } });
}, 120_000);
afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function page(query: string) {
  const started = performance.now();
  const response = await fetch(new URL(`api/calls?${query}`, daemon.url));
  const body = (await response.json()) as { calls: { call_id: string }[]; next: string | null };
  const total = performance.now() - started;
  const timing = response.headers.get("server-timing") ?? "";
  const db = Number(/db;dur=([\d.]+)/.exec(timing)?.[1]);
  const server = Number(/total;dur=([\d.]+)/.exec(timing)?.[1]);
  return { ...body, total, db, server };
}

describe("Calls with 100,000 calls in the log", () => {
  it("answers the first page in well under 100 ms of server time", async () => {
    await page("limit=50"); // the statement is prepared on first use, as after any start
    const pages: Awaited<ReturnType<typeof page>>[] = [];
    for (let i = 0; i < 5; i++) pages.push(await page("limit=50"));
    const first = pages[0];
    const query = medianOf(pages.map((p) => p.db));
    const server = medianOf(pages.map((p) => p.server));
    const total = medianOf(pages.map((p) => p.total));
    console.log(
      `panel: first Calls page of ${CALLS} calls: query ${query.toFixed(2)} ms, ` +
        `server ${server.toFixed(2)} ms, HTTP request ${total.toFixed(1)} ms (medians of 5)`,
    );
    expect(first?.calls.map((c) => c.call_id).slice(0, 3)).toEqual([
      "call-99999",
      "call-99998",
      "call-99997",
    ]);
    // Medians: the machine is shared, and one sample may wait for another process.
    expect(query).toBeLessThan(20);
    expect(server).toBeLessThan(100);
    // The round trip waits for the test's own turn on a loaded machine too: a looser bound.
    expect(total).toBeLessThan(1000);
  });

  it("pages through every call once, newest first, calls that started together included", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let last: string | null = null;
    do {
      last = cursor;
      const answer = await page(`limit=200${cursor ? `&before=${cursor}` : ""}`);
      seen.push(...answer.calls.map((c) => c.call_id));
      cursor = answer.next;
    } while (cursor !== null);
    expect(seen.length).toBe(CALLS);
    expect(new Set(seen).size).toBe(CALLS);
    expect(seen[0]).toBe("call-99999");
    expect(seen.at(-1)).toBe("call-0");
    // The last page costs what the first does: no OFFSET, whose cost grows with the page.
    // Asked in turns, so that the shared machine's load weighs on both alike.
    const first: number[] = [];
    const final: number[] = [];
    for (let i = 0; i < 11; i++) {
      first.push((await page("limit=200")).db);
      final.push((await page(`limit=200&before=${last}`)).db);
    }
    expect(medianOf(final)).toBeLessThan(3 * medianOf(first) + 2);
  }, 120_000);

  it("filters missed calls, a line, a direction and a text, each page with the filter kept", async () => {
    const missed = await page("limit=20&missed=1");
    expect(missed.calls.map((c) => c.call_id)).toEqual(newest(20, (i) => isMissed(i)));
    const office = await page("limit=3&line=aaln%2F2%40mta.example&direction=outgoing");
    expect(office.calls.map((c) => c.call_id)).toEqual(["call-99995", "call-99985", "call-99975"]);
    const next = await page(
      `limit=3&line=aaln%2F2%40mta.example&direction=outgoing&before=${office.next}`,
    );
    expect(next.calls.map((c) => c.call_id)).toEqual(["call-99965", "call-99955", "call-99945"]);
    // The national form of a number, as a household writes it.
    const byNumber = await page(`limit=5&q=${encodeURIComponent("044 103 99")}`);
    expect(byNumber.calls.map((c) => c.call_id)).toEqual(
      newest(5, (i) => display(i).replace(/ /g, "").includes("04410399")),
    );
    expect(byNumber.calls).toHaveLength(5);
    const byName = await page(`limit=5&q=${encodeURIComponent("caller 4242")}`);
    expect(byName.calls.map((c) => c.call_id)).toEqual(
      newest(5, (i) => i % 3 !== 0 && `Caller ${i}`.startsWith("Caller 4242")),
    );
    // A text is looked for in every row (no index helps with "contains"): still well in time.
    expect(byName.db).toBeLessThan(1000);
  });
});

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The ids of the newest `count` calls the predicate takes. */
function newest(count: number, take: (i: number) => boolean): string[] {
  const ids: string[] = [];
  for (let i = CALLS - 1; i >= 0 && ids.length < count; i--) if (take(i)) ids.push(`call-${i}`);
  return ids;
}
