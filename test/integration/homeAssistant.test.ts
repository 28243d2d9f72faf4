import {
  type Connection,
  createConnection,
  getStates,
  type HassEvent,
} from "home-assistant-js-websocket";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createHomeAssistantOutput,
  type HomeAssistantStatus,
  type HomeAssistantTuning,
} from "../../src/io/homeAssistant.js";
import { homeAssistantSettings, wsSocketFactory } from "../../src/io/homeAssistantSocket.js";
import {
  FAKE_HA_TOKEN,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../support/fakeHomeAssistant.js";
import { fakeState } from "../support/fakeHomeAssistantCommands.js";

const FAST: Partial<HomeAssistantTuning> = {
  initialBackoffMs: 50,
  maxBackoffMs: 400,
  connectTimeoutMs: 2000,
};

const CALL_EVENT = {
  type: "ringing",
  line: "aaln/1@mta-1.example",
  line_name: "Home",
  direction: "incoming",
  number: "+41441234567",
  number_display: "044 123 45 67",
  anonymous: false,
  name: "Hans Muster",
  name_source: "phonebook",
  occupation: null,
  city: "Zürich",
  canton: "ZH",
  spoken: "Anruf von Hans Muster",
  call_id: "c-1",
  started_at: "2025-06-01T10:00:00.000Z",
  answered_at: null,
  ended_at: null,
  duration_s: null,
};

const TTS = {
  domain: "tts",
  service: "speak",
  target: { entity_id: "tts.google_translate_de_ch" },
  data: { media_player_entity_id: ["media_player.kitchen"], message: "Anruf von Hans Muster" },
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeHa(options: Parameters<typeof startFakeHomeAssistant>[0] = {}) {
  const fake = await startFakeHomeAssistant(options);
  cleanups.push(() => fake.stop());
  return fake;
}

function output(
  fake: FakeHomeAssistant,
  tuning: Partial<HomeAssistantTuning> = FAST,
  token = FAKE_HA_TOKEN,
) {
  const lines: { level: string; text: string }[] = [];
  const log = {
    info: (text: string) => lines.push({ level: "info", text }),
    warn: (text: string) => lines.push({ level: "warn", text }),
    error: (text: string) => lines.push({ level: "error", text }),
    debug: (text: () => string) => lines.push({ level: "debug", text: text() }),
  };
  const statuses: HomeAssistantStatus[] = [];
  const ha = createHomeAssistantOutput({ websocketUrl: fake.websocketUrl, token }, log, Date.now, {
    ...FAST,
    ...tuning,
  });
  ha.onStatus((status) => statuses.push(status));
  cleanups.push(() => ha.stop());
  return { ha, lines, statuses };
}

const connectedTo = (fake: FakeHomeAssistant, count = 1) =>
  fake.waitFor(() => fake.openConnections >= count, 5000, "authenticated connection");

const isFireEvent = (message: unknown) => (message as { type?: string }).type === "fire_event";

const waitUntil = async (check: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe("Home Assistant output through home-assistant-js-websocket", () => {
  it("fires an event that arrives with exactly the data given", async () => {
    const fake = await fakeHa();
    const { ha, statuses } = output(fake);
    ha.start();
    await ha.fireEvent("voip_callerid_call", CALL_EVENT);

    expect(fake.firedEvents).toHaveLength(1);
    expect(fake.firedEvents[0]).toMatchObject({
      eventType: "voip_callerid_call",
      data: CALL_EVENT,
    });
    const frame = fake.received.find((r) => (r.message as { type?: string }).type === "fire_event");
    expect(frame?.message).toEqual({
      id: expect.any(Number),
      type: "fire_event",
      event_type: "voip_callerid_call",
      event_data: CALL_EVENT,
    });
    // The auth message comes first, then supported_features with id 1, as the library does.
    expect(fake.received[0]?.message).toEqual({ type: "auth", access_token: FAKE_HA_TOKEN });
    expect(fake.received[1]?.message).toEqual({
      type: "supported_features",
      id: 1,
      features: { coalesce_messages: 1 },
    });
    expect(ha.connected).toBe(true);
    expect(statuses).toEqual(["connecting", "connected"]);
  });

  it("calls tts.speak with target and data", async () => {
    const fake = await fakeHa();
    const { ha } = output(fake);
    ha.start();
    const outcome = await ha.callService(TTS, { notAfter: Date.now() + 30_000 });

    expect(outcome).toBe("sent");
    expect(fake.serviceCalls).toEqual([
      expect.objectContaining({
        domain: "tts",
        service: "speak",
        serviceData: TTS.data,
        target: TTS.target,
        returnResponse: false,
        outcome: "ok",
      }),
    ]);
  });

  it("queues while Home Assistant is down at start and delivers once it is up", async () => {
    const fake = await fakeHa();
    await fake.stop();
    const { ha, lines, statuses } = output(fake);
    ha.start();
    const first = ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "a" });
    const second = ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "b" });
    await waitUntil(() => lines.filter((l) => l.text.startsWith("Cannot reach")).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // several failed attempts
    expect(ha.connected).toBe(false);

    await fake.start();
    await Promise.all([first, second]);
    expect(fake.firedEvents.map((e) => e.data.call_id)).toEqual(["a", "b"]);
    // One warning for the outage, not one per attempt.
    expect(
      lines.filter((l) => l.level === "warn" && l.text.startsWith("Cannot reach")),
    ).toHaveLength(1);
    expect(statuses).toEqual(["connecting", "disconnected", "connected"]);
  });

  it("retries while the Supervisor's proxy answers 502", async () => {
    const fake = await fakeHa();
    fake.setUpgradeStatus(502);
    const { ha, lines } = output(fake);
    ha.start();
    const event = ha.fireEvent("voip_callerid_call", CALL_EVENT);
    await fake.waitFor(() => fake.connections.length >= 3, 5000, "three refused upgrades");
    expect(lines.find((l) => l.level === "warn")?.text).toMatch(/^Cannot reach .*502/);
    fake.setUpgradeStatus(null);
    await event;
    expect(fake.firedEvents).toHaveLength(1);
  });

  it("delivers events fired during an HA restart in order, each once", async () => {
    const fake = await fakeHa();
    const { ha } = output(fake);
    ha.start();
    await ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "1" });
    await fake.stop();
    const two = ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "2" });
    const three = ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "3" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fake.start();
    await Promise.all([two, three]);

    expect(fake.firedEvents.map((e) => e.data.call_id)).toEqual(["1", "2", "3"]);
    expect(fake.firedEvents[1]?.connection).toBe(fake.firedEvents[2]?.connection);
    expect(fake.firedEvents[1]?.connection).not.toBe(fake.firedEvents[0]?.connection);
  });

  it("reconnects after a connection is killed abruptly", async () => {
    const fake = await fakeHa();
    const { ha } = output(fake);
    ha.start();
    await connectedTo(fake);
    fake.killConnections();
    await ha.fireEvent("voip_callerid_call", { ...CALL_EVENT, call_id: "after-kill" });
    expect(fake.firedEvents.map((e) => e.data.call_id)).toEqual(["after-kill"]);
  });

  it("sends a call_service at most once and an unconfirmed fire_event again", async () => {
    const fake = await fakeHa();
    fake.setService("tts.speak", { delayMs: 300 });
    const { ha, lines } = output(fake);
    ha.start();
    const speaking = ha.callService(TTS, { notAfter: Date.now() + 30_000 });
    await fake.waitFor(() => fake.serviceCalls.length === 1, 5000, "tts.speak");
    fake.killConnections();
    expect(await speaking).toBe("failed");

    // Stall the new connection, not the killed one that may not have closed yet.
    await fake.waitFor(() => fake.connections[1]?.state === "authenticated", 5000, "reconnect");
    fake.stallConnections();
    const event = ha.fireEvent("voip_callerid_call", CALL_EVENT);
    await fake.waitFor(() => fake.received.some((r) => isFireEvent(r.message)), 5000, "frame");
    fake.killConnections();
    await event;

    expect(fake.serviceCalls).toHaveLength(1);
    expect(fake.firedEvents).toHaveLength(1);
    expect(fake.received.filter((r) => isFireEvent(r.message))).toHaveLength(2);
    expect(lines.some((l) => l.text.startsWith("Sending 1 unconfirmed event(s) again"))).toBe(true);
  });

  it("finds a connection that stopped answering by its unanswered ping", async () => {
    const fake = await fakeHa();
    const { ha, lines } = output(fake, { pingIntervalMs: 100, pongTimeoutMs: 150 });
    ha.start();
    await connectedTo(fake);
    fake.stallConnections();
    await ha.fireEvent("voip_callerid_call", CALL_EVENT);
    expect(fake.firedEvents).toHaveLength(1);
    expect(fake.connections.filter((c) => c.state === "authenticated")).toHaveLength(2);
    expect(lines.some((l) => l.text.includes("did not answer a ping"))).toBe(true);
  });

  it("drops a service call whose deadline passes while HA is down and never sends it", async () => {
    const fake = await fakeHa();
    await fake.stop();
    const { ha, lines } = output(fake);
    ha.start();
    const started = Date.now();
    const outcome = await ha.callService(TTS, { notAfter: Date.now() + 300 });
    expect(outcome).toBe("dropped");
    // Answered at the deadline, not when HA comes back.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(lines.some((l) => l.text.startsWith("Dropped tts.speak"))).toBe(true);

    await fake.start();
    await ha.fireEvent("voip_callerid_call", CALL_EVENT);
    expect(fake.serviceCalls).toEqual([]);
    expect(await ha.callService(TTS, { notAfter: Date.now() - 1 })).toBe("dropped");
  });

  it("reports failed for an unknown service and for a service that fails, and logs it", async () => {
    const fake = await fakeHa();
    fake.setService("tts.cloud_say", { failure: { code: "home_assistant_error", message: "off" } });
    const { ha, lines } = output(fake);
    ha.start();
    const notAfter = Date.now() + 30_000;

    expect(await ha.callService({ domain: "tts", service: "foo" }, { notAfter })).toBe("failed");
    expect(await ha.callService({ domain: "tts", service: "cloud_say" }, { notAfter })).toBe(
      "failed",
    );
    const errors = lines.filter((l) => l.level === "error").map((l) => l.text);
    expect(errors).toEqual([
      "Home Assistant could not carry out tts.foo: Service tts.foo not found. (not_found)",
      "Home Assistant could not carry out tts.cloud_say: off (home_assistant_error)",
    ]);
    expect(fake.serviceCalls.map((c) => c.outcome)).toEqual(["not_found", "home_assistant_error"]);
    expect(ha.connected).toBe(true);
  });

  it("keeps retrying with growing delays after auth_invalid, and connects once the token is right", async () => {
    const secret = "wrong-secret-token-4242";
    const fake = await fakeHa();
    const { ha, lines, statuses } = output(
      fake,
      { initialBackoffMs: 100, maxBackoffMs: 2000 },
      secret,
    );
    ha.start();
    const refusals = () => fake.connections.filter((c) => c.state === "auth-invalid");
    await fake.waitFor(() => refusals().length >= 4, 5000, "four refused attempts");

    expect(statuses).toEqual(["connecting", "auth-failed"]);
    const at = refusals().map((c) => c.at);
    const gaps = at.slice(1).map((time, i) => time - (at[i] ?? 0));
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? Number.POSITIVE_INFINITY);
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? Number.POSITIVE_INFINITY);
    expect(gaps[0]).toBeGreaterThanOrEqual(75);
    const errors = lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.text).toMatch(
      /^Home Assistant refused the access token: Invalid access token or password/,
    );

    fake.setToken(secret);
    await connectedTo(fake);
    await waitUntil(() => ha.connected);
    expect(statuses).toEqual(["connecting", "auth-failed", "connected"]);
    await ha.fireEvent("voip_callerid_call", CALL_EVENT);
    expect(lines.some((l) => l.text.includes(secret))).toBe(false);
  });

  it("bounds the queue, dropping the oldest with a warning", async () => {
    const fake = await fakeHa();
    await fake.stop();
    const { ha, lines } = output(fake, { queueLimit: 3 });
    ha.start();
    const sent = [1, 2, 3, 4, 5].map((n) => ha.fireEvent("e", { n }));
    await Promise.all(sent.slice(0, 2)); // the dropped ones are given up at once
    await fake.start();
    await Promise.all(sent);
    expect(fake.firedEvents.map((e) => e.data.n)).toEqual([3, 4, 5]);
    expect(lines.filter((l) => l.text.startsWith("Home Assistant queue full"))).toHaveLength(2);
  });

  it("stops within 2 s while retrying, while authenticating and while connected", async () => {
    const down = await fakeHa();
    await down.stop();
    const retrying = output(down, { initialBackoffMs: 10_000 }).ha;
    retrying.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    let started = Date.now();
    await retrying.stop();
    expect(Date.now() - started).toBeLessThan(2000);

    const slow = await fakeHa();
    slow.setAuthDelay(10_000);
    const authenticating = output(slow, { connectTimeoutMs: 20_000 }).ha;
    authenticating.start();
    await slow.waitFor(() => slow.received.length >= 1, 5000, "auth message");
    started = Date.now();
    await authenticating.stop();
    expect(Date.now() - started).toBeLessThan(2000);

    const up = await fakeHa();
    const { ha, statuses } = output(up);
    ha.start();
    await connectedTo(up);
    const pending = ha.fireEvent("voip_callerid_call", CALL_EVENT);
    started = Date.now();
    await ha.stop();
    await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    await up.waitFor(() => up.openConnections === 0, 2000, "closed connection");
    expect(ha.connected).toBe(false);
    expect(statuses.at(-1)).toBe("disconnected");
    const attempts = up.connections.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(up.connections).toHaveLength(attempts);
  });
});

