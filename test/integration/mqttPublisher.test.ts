/**
 * The MQTT publisher against a real mosquitto, read by a second client subscribed the way
 * Home Assistant subscribes (`homeassistant/#` for discovery, the base topic for states).
 * Every test gets its own broker, so retained messages never leak from one test to the next.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { connectAsync, type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BRIDGE_OFF } from "../../src/core/bridge/bridgeStatus.js";
import type { CallDirection, CallEvent, CallEventType } from "../../src/core/calls/callEvent.js";
import { CAPTURE_OFF } from "../../src/core/capture/captureStatus.js";
import { buildDiscovery, stableJson } from "../../src/core/discovery/buildDiscovery.js";
import type { Diagnostics } from "../../src/core/discovery/entityStates.js";
import { parseHousehold } from "../../src/core/household/householdFile.js";
import type { CallReport } from "../../src/core/outputs/callReport.js";
import { createHousehold, type Household } from "../../src/daemon/household.js";
import { readJsonFile, writeJsonFileAtomic } from "../../src/io/jsonFile.js";
import {
  createMqttOutput,
  type MqttSettings,
  type MqttStateStore,
} from "../../src/io/mqttPublisher.js";
import { callEvent, hansMuster } from "../support/callFixtures.js";
import { builtModule, PROJECT_ROOT } from "../support/cli.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";

const WAIT_MS = 8_000;
const LINE = "aaln/1@gw.example";
const LINE2 = "aaln/2@gw.example";
const BASE = "voip_callerid";
const L1 = `${BASE}/aaln_1_gw_example`;
const L2 = `${BASE}/aaln_2_gw_example`;
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

const HANS = hansMuster({
  city: "Zürich",
  canton: "ZH",
  announcement: "Anruf von Hans Muster. Zürich",
});

function report(
  type: CallEventType,
  callId: string,
  extra: { line?: string; label?: string; direction?: CallDirection } & Partial<CallEvent> = {},
): CallReport {
  const { line = LINE, label = "Home", direction = "incoming", ...rest } = extra;
  const event = callEvent(type, callId, { line, direction, at: T0, startedAt: T0, ...rest });
  return { event, line: { name: label, mediaPlayers: [] }, party: HANS };
}

interface Seen {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** A client subscribed as Home Assistant is, remembering every message in order. */
class Observer {
  readonly messages: Seen[] = [];
  #wake: (() => void)[] = [];

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString("utf8"), retain: packet.retain });
      for (const wake of this.#wake.splice(0)) wake();
    });
  }

  static async connect(url: string, topics = ["homeassistant/#", `${BASE}/#`]): Promise<Observer> {
    const client = await connectAsync(url, { reconnectPeriod: 100, connectTimeout: 2_000 });
    const observer = new Observer(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return observer;
  }

  /** The first message from index `since` on that matches, waiting for it if need be. */
  async waitFor(match: (m: Seen) => boolean, what: string, since = 0): Promise<Seen> {
    const deadline = Date.now() + WAIT_MS;
    for (let i = since; ; ) {
      for (; i < this.messages.length; i++) {
        const message = this.messages[i];
        if (message && match(message)) return message;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.messages.slice(since).map((m) => `${m.topic}=${m.payload.slice(0, 60)}`);
        throw new Error(`timed out waiting for ${what}; saw:\n${seen.join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForValue(topic: string, payload: string, since = 0): Promise<Seen> {
    return this.waitFor(
      (m) => m.topic === topic && m.payload === payload,
      `${topic}=${payload}`,
      since,
    );
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/**
 * The retained messages a new subscriber gets, as HA finds them when it starts. A sentinel
 * published after the subscription marks the end: the broker queues the retained messages
 * before it.
 */
async function retained(url: string): Promise<Map<string, string>> {
  const sentinel = `test/sentinel/${Math.random().toString(36).slice(2)}`;
  const observer = await Observer.connect(url, ["homeassistant/#", `${BASE}/#`, sentinel]);
  await observer.client.publishAsync(sentinel, "end", { qos: 1 });
  await observer.waitFor((m) => m.topic === sentinel, "the sentinel");
  await observer.end();
  return new Map(observer.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
}

function fileStore(path: string): MqttStateStore & { read(): Record<string, unknown> } {
  return {
    load: () => {
      const read = readJsonFile(path);
      return read.ok ? read.value : undefined;
    },
    save: (state) => writeJsonFileAtomic(path, state),
    read: () => {
      const read = readJsonFile(path);
      if (!read.ok) throw new Error(read.message);
      return read.value as Record<string, unknown>;
    },
  };
}

/**
 * The publisher as the daemon runs it: a view of the household, which keeps the lines' state
 * (in `store`); a call reaches the household first, then the publisher's event entity.
 */
interface PublisherUnderTest {
  start(): Promise<void>;
  stop(): Promise<void>;
  publishCall(report: CallReport): void;
  publishDiagnostics(d: Diagnostics): void;
  announcementsEnabled(line: string): boolean;
  readonly connected: boolean;
  readonly household: Household;
}

let broker: Mosquitto;
let folder: string;
/** The household's state file. */
let store: ReturnType<typeof fileStore>;
/** The publisher's own state file (its discovery topics). */
let mqttStore: ReturnType<typeof fileStore>;
let logs: string[];
const outputs: PublisherUnderTest[] = [];
const observers: Observer[] = [];

function settings(extra: Partial<MqttSettings> = {}): MqttSettings {
  return {
    url: broker.url,
    discoveryPrefix: "homeassistant",
    baseTopic: BASE,
    swVersion: "9.9.9",
    ...extra,
  };
}

function output(extra: Partial<MqttSettings> = {}): PublisherUnderTest {
  const log = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    debug: (f: () => string) => logs.push(`debug ${f()}`),
  };
  const household = createHousehold({
    initial: parseHousehold(store.load()),
    save: (state) => store.save(state),
    now: Date.now,
    log,
  });
  const mqtt = createMqttOutput(settings(extra), household, mqttStore, log);
  const created: PublisherUnderTest = {
    start: () => mqtt.start(),
    stop: () => mqtt.stop(),
    publishCall(report) {
      household.dispatch({ kind: "call", report });
      mqtt.publishCall(report);
    },
    publishDiagnostics: (d) => mqtt.publishDiagnostics(d),
    announcementsEnabled: (line) => household.announcementsEnabled(line),
    get connected() {
      return mqtt.connected;
    },
    household,
  };
  outputs.push(created);
  return created;
}

async function observe(): Promise<Observer> {
  const observer = await Observer.connect(broker.url);
  observers.push(observer);
  return observer;
}

function lineConfigs(lines: { key: string; label: string }[]): Map<string, string> {
  const messages = buildDiscovery({
    discoveryPrefix: "homeassistant",
    baseTopic: BASE,
    swVersion: "9.9.9",
    lines,
  });
  return new Map(messages.map((m) => [m.topic, stableJson(m.payload)]));
}

beforeEach(async () => {
  broker = await startMosquitto();
  folder = mkdtempSync(join(tmpdir(), "vci-mqtt-"));
  store = fileStore(join(folder, "household.json"));
  mqttStore = fileStore(join(folder, "mqtt-state.json"));
  logs = [];
});

afterEach(async () => {
  for (const o of outputs.splice(0)) await o.stop();
  for (const o of observers.splice(0)) await o.end();
  await broker.kill();
  rmSync(folder, { recursive: true, force: true });
});

describe("MQTT publisher", () => {
  it("announces the devices retained and follows a call: ringing → talking → idle", async () => {
    const ha = await observe();
    const mqtt = output();
    await mqtt.start();
    expect(mqtt.connected).toBe(true);
    await ha.waitForValue(`${BASE}/availability`, "online");

    mqtt.publishCall(report("ringing", "c1"));
    await ha.waitForValue(`${L1}/phone`, "ringing");
    const ringing = await ha.waitFor((m) => m.topic === `${L1}/call`, "the ringing event");
    expect(ringing.retain).toBe(false);
    expect(JSON.parse(ringing.payload)).toMatchObject({
      event_type: "ringing",
      type: "ringing",
      line: LINE,
      line_name: "Home",
      name: "Hans Muster",
      number: "+41441234567",
    });
    await ha.waitForValue(`${L1}/last_caller`, "Hans Muster");

    const mark = ha.messages.length;
    mqtt.publishCall(report("answered", "c1", { answeredAt: T0 + 5_000 }));
    await ha.waitForValue(`${L1}/phone`, "talking", mark);
    mqtt.publishCall(report("ended", "c1", { answeredAt: T0 + 5_000, endedAt: T0 + 65_000 }));
    await ha.waitForValue(`${L1}/phone`, "idle", mark);
    const ended = await ha.waitFor(
      (m) => m.topic === `${L1}/call` && m.payload.includes('"event_type":"ended"'),
      "the ended event",
    );
    expect(JSON.parse(ended.payload).duration_s).toBe(60);

    // What HA finds when it (re)starts: every config, every state, availability.
    const state = await retained(broker.url);
    for (const [topic, payload] of lineConfigs([{ key: LINE, label: "Home" }])) {
      expect(state.get(topic), topic).toBe(payload);
    }
    expect(state.get(`${BASE}/availability`)).toBe("online");
    expect(state.get(`${L1}/phone`)).toBe("idle");
    expect(JSON.parse(state.get(`${L1}/phone/attributes`) ?? "{}")).toMatchObject({
      type: "ended",
      call_id: "c1",
      caller_name: "Hans Muster",
      answered_at: "2025-01-06T08:00:05.000Z",
    });
    expect(state.get(`${L1}/last_caller`)).toBe("Hans Muster");
    expect(JSON.parse(state.get(`${L1}/last_caller/attributes`) ?? "{}")).toStrictEqual({
      number: "+41441234567",
      source: "phonebook",
      time: "2025-01-06T08:00:00.000Z",
    });
    expect(state.get(`${L1}/missed_calls`)).toBe("0");
    expect(state.get(`${L1}/announcements`)).toBe("ON");
    expect(state.has(`${L1}/call`)).toBe(false); // HA ignores retained events: never retained

    // Unchanged configs are not sent again for the next call.
    const before = ha.messages.length;
    mqtt.publishCall(report("ringing", "c2"));
    await ha.waitForValue(`${L1}/phone`, "ringing", before);
    expect(ha.messages.slice(before).filter((m) => m.topic.startsWith("homeassistant/"))).toEqual(
      [],
    );
  });

  it("counts missed calls, keeps the count across a restart, and resets it with the button", async () => {
    const ha = await observe();
    const first = output();
    await first.start();
    first.publishCall(report("ringing", "c1"));
    first.publishCall(report("missed", "c1", { endedAt: T0 + 30_000 }));
    first.publishCall(report("ringing", "c2"));
    first.publishCall(report("missed", "c2", { endedAt: T0 + 30_000 }));
    first.publishCall(report("outgoing", "c3", { direction: "outgoing" }));
    first.publishCall(report("ended", "c3", { direction: "outgoing", endedAt: T0 + 1 }));
    await ha.waitForValue(`${L1}/missed_calls`, "2");
    await first.stop();
    await ha.waitForValue(`${BASE}/availability`, "offline");

    const mark = ha.messages.length;
    const second = output();
    await second.start();
    await ha.waitForValue(`${BASE}/availability`, "online", mark);
    const state = await retained(broker.url);
    expect(state.get(`${L1}/missed_calls`)).toBe("2");
    expect(state.get(`${L1}/last_caller`)).toBe("Hans Muster");
    expect(state.get(`${L1}/phone`)).toBe("idle");
    expect(
      state.get(`homeassistant/sensor/voip_callerid_aaln_1_gw_example/phone/config`),
    ).toBeDefined();

    second.publishCall(report("missed", "c4", { endedAt: T0 + 30_000 }));
    await ha.waitForValue(`${L1}/missed_calls`, "3", mark);

    const beforeReset = ha.messages.length;
    await ha.client.publishAsync(`${L1}/missed_calls/reset`, "PRESS", { qos: 1 });
    await ha.waitForValue(`${L1}/missed_calls`, "0", beforeReset);
    const saved = store.read() as { lines: { missedCalls: number }[] };
    expect(saved.lines[0]?.missedCalls).toBe(0);
  });

  it("turns announcements off and on through the switch, and remembers it", async () => {
    const ha = await observe();
    const mqtt = output();
    const changes: [string, boolean][] = [];
    mqtt.household.subscribe(({ cause, changed, line }) => {
      if (cause === "set-announcements" && changed) changes.push([line.key, line.announcements]);
    });
    await mqtt.start();
    mqtt.publishCall(report("ringing", "c1"));
    await ha.waitForValue(`${L1}/announcements`, "ON");
    expect(mqtt.announcementsEnabled(LINE)).toBe(true);
    expect(mqtt.announcementsEnabled("aaln/9@unknown")).toBe(true);

    let mark = ha.messages.length;
    await ha.client.publishAsync(`${L1}/announcements/set`, "OFF", { qos: 1 });
    await ha.waitForValue(`${L1}/announcements`, "OFF", mark);
    expect(mqtt.announcementsEnabled(LINE)).toBe(false);
    expect(changes).toStrictEqual([[LINE, false]]);
    expect((await retained(broker.url)).get(`${L1}/announcements`)).toBe("OFF");

    mark = ha.messages.length;
    await ha.client.publishAsync(`${L1}/announcements/set`, "nonsense", { qos: 1 });
    await ha.client.publishAsync(`${L1}/announcements/set`, "ON", { qos: 1 });
    await ha.waitForValue(`${L1}/announcements`, "ON", mark);
    await ha.client.publishAsync(`${L1}/announcements/set`, "OFF", { qos: 1 });
    await ha.waitForValue(`${L1}/announcements`, "OFF", mark);
    expect(changes).toStrictEqual([
      [LINE, false],
      [LINE, true],
      [LINE, false],
    ]);

    await mqtt.stop();
    const again = output();
    expect(again.announcementsEnabled(LINE)).toBe(false);
    await again.start();
    expect((await retained(broker.url)).get(`${L1}/announcements`)).toBe("OFF");
  });

  it("ignores a retained command: it is history, not a request", async () => {
    const ha = await observe();
    await ha.client.publishAsync(`${L1}/announcements/set`, "OFF", { qos: 1, retain: true });
    const mqtt = output();
    await mqtt.start();
    mqtt.publishCall(report("missed", "c1", { endedAt: T0 }));
    await ha.waitForValue(`${L1}/missed_calls`, "1");
    await ha.waitForValue(`${L1}/announcements`, "ON");
    // A later live command is still obeyed, so the retained one was seen and skipped.
    const mark = ha.messages.length;
    await ha.client.publishAsync(`${L1}/missed_calls/reset`, "PRESS", { qos: 1 });
    await ha.waitForValue(`${L1}/missed_calls`, "0", mark);
    expect(mqtt.announcementsEnabled(LINE)).toBe(true);
  });

  it("publishes everything again when Home Assistant says it is online", async () => {
    const ha = await observe();
    const mqtt = output();
    await mqtt.start();
    mqtt.publishCall(report("ringing", "c1"));
    mqtt.publishDiagnostics({
      lastPacketAgeS: 3,
      packets: 10,
      parseErrors: 0,
      mgcpMessages: 8,
      callEvents: 1,
      searchChQuotaUsed: 2,
      nuisanceCallsThisMonth: 0,
      directoryProblem: null,
      bridge: BRIDGE_OFF,
      capture: CAPTURE_OFF,
    });
    await ha.waitForValue(`${L1}/phone`, "ringing");
    await ha.waitFor((m) => m.topic === `${BASE}/diagnostics`, "diagnostics");

    const mark = ha.messages.length;
    await ha.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await ha.waitForValue(`${BASE}/availability`, "online", mark);
    const again = new Set(ha.messages.slice(mark).map((m) => m.topic));
    const expected = [
      ...lineConfigs([{ key: LINE, label: "Home" }]).keys(),
      `${L1}/phone`,
      `${L1}/phone/attributes`,
      `${L1}/last_caller`,
      `${L1}/last_caller/attributes`,
      `${L1}/missed_calls`,
      `${L1}/announcements`,
      `${BASE}/diagnostics`,
      `${BASE}/diagnostics/bridge`,
    ];
    for (const topic of expected) expect(again.has(topic), topic).toBe(true);
    const diagnostics = ha.messages.slice(mark).find((m) => m.topic === `${BASE}/diagnostics`);
    expect(JSON.parse(diagnostics?.payload ?? "{}")).toMatchObject({
      packets: 10,
      bridge_status: "off",
    });

    // "offline" from HA asks for nothing.
    const quiet = ha.messages.length;
    await ha.client.publishAsync("homeassistant/status", "offline", { qos: 1 });
    await ha.client.publishAsync(`${BASE}/probe`, "x", { qos: 1 });
    await ha.waitFor((m) => m.topic === `${BASE}/probe`, "the probe", quiet);
    expect(ha.messages.slice(quiet).map((m) => m.topic)).toEqual([
      "homeassistant/status",
      `${BASE}/probe`,
    ]);
  });

  it("comes back after a broker restart with availability and every retained state", async () => {
    const ha = await observe();
    const mqtt = output();
    await mqtt.start();
    mqtt.publishCall(report("ringing", "c1"));
    mqtt.publishCall(report("missed", "c1", { endedAt: T0 + 30_000 }));
    await ha.waitForValue(`${L1}/missed_calls`, "1");

    await broker.restart(); // no persistence: the broker forgot every retained message
    const mark = ha.messages.length;
    await ha.waitForValue(`${BASE}/availability`, "online", mark);
    const state = await retained(broker.url);
    for (const [topic, payload] of lineConfigs([{ key: LINE, label: "Home" }])) {
      expect(state.get(topic), topic).toBe(payload);
    }
    expect(state.get(`${L1}/phone`)).toBe("idle");
    expect(state.get(`${L1}/missed_calls`)).toBe("1");
    expect(state.get(`${L1}/announcements`)).toBe("ON");
    expect(mqtt.connected).toBe(true);

    // Commands work again: the subscriptions came back too.
    const beforeReset = ha.messages.length;
    await ha.client.publishAsync(`${L1}/missed_calls/reset`, "PRESS", { qos: 1 });
    await ha.waitForValue(`${L1}/missed_calls`, "0", beforeReset);
  });

  it("starts while the broker is away and connects once it is there", async () => {
    await broker.stop();
    const mqtt = output();
    const started = Date.now();
    await mqtt.start();
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(mqtt.connected).toBe(false);
    mqtt.publishCall(report("ringing", "c1")); // remembered, published once connected
    await broker.start();
    const ha = await observe();
    await ha.waitForValue(`${BASE}/availability`, "online");
    await ha.waitForValue(`${L1}/phone`, "ringing");
    expect(logs.some((l) => l.startsWith("warn cannot reach the MQTT broker"))).toBe(true);
  });

  it("says offline through its last will when it dies without a goodbye", async () => {
    const ha = await observe();
    const script = `
      const { createMqttOutput } = await import(${JSON.stringify(pathToFileURL(builtModule("io/mqttPublisher.js")).href)});
      const output = createMqttOutput(
        { url: process.env.BROKER, discoveryPrefix: "homeassistant", baseTopic: "${BASE}", swVersion: "x" },
        { current: () => ({ lines: [] }), subscribe: () => () => {}, dispatch: () => {} },
        { load: () => undefined, save: () => {} },
        { info: () => {}, warn: (m) => console.error(m), debug: () => {} },
      );
      await output.start();
      console.log(output.connected ? "connected" : "not connected");
      setInterval(() => {}, 60_000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BROKER: broker.url },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await ha.waitForValue(`${BASE}/availability`, "online");
      const mark = ha.messages.length;
      child.kill("SIGKILL");
      const will = await ha.waitForValue(`${BASE}/availability`, "offline", mark);
      expect(will.topic).toBe(`${BASE}/availability`);
      expect((await retained(broker.url)).get(`${BASE}/availability`)).toBe("offline");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("stops within 2 s, saying offline, also when the broker is gone", async () => {
    const ha = await observe();
    const mqtt = output();
    await mqtt.start();
    await ha.waitForValue(`${BASE}/availability`, "online");
    let started = Date.now();
    await mqtt.stop();
    expect(Date.now() - started).toBeLessThan(2_100);
    await ha.waitForValue(`${BASE}/availability`, "offline");
    expect(mqtt.connected).toBe(false);
    mqtt.publishCall(report("ringing", "late")); // after stop: ignored, no throw

    const orphan = output();
    await orphan.start();
    await broker.stop();
    started = Date.now();
    await orphan.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("clears the configs of a line that is no longer known", async () => {
    const ha = await observe();
    const first = output();
    await first.start();
    first.publishCall(report("ringing", "c1"));
    first.publishCall(report("ringing", "c2", { line: LINE2, label: "Office" }));
    await ha.waitForValue(`${L2}/phone`, "ringing");
    await first.stop();

    const saved = {
      ...(store.read() as { lines: { key: string }[] }),
      ...(mqttStore.read() as { discoveryTopics: string[] }),
    };
    const gone = [...lineConfigs([{ key: LINE2, label: "Office" }]).keys()].filter((t) =>
      t.includes("aaln_2"),
    );
    expect(gone).toHaveLength(6);
    for (const topic of gone) expect(saved.discoveryTopics).toContain(topic);
    writeJsonFileAtomic(join(folder, "household.json"), {
      ...store.read(),
      lines: saved.lines.filter((line) => line.key !== LINE2),
    });

    const mark = ha.messages.length;
    const second = output();
    await second.start();
    await ha.waitForValue(`${BASE}/availability`, "online", mark);
    for (const topic of gone) await ha.waitForValue(topic, "", mark);
    const state = await retained(broker.url);
    for (const topic of gone) expect(state.has(topic), topic).toBe(false);
    expect(state.has("homeassistant/sensor/voip_callerid_aaln_1_gw_example/phone/config")).toBe(
      true,
    );
    const after = mqttStore.read() as { discoveryTopics: string[] };
    for (const topic of gone) expect(after.discoveryTopics).not.toContain(topic);
  });

  it("renames a line's device when its label changes, keeping its topics", async () => {
    const ha = await observe();
    const mqtt = output();
    await mqtt.start();
    mqtt.publishCall(report("ringing", "c1"));
    await ha.waitForValue(`${L1}/phone`, "ringing");
    const mark = ha.messages.length;
    mqtt.publishCall(report("missed", "c1", { label: "Küche" }));
    const config = await ha.waitFor(
      (m) => m.topic === "homeassistant/sensor/voip_callerid_aaln_1_gw_example/phone/config",
      "the renamed config",
      mark,
    );
    expect(JSON.parse(config.payload).device.name).toBe("Küche");
  });
});

describe("MQTT publisher with a broker that wants a login", () => {
  beforeEach(async () => {
    await broker.kill();
    broker = await startMosquitto({ users: { homeassistant: "s3cret-Pa55" } });
  });

  it("logs in, and never writes the password to the log", async () => {
    const mqtt = output({
      url: broker.url.replace("mqtt://", "mqtt://homeassistant:s3cret-Pa55@"),
      username: "homeassistant",
      password: "s3cret-Pa55",
    });
    await mqtt.start();
    expect(mqtt.connected).toBe(true);

    const refused = output({ username: "homeassistant", password: "wrong-Pa55", clientId: "bad" });
    await refused.start();
    expect(refused.connected).toBe(false);
    expect(logs.some((l) => l.includes("Not authorized") || l.includes("Bad username"))).toBe(true);
    expect(logs.join("\n")).not.toMatch(/s3cret|wrong-Pa55/);
  });
});
