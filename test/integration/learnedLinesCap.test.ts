/**
 * The cap on learned lines as Home Assistant sees it, against a real mosquitto: lines that
 * only calls made known (SIP scanners that got a phone to ring, in the worst case) end as at
 * most eight devices beside the configured ones, and a forgotten line leaves nothing retained
 * behind, neither its discovery configs nor its states, also when it was forgotten while the
 * add-on was not running (a household.json from before the cap).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallEventType } from "../../src/core/calls/callEvent.js";
import { buildDiscovery, lineId, stableJson } from "../../src/core/discovery/buildDiscovery.js";
import { lineStateMessages } from "../../src/core/discovery/lineMessages.js";
import { newLine } from "../../src/core/household/household.js";
import { serializeHousehold } from "../../src/core/household/householdFile.js";
import type { HouseholdRules } from "../../src/core/household/learnedLines.js";
import type { CallReport } from "../../src/core/outputs/callReport.js";
import { createHousehold, loadHousehold } from "../../src/daemon/household.js";
import { readJsonFile, writeJsonFileAtomic } from "../../src/io/jsonFile.js";
import { createMqttOutput, type MqttOutput } from "../../src/io/mqttPublisher.js";
import { callEvent, hansMuster } from "../support/callFixtures.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";

const BASE = "voip_callerid";
const PREFIX = "homeassistant";
const HOME = "aaln/1@gw.example";
const CAP = 8;
const RULES: HouseholdRules = { isConfigured: (key) => key === HOME, maxLearnedLines: CAP };
const SCANNERS = Array.from({ length: 300 }, (_, i) => `sip:${100 + i}@198.51.100.${i % 250}`);
const T0 = Date.UTC(2026, 11, 5, 20, 0, 0);

let broker: Mosquitto;
let folder: string;
const running: MqttOutput[] = [];

beforeEach(async () => {
  broker = await startMosquitto();
  folder = mkdtempSync(join(tmpdir(), "vci-cap-"));
});

afterEach(async () => {
  for (const output of running.splice(0)) await output.stop();
  await broker.kill();
  rmSync(folder, { recursive: true, force: true });
});

/** The household and its MQTT view as the daemon composes them, on files in `folder`. */
function start(rules: HouseholdRules) {
  const read = (file: string) => readJsonFile(join(folder, file));
  const save = (file: string) => (value: unknown) => writeJsonFileAtomic(join(folder, file), value);
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const loaded = loadHousehold(read, () => {}, rules);
  let clock = T0;
  const household = createHousehold({
    initial: loaded.state,
    save: save("household.json"),
    now: () => clock++,
    log,
    rules,
  });
  const store = {
    load: () => {
      const state = read("mqtt-state.json");
      return state.ok ? state.value : undefined;
    },
    save: save("mqtt-state.json"),
  };
  const settings = { url: broker.url, discoveryPrefix: PREFIX, baseTopic: BASE, swVersion: "1" };
  const mqtt = createMqttOutput(settings, household, store, log);
  running.push(mqtt);
  const call = (line: string, type: CallEventType, id: string) => {
    const report: CallReport = {
      event: callEvent(type, id, { line, at: clock, startedAt: clock }),
      line: { name: line, mediaPlayers: [] },
      party: hansMuster(),
    };
    household.dispatch({ kind: "call", report });
    mqtt.publishCall(report);
  };
  return { mqtt, household, call, loaded };
}

/** Every retained message on the broker (subscribed to `#`), up to a sentinel published after. */
async function retainedOnBroker(): Promise<Map<string, string>> {
  const client = await connectAsync(broker.url, { connectTimeout: 2_000 });
  const seen = new Map<string, string>();
  const sentinel = `test/sentinel/${Date.now()}`;
  const done = new Promise<void>((resolve) => {
    client.on("message", (topic, payload, packet) => {
      if (topic === sentinel) resolve();
      else if (packet.retain) seen.set(topic, payload.toString("utf8"));
    });
  });
  // QoS 0: mosquitto queues at most 1000 QoS 1 messages per client, and 300 lines are more.
  await client.subscribeAsync("#", { qos: 0 });
  await client.publishAsync(sentinel, "end", { qos: 1 });
  await done;
  await client.endAsync(true);
  return seen;
}