describe("the fake Home Assistant, seen through the library and a raw socket", () => {
  async function libraryConnection(fake: FakeHomeAssistant): Promise<Connection> {
    const createSocket = wsSocketFactory({
      url: fake.websocketUrl,
      token: FAKE_HA_TOKEN,
      timeoutMs: 2000,
      signal: new AbortController().signal,
      onAuthInvalid: () => undefined,
      onCannotConnect: () => undefined,
    });
    const conn = await createConnection({ createSocket, setupRetry: 0 });
    cleanups.push(async () => conn.close());
    return conn;
  }

  it("delivers fired events to subscribers, answers get_states, ping and unknown commands", async () => {
    const fake = await fakeHa({ states: [fakeState("media_player.kitchen", "playing")] });
    const conn = await libraryConnection(fake);
    const seen: HassEvent[] = [];
    await conn.subscribeEvents<HassEvent>((event) => seen.push(event), "voip_callerid_call");
    const { ha } = output(fake);
    ha.start();
    await ha.fireEvent("voip_callerid_call", CALL_EVENT);
    await waitUntil(() => seen.length === 1);

    expect(seen[0]).toMatchObject({
      event_type: "voip_callerid_call",
      data: CALL_EVENT,
      origin: "LOCAL",
      context: { parent_id: null },
    });
    expect(await getStates(conn)).toMatchObject([
      { entity_id: "media_player.kitchen", state: "playing" },
    ]);
    await expect(conn.ping()).resolves.toBeUndefined();
    await expect(conn.sendMessagePromise({ type: "no_such_command" })).rejects.toEqual({
      code: "unknown_command",
      message: "Unknown command.",
    });
  });

  it("speaks the auth phase and insists on increasing ids", async () => {
    const fake = await fakeHa({ haVersion: "2025.6.1" });
    const frames: unknown[] = [];
    const ws = new WebSocket(fake.websocketUrl);
    cleanups.push(async () => ws.terminate());
    ws.on("message", (data) => frames.push(JSON.parse(String(data))));
    await waitUntil(() => frames.length === 1);
    expect(frames[0]).toEqual({ type: "auth_required", ha_version: "2025.6.1" });
    ws.send(JSON.stringify({ type: "auth", access_token: FAKE_HA_TOKEN }));
    await waitUntil(() => frames.length === 2);
    expect(frames[1]).toEqual({ type: "auth_ok", ha_version: "2025.6.1" });
    ws.send(JSON.stringify({ id: 5, type: "ping" }));
    ws.send(JSON.stringify({ id: 5, type: "ping" }));
    ws.send(JSON.stringify([{ id: 6, type: "get_states" }, { type: "ping" }]));
    await waitUntil(() => frames.length === 6);
    expect(frames.slice(2)).toEqual([
      { id: 5, type: "pong" },
      {
        id: 5,
        type: "result",
        success: false,
        error: { code: "id_reuse", message: "Identifier values have to increase." },
      },
      { id: 6, type: "result", success: true, result: expect.any(Array) },
      {
        id: null,
        type: "result",
        success: false,
        error: { code: "invalid_format", message: "Message incorrectly formatted." },
      },
    ]);

    const refused: unknown[] = [];
    const wrong = new WebSocket(fake.websocketUrl);
    wrong.on("open", () => wrong.send(JSON.stringify({ type: "auth", access_token: "nope" })));
    wrong.on("message", (data) => refused.push(JSON.parse(String(data))));
    await new Promise((resolve) => wrong.on("close", resolve));
    expect(refused).toEqual([
      { type: "auth_required", ha_version: "2025.6.1" },
      { type: "auth_invalid", message: "Invalid access token or password" },
    ]);
  });
});

