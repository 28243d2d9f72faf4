/**
 * The Recent calls sensor on a real broker (mosquitto): the daemon's real composition takes
 * calls, and Home Assistant's side — a client subscribed to discovery and states — sees the
 * sensor announced and its attributes list the last 10 calls, newest first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RECENT_CALLS_MAX_BYTES } from "../../src/core/discovery/recentCalls.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";
import { type PanelDaemon, startPanelDaemon } from "../support/panelDaemon.js";

const T0 = Date.UTC(2026, 2, 14, 18, 0, 0);
let broker: Mosquitto;
let dir: string;
let daemon: PanelDaemon;
let ha: MqttClient;
const retained = new Map<string, string>();

beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), "vci-recent-"));
  daemon = await startPanelDaemon({
    dataDir: dir,
    start: T0,
    options: { mqtt: { url: broker.url }, panel: { enabled: false } },
  });
  ha = await connectAsync(broker.url);
  ha.on("message", (topic, payload) => retained.set(topic, payload.toString()));
  await ha.subscribeAsync(["homeassistant/#", "voip_callerid/#"]);
});
afterAll(async () => {
  await ha?.endAsync();
  await daemon?.stop();
  await broker?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("lists the last 10 calls, newest first, with time, name, number, type and line", async () => {
  for (let i = 0; i < 12; i++)
    await daemon.missedCall(`07911122${String(i).padStart(2, "0")}`, T0 + i * 60_000);
  const attributes = "voip_callerid/recent_calls/attributes";
  // The twelfth call rang and then was missed: the list shows it once it is missed.
  await until(() => {
    const latest = JSON.parse(retained.get(attributes) ?? '{"calls":[]}').calls[0];
    return latest?.number_display === "079 111 22 11" && latest.type === "missed";
  }, "the twelfth call, missed, at the top of the list");
  const config = JSON.parse(
    retained.get("homeassistant/sensor/voip_callerid/recent_calls/config") ?? "{}",
  );
  expect(config).toMatchObject({
    name: "Recent calls",
    device_class: "timestamp",
    state_topic: "voip_callerid/recent_calls",
    json_attributes_topic: attributes,
    unique_id: "voip_callerid_recent_calls",
  });
  const { calls } = JSON.parse(retained.get(attributes) ?? "{}");
  expect(calls).toHaveLength(10);
  expect(calls[0]).toEqual({
    time: new Date(T0 + 11 * 60_000).toISOString(),
    name: null,
    number_display: "079 111 22 11",
    type: "missed",
    line: "Home",
  });
  expect(calls.map((c: { time: string }) => c.time)).toEqual(
    Array.from({ length: 10 }, (_, k) => new Date(T0 + (11 - k) * 60_000).toISOString()),
  );
  expect(retained.get("voip_callerid/recent_calls")).toBe(calls[0].time);
  expect(Buffer.byteLength(retained.get(attributes) ?? "")).toBeLessThan(RECENT_CALLS_MAX_BYTES);
});
