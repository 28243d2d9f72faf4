/**
 * The panel with 100,000 calls in the log (issue 12): the built daemon (`dist/main.js run`)
 * capturing live on a veth pair, its call log seeded with 100,000 calls over 100 days before
 * it starts, Debian's chromium on the panel.
 *
 * - server: `GET api/calls?limit=50` (the first page of Calls) over HTTP, 30 times, and every
 *   page after it by the cursor down to the oldest call;
 * - browser: navigation to `#/calls` until its 50 rows are rendered, in 5 fresh pages;
 * - memory: VmRSS of the daemon and of its capture (tcpdump) child, idle, with the panel open on
 *   Now (its live connection up), 10 s after the last page load.
 *
 * Targets: < 1 s for the first page (server and browser), ≤ 80 MB resident in all.
 * Run as root (network namespaces): `npm run bench:panel`. The daemon starts as addon/run.sh
 * starts it (src/nodeFlags.ts); DAEMON_NODE_FLAGS="…" gives other Node.js flags, as for
 * bench:soak.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RENDERED_MARK } from "../panel-ui/src/format.js";
import type { CallReport } from "../src/core/outputs/callReport.js";
import { DAEMON_NODE_FLAGS, MEMORY_ENVIRONMENT } from "../src/nodeFlags.js";
import { runScript, withBrowser } from "../test/browser/support/labScript.js";
import { PanelLab } from "../test/browser/support/panelLab.js";
import { seedCallLog, seedReport } from "../test/browser/support/seedCalls.js";
import { childPids } from "../test/support/processes.js";
import { PROJECT_ROOT } from "../test/support/projectRoot.js";

const CALLS = Number(process.env.PANEL_BENCH_CALLS ?? 100_000);
const DAY_MS = 86_400_000;

/** A call as the daemon records it at its end: the rows come from the log's own mapping. */
function report(i: number, now: number): CallReport {
  const outgoing = i % 10 === 0;
  const named = i % 2 === 0;
  return seedReport({
    id: `seed-${i}`,
    startedAt: now - 100 * DAY_MS + Math.floor((i * 100 * DAY_MS) / CALLS),
    line: i % 4 === 0 ? "aaln/2@ata.example" : "aaln/1@ata.example",
    direction: outgoing ? "outgoing" : "incoming",
    talkS: !outgoing && i % 3 === 0 ? null : i % 600,
    number: `044${String(1_000_000 + ((i * 7919) % 9_000_000)).slice(-7)}`,
    name: named ? `Caller ${i}` : null,
    source: named ? "search.ch" : null,
  });
}

function seed(dataDir: string): void {
  const now = Date.now();
  seedCallLog(dataDir, CALLS, (i) => report(i, now));
}

