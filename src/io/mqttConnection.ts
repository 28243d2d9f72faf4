/**
 * The `mqtt` client's life for the publisher (mqttPublisher.ts): its options (clean session,
 * no resubscribe, retries forever, an `offline` will), the wait for the first connection, the
 * clean end with a deadline, how the broker is named in the log, and MqttConnection, which
 * puts these together with the status and the outage warnings, apart from what is published.
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
    // mqtt-packet's default keeps a 2-byte Buffer for each of the 65,536 packet ids and
    // lengths: 6 MB of heap and 65,536 objects, for a client that sends a few messages a call.
    writeCache: false,
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

export type MqttStatus = "connecting" | "connected" | "disconnected";

export interface MqttConnectionHandlers {
  /** Every (re)connect: the session is clean, so subscribe and publish everything again. */
  connected(client: MqttClient): void;
  message(topic: string, payload: Buffer, retained: boolean): void;
}

export interface MqttConnectionLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: () => string): void;
}

/**
 * The broker connection apart from what is published over it: the client's life (connect,
 * the wait for the first connection, the clean end with `offline`), its status, and one
 * warning per outage rather than one per retry. mqtt.js retries every second by itself.
 */
export class MqttConnection {
  #client: MqttClient | null = null;
  #status: MqttStatus = "disconnected";
  #stopped = false;
  #outageReported = false;
  readonly #listeners: ((status: MqttStatus) => void)[] = [];
  readonly #broker: string;

  constructor(
    private readonly connectClient: () => MqttClient,
    url: string,
    private readonly availabilityTopic: string,
    private readonly log: MqttConnectionLog,
    private readonly handlers: MqttConnectionHandlers,
  ) {
    this.#broker = describeBroker(url);
  }

  get client(): MqttClient | null {
    return this.#stopped ? null : this.#client;
  }

  get connected(): boolean {
    return !this.#stopped && this.#client?.connected === true;
  }

  get status(): MqttStatus {
    return this.#status;
  }

  onStatus(listener: (status: MqttStatus) => void): void {
    this.#listeners.push(listener);
  }

  /** Connects and waits for the first connection, at most 5 s; then it goes on retrying. */
  async start(): Promise<void> {
    if (this.#client !== null || this.#stopped) return;
    this.#setStatus("connecting");
    const mqtt = this.connectClient();
    this.#client = mqtt;
    let wasConnected = false;
    mqtt.on("connect", () => {
      if (this.#stopped) return;
      wasConnected = true;
      this.#outageReported = false;
      this.log.info(`connected to the MQTT broker at ${this.#broker}`);
      this.#setStatus("connected");
      this.handlers.connected(mqtt);
    });
    mqtt.on("message", (topic, payload, packet) => {
      if (!this.#stopped) this.handlers.message(topic, payload, packet.retain);
    });
    mqtt.on("error", (error) => this.#onError(error));
    mqtt.on("close", () => {
      if (this.#stopped) return;
      this.#setStatus("disconnected");
      if (wasConnected && !this.#outageReported) {
        this.#outageReported = true;
        this.log.warn(`lost the connection to the MQTT broker at ${this.#broker}; reconnecting`);
      }
      wasConnected = false;
    });
    await waitForFirstConnect(mqtt);
  }

  /** Publishes `offline` (when connected) and ends the client, within 2 s. Final. */
  async stop(): Promise<void> {
    const mqtt = this.#client;
    if (mqtt === null || this.#stopped) return;
    const wasConnected = mqtt.connected;
    this.#stopped = true;
    await endMqttClient(mqtt, wasConnected, this.availabilityTopic, this.log);
    this.#setStatus("disconnected");
  }

  #onError(error: Error): void {
    if (this.#stopped) return;
    if (!this.#outageReported) {
      this.#outageReported = true;
      this.log.warn(`cannot reach the MQTT broker at ${this.#broker} (${error.message}); retrying`);
    } else {
      this.log.debug(() => `MQTT broker still unreachable: ${error.message}`);
    }
  }

  #setStatus(next: MqttStatus): void {
    if (next === this.#status) return;
    this.#status = next;
    for (const listener of this.#listeners) listener(next);
  }
}