/** The line devices whose configs are retained, and the lines whose states are. */
function devicesAndStates(retained: Map<string, string>) {
  const devices = new Set<string>();
  const stateLines = new Set<string>();
  for (const topic of retained.keys()) {
    const parts = topic.split("/");
    if (parts[0] === PREFIX && parts[2]?.startsWith(`${BASE}_`))
      devices.add(parts[2].slice(BASE.length + 1));
    if (parts[0] === BASE && parts.length > 2) stateLines.add(parts[1] as string);
  }
  return { devices, stateLines };
}

/** Polls the broker until `check` holds. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the cap on learned lines, on the broker", () => {
  it("300 scanner lines end as at most 8 learned devices, with no stale retained topic", async () => {
    const { mqtt, call } = start(RULES);
    await mqtt.start();
    call(HOME, "ringing", "home-1");
    call(HOME, "missed", "home-1");
    call("sip:0441112233", "ringing", "held"); // learned, and still ringing: never evicted
    for (const [i, line] of SCANNERS.entries()) {
      call(line, "ringing", `scan-${i}`);
      call(line, "missed", `scan-${i}`);
    }
    const last = lineId(SCANNERS.at(-1) as string);
    await until(
      async () => (await retainedOnBroker()).get(`${BASE}/${last}/phone`) === "idle",
      "the last scanner line",
    );

    const retained = await retainedOnBroker();
    const { devices, stateLines } = devicesAndStates(retained);
    const expected = [HOME, "sip:0441112233", ...SCANNERS.slice(-(CAP - 1))].map(lineId);
    expect([...devices].sort()).toEqual([...expected].sort());
    expect([...stateLines].sort()).toEqual([...expected].sort());
    // The add-on device's configs, 6 per line device; nothing else retained but the add-on's own.
    const addon = buildDiscovery({
      discoveryPrefix: PREFIX,
      baseTopic: BASE,
      swVersion: "1",
      lines: [],
    }).length;
    const configs = [...retained.keys()].filter((t) => t.startsWith(`${PREFIX}/`));
    expect(configs).toHaveLength(addon + 6 * expected.length);
    expect(retained.size).toBeLessThan(addon + 12 * expected.length + 3);
  });

  it("clears what a household saved before the cap left on the broker, at the next start", async () => {
    // What an add-on without the cap left: 300 lines in household.json, their configs in
    // mqtt-state.json, and their configs and states retained on the broker.
    const lines = SCANNERS.map((key, i) => ({ ...newLine(key, key), lastActivityAt: T0 + i }));
    writeJsonFileAtomic(join(folder, "household.json"), serializeHousehold({ lines }));
    const configs = buildDiscovery({
      discoveryPrefix: PREFIX,
      baseTopic: BASE,
      swVersion: "0",
      lines,
    });
    writeJsonFileAtomic(join(folder, "mqtt-state.json"), {
      version: 1,
      discoveryTopics: configs.map((m) => m.topic),
    });
    const old = await connectAsync(broker.url);
    for (const { topic, payload } of [
      ...configs.map((m) => ({ topic: m.topic, payload: stableJson(m.payload) })),
      ...lines.flatMap((line) => lineStateMessages(BASE, line)),
    ])
      await old.publishAsync(topic, payload, { qos: 1, retain: true });
    await old.endAsync();
    expect(devicesAndStates(await retainedOnBroker()).devices.size).toBe(300);

    const after = start(RULES);
    expect(after.loaded.state.lines.map((line) => line.key)).toEqual(SCANNERS.slice(-CAP));
    expect(after.loaded.evicted).toHaveLength(300 - CAP);
    await after.mqtt.start();
    const kept = SCANNERS.slice(-CAP).map(lineId).sort();
    await until(
      async () => devicesAndStates(await retainedOnBroker()).stateLines.size === CAP,
      "8 lines' states",
    );
    const { devices, stateLines } = devicesAndStates(await retainedOnBroker());
    expect([...devices].sort()).toEqual(kept);
    expect([...stateLines].sort()).toEqual(kept);
  });
});