function daemonFlags(): readonly string[] {
  const given = process.env.DAEMON_NODE_FLAGS;
  return given === undefined ? DAEMON_NODE_FLAGS : given.split(" ").filter((f) => f !== "");
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

function residentKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Proportional set size: shared pages (node's own binary, mapped by both) counted once. */
function proportionalKb(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

/** The daemon's and its capture's (tcpdump's) resident memory, each and summed. */
function memory(pid: number): string {
  const daemon = residentKb(pid);
  const workers = childPids(pid);
  const workerKb = workers.reduce((sum, child) => sum + residentKb(child), 0);
  const pss = [pid, ...workers].reduce((sum, p) => sum + proportionalKb(p), 0);
  return `daemon ${mb(daemon)} + tcpdump ${workers.map((c) => mb(residentKb(c))).join(" + ") || "none"} = ${mb(daemon + workerKb)} VmRSS (PSS of both ${mb(pss)})`;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  const seeding = performance.now();
  const lab = await PanelLab.start({
    // As addon/run.sh starts it: its node flags (DAEMON_NODE_FLAGS="…" for others) and
    // environment, with TZ as the Supervisor sets it.
    program: [...daemonFlags(), join(PROJECT_ROOT, "dist", "main.js")],
    env: { TZ: "Europe/Zurich", ...MEMORY_ENVIRONMENT },
    seed,
  });
  console.log(`daemon up with ${CALLS} calls in the log (${ms(performance.now() - seeding)})`);
  const pid = lab.daemon.child.pid ?? -1;
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  console.log(`memory idle, the panel never opened: ${memory(pid)}`);
  await withBrowser(lab, async (browser) => {
    // Server: the first page, over HTTP, as the page asks it.
    const firstPage = `${lab.url}api/calls?limit=50`;
    const serverTimes: number[] = [];
    const dbTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [body, took] = await timed(async () => {
        const response = await fetch(firstPage);
        // The query's own time, as the server reports it (Server-Timing: db;dur=<ms>).
        const db = /db;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1];
        if (db !== undefined) dbTimes.push(Number(db));
        return response.json();
      });
      if ((body as { calls: unknown[] }).calls.length !== 50)
        throw new Error(`the first page has not 50 calls: ${JSON.stringify(body).slice(0, 200)}`);
      serverTimes.push(took);
    }
    console.log(
      `server, first page of Calls (50 of ${CALLS}): first ${ms(serverTimes[0] ?? 0)}, median ${ms(median(serverTimes))}, max ${ms(Math.max(...serverTimes))} (30 requests; the query alone: median ${dbTimes.length ? ms(median(dbTimes)) : "not reported"})`,
    );
    // Server: the first page with the filters the page offers.
    for (const filter of ["missed=1", "direction=outgoing", "q=Caller%209", "q=5550", "q=nobody"]) {
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < 10; i++) {
        const [body, took] = await timed(
          async () =>
            (await (await fetch(`${firstPage}&${filter}`)).json()) as { calls: unknown[] },
        );
        times.push(took);
        found = body.calls.length;
      }
      console.log(
        `server, first page with ${decodeURIComponent(filter)}: ${found} calls, median ${ms(median(times))}, max ${ms(Math.max(...times))} (10 requests)`,
      );
    }
    // Server: every page by the cursor, to the oldest call.
    let cursor: string | null = null;
    let pages = 0;
    let seen = 0;
    const pageTimes: number[] = [];
    do {
      const url: string = `${firstPage}${cursor === null ? "" : `&before=${encodeURIComponent(cursor)}`}`;
      const [body, took] = await timed(
        async () => (await (await fetch(url)).json()) as { calls: unknown[]; next: string | null },
      );
      pageTimes.push(took);
      pages++;
      seen += body.calls.length;
      cursor = body.next;
    } while (cursor !== null);
    console.log(
      `server, all pages by cursor: ${pages} pages, ${seen} calls, median ${ms(median(pageTimes))}, max ${ms(Math.max(...pageTimes))}`,
    );

    // Browser: navigation to rendered rows, in fresh pages.
    const browserTimes: number[] = [];
    const markTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.page();
      const [, took] = await timed(async () => {
        await page.goto(`${lab.url}#/calls`);
        await page.locator("vci-calls li.call").nth(49).waitFor();
      });
      browserTimes.push(took);
      // The page's own clock: from the start of the navigation to the rows' first render.
      markTimes.push(
        await page.evaluate(
          (name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN,
          RENDERED_MARK,
        ),
      );
      await page.context().close();
    }
    console.log(
      `browser, navigation to 50 rendered rows of Calls: in the page median ${ms(median(markTimes))}, max ${ms(Math.max(...markTimes))}; seen by playwright median ${ms(median(browserTimes))}, max ${ms(Math.max(...browserTimes))} (5 fresh pages)`,
    );

    // Memory: idle, with the panel open on Now and its live connection up.
    const page = await browser.page();
    await page.goto(`${lab.url}#/now`);
    await page.locator("[data-testid=live]", { hasText: "live" }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    console.log(`memory idle with the panel open (after the requests above): ${memory(pid)}`);
  });
}

runScript(main);
