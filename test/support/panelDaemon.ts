/**
 * The daemon's real composition in-process (caller directory with its files, the call log in
 * SQLite, the household, every output of outputs/index.ts, the panel among them) on a free
 * port, for the panel's API tests. Frames go in as MGCP from a call agent; the panel is asked
 * over real HTTP. Home Assistant is the websocket stand-in when a test gives one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { Options } from "../../src/config/schema.js";
import { validateOptions } from "../../src/config/validateOptions.js";
import { type DaemonAdapters, REAL_ADAPTERS } from "../../src/daemon/adapters.js";
import type { App } from "../../src/daemon/app.js";
import { VirtualClock } from "../../src/daemon/clock.js";
import { composeTestDaemon, rqnt } from "./daemonInProcess.js";
import { freePort } from "./mosquitto.js";

export interface PanelDaemon {
  readonly app: App;
  readonly clock: VirtualClock;
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly port: number;
  readonly logLines: string[];
  /** A call from `number` rings at `at` and stops ringing 20 s later (a missed call). */
  missedCall(number: string, at: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PanelDaemonSettings {
  dataDir: string;
  options?: Record<string, unknown>;
  start?: number;
  /** Listen here instead of a free port. */
  port?: number;
  /** The environment (SUPERVISOR_TOKEN: as an add-on) and adapters in place of the real ones. */
  env?: NodeJS.ProcessEnv;
  adapters?: Partial<DaemonAdapters>;
  /** Wait until the panel answers (default: when panel.enabled). */
  waitForPanel?: boolean;
}

export async function startPanelDaemon(settings: PanelDaemonSettings): Promise<PanelDaemon> {
  const port = settings.port ?? (await freePort());
  const validated = validateOptions({
    lines: [{ id: "aaln/1@*", name: "Home" }],
    directory: { online_lookup: false },
    data_dir: settings.dataDir,
    panel: { port },
    ...settings.options,
  });
  if (!validated.ok) throw new Error(validated.problems.join("; "));
  const options: Options = validated.options;
  const clock = new VirtualClock(settings.start ?? Date.UTC(2026, 2, 14, 18, 0, 0));
  const logLines: string[] = [];
  const app = await composeTestDaemon({
    options,
    clock,
    logLines,
    stateFolder: settings.dataDir,
    adapters: { ...REAL_ADAPTERS, ...settings.adapters },
    env: settings.env ?? {},
  });
  await app.start();
  // The panel starts in the background (outputs/panel.ts): wait until it answers.
  if (settings.waitForPanel ?? options.panel.enabled)
    await answering(`http://127.0.0.1:${port}/api/state`, logLines);
  let transaction = 1;
  return {
    app,
    clock,
    url: `http://127.0.0.1:${port}/`,
    port,
    logLines,
    async missedCall(number, at) {
      clock.advanceTo(at);
      app.handleFrame(rqnt(transaction++, at, `L/rg,L/ci(03/14/19/00,"${number}",)`));
      await app.settle();
      clock.advanceTo(at + 20_000);
      app.handleFrame(rqnt(transaction++, at + 20_000, ""));
      await app.idle();
    },
    stop: () => app.stop(),
  };
}

async function answering(url: string, logLines: readonly string[]): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`the panel did not answer: ${logLines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A change as the panel's page sends it: JSON with the panel's header. */
export function change(method: string, body?: unknown): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", "x-voip-callerid": "1" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/**
 * For a test file: each test gets a fresh data folder; `start` runs the daemon over it, and
 * at the test's end the daemon still running is stopped and the folder removed.
 */
export function panelDaemonPerTest(start: number) {
  let dir = "";
  let running: PanelDaemon | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vci-panel-"));
    running = null;
  });
  afterEach(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    /** This test's data folder. */
    get dir(): string {
      return dir;
    },
    /** The daemon with these options (and any other of its settings) over this test's folder. */
    async start(
      options: Record<string, unknown> = {},
      settings: Omit<PanelDaemonSettings, "dataDir" | "options" | "start"> = {},
    ): Promise<PanelDaemon> {
      running = await startPanelDaemon({ ...settings, dataDir: dir, options, start });
      return running;
    },
    /** Stops the running daemon before the test ends (so another may start). */
    async stop(): Promise<void> {
      await running?.stop();
      running = null;
    },
  };
}

/** A request to the panel's API: its status, headers and body as JSON (null when empty). */
export async function panelJson(d: PanelDaemon, path: string, init?: RequestInit) {
  const response = await fetch(new URL(path, d.url), init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
}
