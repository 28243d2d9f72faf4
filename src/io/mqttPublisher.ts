/**
 * Home Assistant entities over MQTT discovery: the edge on the `mqtt` package, and one view of
 * the household (core/household): it shows every line's state and passes the switch and the
 * reset button back as household commands. It keeps no line state of its own.
 *
 * Everything HA reads is retained (configs, states, availability), QoS 1, so a restarted HA
 * or a late subscriber finds it; only the event entity's messages are not, because HA
 * ignores a replayed retained event (mqtt/event.py). While the broker is away, retained
 * publishes are skipped instead of queued: every (re)connect publishes the whole current
 * picture again — which is also what a broker restarted without persistence needs — and so
 * does HA's birth message on `<discovery_prefix>/status`. Within one connection an unchanged
 * retained payload is not sent twice.
 *
 * Every discovery topic ever published is kept in the state store, so that a config we no
 * longer produce is cleared with an empty retained message.
 */
import { connect, type MqttClient } from "mqtt";
import {
  availabilityTopic,
  buildDiscovery,
  type DiscoveryContext,
  lineTopic,
  stableJson,
} from "../core/discovery/buildDiscovery.js";
import { LINE_TOPICS } from "../core/discovery/entitySpecs.js";
import { callEventPayload, type Diagnostics } from "../core/discovery/entityStates.js";
import {
  commandSubscriptions,
  confirmationTopic,
  diagnosticsMessages,
  lineStateMessages,
  readInbound,
  type StateMessage,
} from "../core/discovery/lineMessages.js";
import {
  type PublisherState,
  parsePublisherState,
  serializePublisherState,
} from "../core/discovery/publisherState.js";
import type { HouseholdChange, HouseholdPort, LineState } from "../core/household/household.js";
import type { CallReport } from "../core/outputs/callReport.js";
import {
  describeBroker,
  endMqttClient,
  mqttClientOptions,
  ONLINE,
  QOS,
  waitForFirstConnect,
} from "./mqttConnection.js";

export type { Diagnostics };

export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  discoveryPrefix: string;
  baseTopic: string;
  swVersion: string;
  clientId?: string;
}

/** Where the publisher keeps its state; the caller writes it to a JSON file atomically. */
export type MqttStateStore = { load(): unknown; save(state: unknown): void };

export interface MqttLog {
  info(m: string): void;
  warn(m: string): void;
  debug(f: () => string): void;
}

export interface MqttOutput {
  /** Connects (retrying in the background while the broker is away; never throws for that). */
  start(): Promise<void>;
  /** Publishes `offline` and ends the client, within 2 s. */
  stop(): Promise<void>;
  /** The event entity's message for one call event (the line's states follow the household). */
  publishCall(report: CallReport): void;
  publishDiagnostics(d: Diagnostics): void;
  readonly connected: boolean;
}

