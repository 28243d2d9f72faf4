/**
 * The MQTT connection apart from the publisher, against a real mosquitto: its status through a
 * broker restart, one warning per outage, the handler called on every connect (clean sessions:
 * the publisher subscribes and publishes again there), and `offline` published on stop.
 */
import { connect, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  MqttConnection,
  type MqttStatus,
  mqttClientOptions,
  ONLINE,
  QOS,
} from "../../src/io/mqttConnection.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.kill());

const waitUntil = (check: () => boolean) => vi.waitUntil(check, { timeout: 8000, interval: 20 });

describe("MqttConnection", () => {
  it("reports its status through a broker restart, warns once per outage, and says offline on stop", async () => {
    const availability = "vci_test/status";
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      debug: () => undefined,
    };
    const connects: MqttClient[] = [];
    const statuses: MqttStatus[] = [];
    const connection = new MqttConnection(
      () => connect(broker.url, mqttClientOptions({}, availability)),
      broker.url,
      availability,
      log,
      {
        connected: (client) => {
          connects.push(client);
          client.publish(availability, ONLINE, { qos: QOS, retain: true });
        },
        message: () => undefined,
      },
    );
    connection.onStatus((status) => statuses.push(status));
    await connection.start();
    expect(connection.connected).toBe(true);

    await broker.stop();
    await waitUntil(() => connection.status === "disconnected");
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two or three failed retries
    await broker.start();
    await waitUntil(() => connects.length === 2);
    expect(statuses).toEqual(["connecting", "connected", "disconnected", "connected"]);
    expect(lines.filter((l) => l.startsWith("warn"))).toEqual([
      `warn lost the connection to the MQTT broker at ${broker.url}; reconnecting`,
    ]);

    const watcher = connect(broker.url);
    const seen: string[] = [];
    watcher.on("message", (_topic, payload) => seen.push(String(payload)));
    await watcher.subscribeAsync(availability);
    await waitUntil(() => seen.includes(ONLINE));
    await connection.stop();
    await waitUntil(() => seen.at(-1) === "offline");
    expect(connection.connected).toBe(false);
    expect(connection.client).toBe(null);
    await watcher.endAsync();
  });
});
