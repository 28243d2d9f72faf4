/**
 * The `mqtt` client's life for the publisher (mqttPublisher.ts): its options (clean session,
 * no resubscribe, retries forever, an `offline` will), the wait for the first connection, the
 * clean end with a deadline, and how the broker is named in the log.
 */
import { randomBytes } from "node:crypto";
import type { IClientOptions, MqttClient } from "mqtt";

export const QOS = 1;
export const ONLINE = "online";
export const OFFLINE = "offline";
const STOP_TIMEOUT_MS = 2_000;
/** start() waits this long for the first connection before leaving it to the background. */
const FIRST_CONNECT_WAIT_MS = 5_000;
const RECONNECT_PERIOD_MS = 1_000;

export function mqttClientOptions(
  settings: { clientId?: string; username?: string; password?: string },
  availabilityTopic: string,
): IClientOptions {
  const options: IClientOptions = {
    clientId: settings.clientId ?? `voip_callerid_${randomBytes(4).toString("hex")}`,
    clean: true,
    resubscribe: false,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    // A refused login (user not created yet, password being changed) is retried as well.
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    will: { topic: availabilityTopic, payload: Buffer.from(OFFLINE), qos: QOS, retain: true },
  };
  if (settings.username) options.username = settings.username;
  if (settings.password) options.password = settings.password;
  return options;
}

/** Resolves at the first connect or close, or after FIRST_CONNECT_WAIT_MS. */
export function waitForFirstConnect(mqtt: MqttClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      mqtt.off("connect", done);
      mqtt.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
    mqtt.on("connect", done);
    mqtt.on("close", done);
  });
}

/** Publishes `offline` (when connected) and ends the client, forcibly after 2 s. */
export async function endMqttClient(
  mqtt: MqttClient,
  wasConnected: boolean,
  availabilityTopic: string,
  log: { debug(f: () => string): void },
): Promise<void> {
  const clean = async () => {
    // The connection may be dying as we speak: its close ends the wait for the ack.
    const closed = new Promise<void>((resolve) => mqtt.once("close", () => resolve()));
    if (wasConnected) {
      const offline = mqtt.publishAsync(availabilityTopic, OFFLINE, { qos: QOS, retain: true });
      await Promise.race([offline, closed]);
    }
    // Without a connection nothing can be flushed: a clean end would wait for acks forever.
    await mqtt.endAsync(!mqtt.connected);
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([clean().catch((error: Error) => error), deadline]);
  clearTimeout(timer);
  if (outcome !== undefined) {
    log.debug(() => `MQTT client did not end cleanly: ${String(outcome)}`);
    mqtt.end(true);
  }
}

/** The broker for the log: scheme, host and port, never the credentials a URL may carry. */
export function describeBroker(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "the configured URL";
  }
}
