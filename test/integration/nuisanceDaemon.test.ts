/**
 * The nuisance lists in the running composition, in-process: options, a watched nuisance file
 * edited while the daemon runs, the household's marks (as the panel makes them), the phonebook
 * and the allow list in their order; what an automation reads in the event data, what the call
 * log keeps, and the "nuisance calls this month" sensor.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Options } from "../../src/config/schema.js";
import { validateOptions } from "../../src/config/validateOptions.js";
import { BRIDGE_OFF } from "../../src/core/bridge/bridgeStatus.js";
import { CAPTURE_OFF } from "../../src/core/capture/captureStatus.js";
import type { Diagnostics } from "../../src/core/discovery/entityStates.js";
import type { HouseholdMarks } from "../../src/core/nuisance/marks.js";
import { callEventData } from "../../src/core/outputs/callReport.js";
import { type DaemonAdapters, REAL_ADAPTERS } from "../../src/daemon/adapters.js";
import type { App } from "../../src/daemon/app.js";
import { VirtualClock } from "../../src/daemon/clock.js";
import { mqttEntities } from "../../src/daemon/outputs/mqtt.js";
import type { CallLog } from "../../src/io/callLog.js";
import { callEvent } from "../support/callFixtures.js";
import { composeTestDaemon, tapOutput } from "../support/daemonInProcess.js";

const T0 = Date.parse("2026-12-05T19:00:00Z");

let dir: string;
let listFile: string;
let logLines: string[];
let events: Record<string, unknown>[];
let diagnostics: Diagnostics[];
let app: App | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nuisance-daemon-"));
  listFile = join(dir, "ktipp.txt");
  logLines = [];
  events = [];
  diagnostics = [];
  app = null;
});
afterEach(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function options(): Options {
  const validated = validateOptions({
    lines: [{ id: "aaln/1@*", name: "Home" }],
    directory: {
      online_lookup: false,
      phonebook: [{ number: "044 123 45 67", name: "Hans Muster" }],
      nuisance: [{ number: "090 1*", label: "Mehrwertdienst" }],
      nuisance_files: [listFile],
      allow: ["+41 901 234 5*"],
    },
    mqtt: { url: "mqtt://broker.invalid" },
    data_dir: dir,
  });
  if (!validated.ok) throw new Error(validated.problems.join("; "));
  return validated.options;
}

/** Writes the file as editors do: a new file renamed over the old one. */
function writeList(text: string): void {
  const temporary = `${listFile}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, listFile);
}

const adapters: DaemonAdapters = {
  ...REAL_ADAPTERS,
  mqtt: () => ({
    start: async () => {},
    stop: async () => {},
    publishCall: () => {},
    publishDiagnostics: (d) => void diagnostics.push(d),
    publishRecentCalls: () => {},
    connected: true,
  }),
  fetchMqttService: async () => ({ ok: false, message: "no Supervisor here" }),
};

async function start() {
  let marks: HouseholdMarks | null = null;
  let callLog: CallLog | null = null;
  const tap = tapOutput(
    (context) => {
      marks = context.marks;
      callLog = context.callLog;
    },
    { handleCall: (report) => void events.push(callEventData(report)) },
  );
  const started = await composeTestDaemon({
    options: options(),
    clock: new VirtualClock(T0),
    logLines,
    stateFolder: dir,
    adapters,
    outputs: [tap, mqttEntities],
  });
  app = started;
  await started.start();
  if (marks === null || callLog === null) throw new Error("the tap was not created");
  return { app: started, marks: marks as HouseholdMarks, callLog: callLog as CallLog };
}

let calls = 0;
/** One ring from `number`; the event data an automation would get. */
async function ring(running: App, number: string): Promise<Record<string, unknown>> {
  calls += 1;
  running.routeEvent(callEvent("ringing", `c${calls}`, { number, at: T0, line: "aaln/1@gw" }));
  await running.idle();
  const data = events.at(-1);
  if (data === undefined) throw new Error("no report");
  return data;
}
const verdict = (data: Record<string, unknown>) => [
  data.nuisance,
  data.nuisance_label,
  data.nuisance_source,
];

async function waitForLog(text: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!logLines.some((line) => line.includes(text))) {
    if (Date.now() > until) throw new Error(`no "${text}" in the log:\n${logLines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("nuisance lists in the daemon", () => {
  it("flags by precedence, follows an edited file and the household's marks, and keeps the flag", async () => {
    writeList("0906*\tMehrwert 0906\n044 123 45 67\tHans is on a list too\nnot-a-number\tx\n");
    const { app: running, marks, callLog } = await start();
    // A bad line is named with its file and line; the rest of the file loads.
    expect(logLines.join("\n")).toContain(
      `${listFile} line 3: "not-a-number" is not a phone number or a prefix ending in *`,
    );

    const listed = await ring(running, "0901999999");
    expect(verdict(listed)).toEqual([true, "Mehrwertdienst", "list"]);
    // What was said: the warning (announce.nuisance warn, German by default), not the number.
    expect(listed.spoken).toBe("Achtung, vermutlich Werbung: Mehrwertdienst");
    expect(verdict(await ring(running, "0906000000"))).toEqual([true, "Mehrwert 0906", "file"]);
    // The allow list beats every list; a phonebook contact is never flagged.
    expect(verdict(await ring(running, "+41901234567"))).toEqual([false, null, null]);
    const hans = await ring(running, "0441234567");
    expect([hans.name, ...verdict(hans)]).toEqual(["Hans Muster", false, null, null]);
    // An unlisted caller.
    const unlisted = await ring(running, "0445550000");
    expect(verdict(unlisted)).toEqual([false, null, null]);
    expect(unlisted.spoken).toBe("Nicht im Telefonbuch. 0 4 4, 5 5 5, 0 0, 0 0");

    // The file is edited while the daemon runs: the next call hears of it.
    writeList("0906*\tGewinnspiel\n0445550000\tLotto Versand\n");
    await waitForLog("nuisance files reloaded: 2 numbers and prefixes");
    expect(verdict(await ring(running, "0906000000"))).toEqual([true, "Gewinnspiel", "file"]);
    expect(verdict(await ring(running, "0445550000"))).toEqual([true, "Lotto Versand", "file"]);

    // The household's own marks (the panel's buttons) beat files and options.
    expect(marks.mark({ number: "0445550000", kind: "allow" }).ok).toBe(true);
    expect(marks.mark({ number: "0901 99*", kind: "nuisance", label: "Our own" }).ok).toBe(true);
    expect(verdict(await ring(running, "0445550000"))).toEqual([false, null, null]);
    expect(verdict(await ring(running, "0901999999"))).toEqual([true, "Our own", "household"]);

    // The call log keeps the flag.
    const flagged = callLog.recent({ limit: 50 }).filter((row) => row.nuisance);
    expect(flagged.map((row) => [row.number, row.nuisance_label, row.nuisance_source])).toEqual([
      ["+41901999999", "Our own", "household"],
      ["+41445550000", "Lotto Versand", "file"],
      ["+41906000000", "Gewinnspiel", "file"],
      ["+41906000000", "Mehrwert 0906", "file"],
      ["+41901999999", "Mehrwertdienst", "list"],
    ]);

    // And the diagnostic sensor counts them.
    running.publishDiagnostics({
      ...running.callDiagnostics(),
      bridge: BRIDGE_OFF,
      capture: CAPTURE_OFF,
    });
    expect(diagnostics.at(-1)?.nuisanceCallsThisMonth).toBe(5);
  });

  it("an outgoing call is never judged", async () => {
    writeList("0906*\tMehrwert\n");
    const { app: running } = await start();
    running.routeEvent(
      callEvent("outgoing", "out", { number: "0906000000", direction: "outgoing", at: T0 }),
    );
    await running.idle();
    expect(verdict(events.at(-1) ?? {})).toEqual([false, null, null]);
  });
});