export function createMqttOutput(
  settings: MqttSettings,
  household: HouseholdPort,
  store: MqttStateStore,
  log: MqttLog,
): MqttOutput {
  const state: PublisherState = parsePublisherState(store.load());
  const availability = availabilityTopic(settings.baseTopic);
  const broker = describeBroker(settings.url);
  /** What this connection has already received, topic → payload. */
  const sent = new Map<string, string>();
  let client: MqttClient | null = null;
  let stopped = false;
  let outageReported = false;
  let unsubscribe: (() => void) | null = null;
  /** The diagnostics documents last published, for re-publishing. */
  let lastDiagnostics: StateMessage[] = [];

  const isConnected = () => client?.connected === true && !stopped;

  function publish(topic: string, payload: string, retain: boolean): void {
    client?.publish(topic, payload, { qos: QOS, retain }, (error) => {
      if (error) log.debug(() => `MQTT publish to ${topic} failed: ${error.message}`);
    });
  }

  function publishRetained(topic: string, payload: string, force: boolean): void {
    if (!isConnected()) return; // sent with everything else on the next connect
    if (!force && sent.get(topic) === payload) return;
    sent.set(topic, payload);
    publish(topic, payload, true);
  }

  function publishDiscovery(force: boolean): void {
    if (!isConnected()) return;
    const context: DiscoveryContext = {
      discoveryPrefix: settings.discoveryPrefix,
      baseTopic: settings.baseTopic,
      swVersion: settings.swVersion,
      lines: household.current().lines.map(({ key, label }) => ({ key, label })),
    };
    const messages = buildDiscovery(context);
    const wanted = new Set(messages.map((m) => m.topic));
    const stale = state.discoveryTopics.filter((topic) => !wanted.has(topic));
    for (const topic of stale) {
      log.debug(() => `removing the entity at ${topic}`);
      sent.delete(topic);
      publish(topic, "", true);
    }
    // Recorded before the configs go out: a crash in between must not lose track of them.
    const known = [...wanted];
    if (stale.length > 0 || known.some((topic) => !state.discoveryTopics.includes(topic))) {
      state.discoveryTopics = known;
      save();
    }
    for (const { topic, payload } of messages) publishRetained(topic, stableJson(payload), force);
  }

  function save(): void {
    try {
      store.save(serializePublisherState(state));
    } catch (error) {
      log.warn(`cannot save the MQTT entity state: ${(error as Error).message}`);
    }
  }

  /** `force`: every topic, or only the one that confirms a command. */
  function publishLine(line: LineState, force: boolean | string): void {
    for (const { topic, payload } of lineStateMessages(settings.baseTopic, line))
      publishRetained(topic, payload, force === true || force === topic);
  }

  function publishEverything(): void {
    publishDiscovery(true);
    for (const line of household.current().lines) publishLine(line, true);
    for (const { topic, payload } of lastDiagnostics) publishRetained(topic, payload, true);
    // Last, so whoever waits for `online` finds every entity and state in place.
    publishRetained(availability, ONLINE, true);
  }

  function onHouseholdChange(change: HouseholdChange): void {
    if (stopped) return;
    const { line } = change;
    if (change.added) log.info(`new telephone line ${line.label}: announcing its entities`);
    if (change.cause === "call") {
      publishDiscovery(false);
      publishLine(line, false);
    } else {
      // Confirmed even when unchanged: HA shows the switch as commanded until the state comes,
      // and a press of the reset button always gets its answer.
      publishLine(line, confirmationTopic(settings.baseTopic, change.cause, line.key));
    }
  }

  function onConnect(): void {
    if (stopped) return;
    log.info(`connected to the MQTT broker at ${broker}`);
    outageReported = false;
    sent.clear();
    // Subscribed here on every connect (resubscribe is off): one place, one order.
    client?.subscribe(
      commandSubscriptions(settings.baseTopic, settings.discoveryPrefix),
      { qos: QOS },
      (error) => {
        if (error) log.warn(`cannot subscribe to MQTT commands: ${error.message}`);
      },
    );
    publishEverything();
  }

  function onMessage(topic: string, payload: Buffer, retained: boolean): void {
    // A retained command or birth message is history, not a request: acting on it again at
    // every connect would reset counts or flip switches nobody touched.
    if (retained || stopped) return;
    const inbound = readInbound(
      settings,
      household.current().lines,
      topic,
      payload.toString("utf8"),
    );
    if (inbound.kind === "command") household.dispatch(inbound.command);
    else if (inbound.kind === "home-assistant-online") {
      log.debug(() => "Home Assistant came online: publishing everything again");
      publishEverything();
    } else if (inbound.note !== null) {
      const { note } = inbound;
      log.debug(() => note);
    }
  }

  function onError(error: Error): void {
    if (stopped) return;
    if (!outageReported) {
      outageReported = true;
      log.warn(`cannot reach the MQTT broker at ${broker} (${error.message}); retrying`);
    } else {
      log.debug(() => `MQTT broker still unreachable: ${error.message}`);
    }
  }

  function onClose(wasConnected: boolean): void {
    if (stopped || !wasConnected || outageReported) return;
    outageReported = true;
    log.warn(`lost the connection to the MQTT broker at ${broker}; reconnecting`);
  }

  function connectClient(): MqttClient {
    const mqtt = connect(settings.url, mqttClientOptions(settings, availability));
    let wasConnected = false;
    mqtt.on("connect", () => {
      wasConnected = true;
      onConnect();
    });
    mqtt.on("message", (topic, payload, packet) => onMessage(topic, payload, packet.retain));
    mqtt.on("error", onError);
    mqtt.on("close", () => {
      onClose(wasConnected);
      wasConnected = false;
    });
    return mqtt;
  }

  return {
    get connected() {
      return isConnected();
    },

    async start() {
      if (client !== null) return;
      stopped = false;
      unsubscribe = household.subscribe(onHouseholdChange);
      client = connectClient();
      await waitForFirstConnect(client);
    },

    async stop() {
      const mqtt = client;
      if (mqtt === null || stopped) return;
      const wasConnected = mqtt.connected;
      stopped = true;
      unsubscribe?.();
      await endMqttClient(mqtt, wasConnected, availability, log);
    },

    publishCall(report) {
      if (stopped || client === null) return;
      const topic = lineTopic(settings.baseTopic, report.event.line, LINE_TOPICS.call);
      publish(topic, stableJson(callEventPayload(report)), false);
    },

    publishDiagnostics(d) {
      if (stopped) return;
      lastDiagnostics = diagnosticsMessages(settings.baseTopic, d);
      for (const { topic, payload } of lastDiagnostics) publishRetained(topic, payload, false);
    },
  };
}