describe("homeAssistantSettings", () => {
  it("uses the Supervisor proxy and its token when no URL is configured", () => {
    expect(homeAssistantSettings({ url: "", token: "" }, { SUPERVISOR_TOKEN: "sup" })).toEqual({
      websocketUrl: "ws://supervisor/core/websocket",
      token: "sup",
    });
    expect(homeAssistantSettings({ url: " ", token: "x" }, { HASSIO_TOKEN: "old" })).toEqual({
      websocketUrl: "ws://supervisor/core/websocket",
      token: "old",
    });
  });

  it("turns a configured URL into the websocket URL with the long-lived token", () => {
    const env = { SUPERVISOR_TOKEN: "sup" };
    const cases: [string, string][] = [
      ["http://192.168.1.5:8123", "ws://192.168.1.5:8123/api/websocket"],
      ["http://homeassistant.local:8123/", "ws://homeassistant.local:8123/api/websocket"],
      ["https://ha.example.com", "wss://ha.example.com/api/websocket"],
      ["https://ha.example.com/", "wss://ha.example.com/api/websocket"],
      ["https://example.com/ha//", "wss://example.com/ha/api/websocket"],
      ["ws://supervisor/core/websocket", "ws://supervisor/core/websocket"],
    ];
    for (const [url, websocketUrl] of cases) {
      expect(homeAssistantSettings({ url, token: "llt" }, env)).toEqual({
        websocketUrl,
        token: "llt",
      });
    }
  });

  it("explains what is missing", () => {
    const none = {};
    const noUrl = homeAssistantSettings({ url: "", token: "" }, none);
    expect(noUrl).toEqual({ error: expect.stringContaining("homeassistant.url") });
    const noToken = homeAssistantSettings({ url: "http://h:8123", token: "" }, none);
    expect(noToken).toEqual({ error: expect.stringContaining("homeassistant.token") });
    const ftp = homeAssistantSettings({ url: "ftp://h", token: "t" }, none);
    expect(ftp).toEqual({ error: expect.stringContaining("http://") });
    const garbage = homeAssistantSettings({ url: "not a url", token: "t" }, none);
    expect(garbage).toEqual({ error: expect.stringContaining("not a valid URL") });
  });
});
