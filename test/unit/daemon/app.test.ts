/**
 * The daemon's wiring, in-process: the real composition (caller directory, call log in
 * SQLite, household, the outputs of outputs/index.ts) with fakes only where Home Assistant
 * and the MQTT broker would be. Frames go in; what each output hears, and when, comes out.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Options } from "../../../src/config/schema.js";
import { validateOptions } from "../../../src/config/validateOptions.js";
import { linePhoneState } from "../../../src/core/household/household.js";
import { type DaemonAdapters, REAL_ADAPTERS } from "../../../src/daemon/adapters.js";
import type { App } from "../../../src/daemon/app.js";
import { VirtualClock } from "../../../src/daemon/clock.js";
import type { Household } from "../../../src/daemon/household.js";
import { OUTPUTS } from "../../../src/daemon/outputs/index.js";
import type {
  HomeAssistantClient,
  OutputDefinition,
  OutputUnit,
} from "../../../src/daemon/outputs/output.js";
import { composeTestDaemon, rqnt, TEST_LINE, tapOutput } from "../../support/daemonInProcess.js";

const T0 = Date.UTC(2026, 2, 14, 18, 0, 0);
const LINE = TEST_LINE;
const ring = (transaction: number, at: number) =>
  rqnt(transaction, at, 'L/rg,L/ci(03/14/19/00,"0441234567",)');
const ringStops = (transaction: number, at: number) => rqnt(transaction, at, "");

let dir: string;
let timeline: string[];
let logLines: string[];
let apps: App[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vci-app-"));
  timeline = [];
  logLines = [];
  apps = [];
});
afterEach(async () => {
  for (const app of apps) await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Record<string, unknown> = {}): Options {
  const validated = validateOptions({
    lines: [{ id: "aaln/1@*", name: "Home" }],
    directory: {
      online_lookup: false,
      phonebook: [{ number: "044 123 45 67", name: "Hans Muster" }],
    },
    announce: { tts_entity: "tts.piper", media_players: ["media_player.kitchen"], repeat: 1 },
    mqtt: { url: "mqtt://broker.invalid" },
    homeassistant: { url: "http://ha.invalid:8123", token: "t" },
    data_dir: dir,
    ...extra,
  });
  if (!validated.ok) throw new Error(validated.problems.join("; "));
  return validated.options;
}

/** Home Assistant as the outputs see it: connects when started, records what it is sent. */
function fakeHomeAssistant(): HomeAssistantClient {
  let connected = false;
  const listeners: ((status: "connected") => void)[] = [];
  return {
    start() {
      connected = true;
      for (const listener of listeners) listener("connected");
    },
    stop: async () => {},
    fireEvent: async (_type, data) => {
      timeline.push(`ha event ${data.type}`);
    },
    callService: async (call) => {
      timeline.push(`ha ${call.domain}.${call.service}`);
      return "sent";
    },
    get connected() {
      return connected;
    },
    onStatus: (listener) => {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
}

/**
 * The MQTT publisher as the app drives it: it hears of the household's changes, and shows a
 * call's line state (read from the household) with the call's event entity.
 */
const fakeMqtt: DaemonAdapters["mqtt"] = (_settings, household) => {
  let unsubscribe = () => {};
  return {
    start: async () => {
      unsubscribe = household.subscribe(({ cause }) => timeline.push(`household ${cause}`));
    },
    stop: async () => unsubscribe(),
    publishCall: (report) => {
      const line = household.current().lines.find((l) => l.key === report.event.line);
      timeline.push(`mqtt state ${line ? linePhoneState(line) : "none"}`);
      timeline.push(`mqtt event ${report.event.type}`);
    },
    publishDiagnostics: () => {},
    publishRecentCalls: () => {},
    connected: true,
  };
};

const adapters: DaemonAdapters = {
  ...REAL_ADAPTERS,
  homeAssistant: () => fakeHomeAssistant(),
  mqtt: fakeMqtt,
  openCallLog: (path, settings) => {
    const log = REAL_ADAPTERS.openCallLog(path, settings);
    return {
      ...log,
      record(report) {
        log.record(report);
        timeline.push(`call log ${report.event.type}`);
      },
      recent: (query) => log.recent(query),
      prune: (now) => log.prune(now),
      close: () => log.close(),
    };
  },
};

async function startApp(
  opts: Options,
  outputs: readonly OutputDefinition[] = OUTPUTS,
): Promise<{ app: App; clock: VirtualClock; household: () => Household }> {
  const clock = new VirtualClock(T0);
  let household: Household | null = null;
  // The household is read through a tap output: the app hands every output the same one.
  const tap = tapOutput((context) => {
    household = context.household;
  });
  const app = await composeTestDaemon({
    options: opts,
    clock,
    logLines,
    stateFolder: dir,
    adapters,
    outputs: [tap, ...outputs],
  });
  apps.push(app);
  await app.start();
  return {
    app,
    clock,
    household: () => {
      if (!household) throw new Error("no household");
      return household;
    },
  };
}

describe("the daemon's app, in-process", () => {
  it("puts a call on record, then in the household, then tells Home Assistant, the speakers and MQTT, in order", async () => {
    const { app, clock } = await startApp(options());
    await app.ready(1000);
    clock.advanceTo(T0);
    expect(app.handleFrame(ring(1, T0))).toBe(true);
    await app.settle();
    clock.advanceTo(T0 + 20_000);
    app.handleFrame(ringStops(2, T0 + 20_000));
    await app.idle();

    expect(timeline).toEqual([
      "call log ringing",
      "household call",
      "ha event ringing",
      "ha tts.speak",
      "mqtt state ringing",
      "mqtt event ringing",
      "call log missed",
      "household call",
      "ha event missed",
      "ha logbook.log",
      "mqtt state idle",
      "mqtt event missed",
    ]);
    // The console is not the only output here: the call is noted without name or number.
    expect(
      logLines.some((l) => l.includes("[voip:calls] Home: incoming call") && l.includes("INFO")),
    ).toBe(true);
  });

  it("keeps the household's state across a restart, and reads the MQTT publisher's older file", async () => {
    writeFileSync(
      join(dir, "mqtt-state.json"),
      JSON.stringify({
        version: 1,
        lines: [{ key: LINE, label: "Home", missedCalls: 4, announcements: false }],
        discoveryTopics: ["homeassistant/sensor/voip_callerid_aaln_1_mta_example/phone/config"],
      }),
    );
    const first = await startApp(options());
    const line = () => first.household().current().lines[0];
    expect(line()).toMatchObject({ key: LINE, missedCalls: 4, announcements: false });
    // Saved in the household's own file at once: the publisher may rewrite the old one.
    const saved = JSON.parse(readFileSync(join(dir, "household.json"), "utf8"));
    expect(saved.lines[0]).toMatchObject({ key: LINE, missedCalls: 4, announcements: false });

    // Switched off: the ring is on record and shown, but not said.
    first.app.handleFrame(ring(1, T0));
    await first.app.idle();
    expect(timeline).not.toContain("ha tts.speak");
    first.household().dispatch({ kind: "reset-missed-calls", line: LINE });
    first.household().dispatch({ kind: "set-announcements", line: LINE, on: true });
    await first.app.stop();
    apps.length = 0;

    const second = await startApp(options());
    expect(second.household().current().lines[0]).toMatchObject({
      missedCalls: 0,
      announcements: true,
      lastCaller: { state: "Hans Muster" },
    });
    second.app.handleFrame(ring(3, T0 + 60_000));
    await second.app.idle();
    expect(timeline.filter((t) => t === "ha tts.speak")).toHaveLength(1);
  });

  it("lets a stuck output fall behind without holding up the others", async () => {
    let release = () => {};
    const stuckReports: string[] = [];
    const stuck = outputHandling("stuck", (report) => {
      stuckReports.push(report.event.type);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    // First in the list, where it would block everyone behind it if outputs were called in turn.
    const { app } = await startApp(options(), [stuck, ...OUTPUTS]);
    app.handleFrame(ring(1, T0));
    app.handleFrame(ringStops(2, T0 + 20_000));
    const settled = app.settle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(timeline).toContain("ha event missed");
    expect(timeline).toContain("mqtt event missed");
    expect(stuckReports).toEqual(["ringing"]);

    let done = false;
    void settled.then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false); // settle waits for every output, the stuck one too
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(stuckReports).toEqual(["ringing", "missed"]);
    release();
    await settled;
  });

  it("logs an output that fails and goes on with the next report", async () => {
    const failing = outputHandling("failing", () => {
      throw new Error("out of paper");
    });
    const { app } = await startApp(options(), [failing, ...OUTPUTS]);
    app.handleFrame(ring(1, T0));
    app.handleFrame(ringStops(2, T0 + 20_000));
    await app.idle();
    expect(timeline).toContain("ha event missed");
    expect(logLines.filter((l) => l.includes("failing failed: Error: out of paper"))).toHaveLength(
      2,
    );
  });

  it("leaves out what the options turn off, and says why", async () => {
    const { app } = await startApp(
      options({ mqtt: { url: "" }, homeassistant: { url: "" }, announce: { enabled: false } }),
    );
    app.handleFrame(ring(1, T0));
    await app.idle();
    expect(timeline).toEqual(["call log ringing"]);
    expect(logLines.some((l) => l.includes("MQTT entities are off: no broker configured"))).toBe(
      true,
    );
    expect(
      logLines.some((l) => l.includes("Home Assistant events and announcements are off")),
    ).toBe(true);
    // The console is then the output: the call with its name and sentence, at info.
    expect(
      logLines.some(
        (l) => l.includes("INFO") && l.includes('Hans Muster — "Anruf von Hans Muster"'),
      ),
    ).toBe(true);
  });
});

/** An output, always on, that hands each call report to `handleCall`. */
function outputHandling(
  name: string,
  handleCall: NonNullable<OutputUnit["handleCall"]>,
): OutputDefinition {
  return { name, logName: name, enabled: () => true, create: () => ({ name, handleCall }) };
}
