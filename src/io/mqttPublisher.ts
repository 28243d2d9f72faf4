/**
 * Home Assistant entities over MQTT discovery: the edge on the `mqtt` package.
 *
 * Everything HA reads is retained (configs, states, availability), QoS 1, so a restarted HA
 * or a late subscriber finds it; only the event entity's messages are not, because HA
 * ignores a replayed retained event (mqtt/event.py). While the broker is away, retained
 * publishes are skipped instead of queued: every (re)connect publishes the whole current
 * picture again — which is also what a broker restarted without persistence needs — and so
 * does HA's birth message on `<discovery_prefix>/status`. Within one connection an unchanged
 * retained payload is not sent twice.
 *
 * Switch states, missed-call counts, last callers, the known lines and every discovery topic
 * ever published are kept in the state store, so entities come back with their state and a
 * config we no longer produce is cleared with an empty retained message.
 */
import { connect, type MqttClient } from "mqtt";
import {
  availabilityTopic,
  buildDiscovery,
  type DiscoveryContext,
  lineTopic,
  stableJson,
} from "../core/discovery/buildDiscovery.js";
import {
  BRIDGE_ATTRIBUTES_TOPIC,
  DIAGNOSTICS_TOPIC,
  LINE_TOPICS,
} from "../core/discovery/entitySpecs.js";
import {
  applyCallEvent,
  bridgeAttributesPayload,
  callEventPayload,
  type Diagnostics,
  diagnosticsPayload,
  lastCaller,
  leadingCall,
  type OpenCall,
  parseSwitchCommand,
  phoneAttributes,
  phoneState,
  switchState,
} from "../core/discovery/entityStates.js";
import {
  type LineRecord,
  newLineRecord,
  type PublisherState,
  parsePublisherState,
  serializePublisherState,
} from "../core/discovery/publisherState.js";
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
  publishCall(report: CallReport): void;
  publishDiagnostics(d: Diagnostics): void;
  /** The line's announcements switch (on until the user turns it off). */
  announcementsEnabled(line: string): boolean;
  onAnnouncementsChanged(listener: (line: string, on: boolean) => void): void;
  readonly connected: boolean;
}

export function createMqttOutput(
  settings: MqttSettings,
  store: MqttStateStore,
  log: MqttLog,
): MqttOutput {
  const state: PublisherState = parsePublisherState(store.load());
  const openCalls = new Map<string, OpenCall[]>();
  /** Phone attributes of every open call, so the sensor shows the call it is about. */
  const callData = new Map<string, Record<string, unknown>>();
  /** What this connection has already received, topic → payload. */
  const sent = new Map<string, string>();
  const listeners: ((line: string, on: boolean) => void)[] = [];
  const availability = availabilityTopic(settings.baseTopic);
  const statusTopic = `${settings.discoveryPrefix}/status`;
  const broker = describeBroker(settings.url);
  let client: MqttClient | null = null;
  let stopped = false;
  let outageReported = false;
  /** The diagnostics documents last published, by topic, for re-publishing. */
  let lastDiagnostics: [string, string][] = [];

  const context = (): DiscoveryContext => ({
    discoveryPrefix: settings.discoveryPrefix,
    baseTopic: settings.baseTopic,
    swVersion: settings.swVersion,
    lines: state.lines.map(({ key, label }) => ({ key, label })),
  });
  const isConnected = () => client?.connected === true && !stopped;
  const findLine = (key: string) => state.lines.find((line) => line.key === key);

  function save(): void {
    try {
      store.save(serializePublisherState(state));
    } catch (error) {
      log.warn(`cannot save the MQTT entity state: ${(error as Error).message}`);
    }
  }

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
    const messages = buildDiscovery(context());
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

  function publishLine(line: LineRecord, force: boolean): void {
    const topic = (relative: string) => lineTopic(settings.baseTopic, line.key, relative);
    const open = openCalls.get(line.key) ?? [];
    const leading = leadingCall(open);
    const attributes = (leading && callData.get(leading.callId)) ?? line.lastCall;
    // Attributes before the state, so an automation triggered by the state sees the call.
    if (attributes)
      publishRetained(topic(LINE_TOPICS.phoneAttributes), stableJson(attributes), force);
    publishRetained(topic(LINE_TOPICS.phone), phoneState(open), force);
    if (line.lastCaller) {
      const { attributes: callerAttributes, state: text } = line.lastCaller;
      publishRetained(topic(LINE_TOPICS.lastCallerAttributes), stableJson(callerAttributes), force);
      publishRetained(topic(LINE_TOPICS.lastCaller), text, force);
    }
    publishRetained(topic(LINE_TOPICS.missedCalls), String(line.missedCalls), force);
    publishRetained(topic(LINE_TOPICS.announcements), switchState(line.announcements), force);
  }

  function publishEverything(): void {
    publishDiscovery(true);
    for (const line of state.lines) publishLine(line, true);
    for (const [topic, payload] of lastDiagnostics) publishRetained(topic, payload, true);
    // Last, so whoever waits for `online` finds every entity and state in place.
    publishRetained(availability, ONLINE, true);
  }

  function onConnect(): void {
    if (stopped) return;
    log.info(`connected to the MQTT broker at ${broker}`);
    outageReported = false;
    sent.clear();
    // Subscribed here on every connect (resubscribe is off): one place, one order.
    client?.subscribe(
      [
        statusTopic,
        `${settings.baseTopic}/+/${LINE_TOPICS.setAnnouncements}`,
        `${settings.baseTopic}/+/${LINE_TOPICS.resetMissedCalls}`,
      ],
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
    const text = payload.toString("utf8");
    if (topic === statusTopic) {
      if (text.trim() === ONLINE) {
        log.debug(() => "Home Assistant came online: publishing everything again");
        publishEverything();
      }
      return;
    }
    for (const line of state.lines) {
      if (topic === lineTopic(settings.baseTopic, line.key, LINE_TOPICS.setAnnouncements)) {
        setAnnouncements(line, text);
        return;
      }
      if (topic === lineTopic(settings.baseTopic, line.key, LINE_TOPICS.resetMissedCalls)) {
        line.missedCalls = 0;
        save();
        // Answered even when already 0, so a press always gets its confirmation.
        publishRetained(
          lineTopic(settings.baseTopic, line.key, LINE_TOPICS.missedCalls),
          "0",
          true,
        );
        return;
      }
    }
  }

  function setAnnouncements(line: LineRecord, command: string): void {
    const on = parseSwitchCommand(command);
    if (on === null) {
      log.debug(() => `ignoring announcements command ${JSON.stringify(command.slice(0, 20))}`);
      return;
    }
    const changed = line.announcements !== on;
    line.announcements = on;
    if (changed) save();
    // Confirmed even when unchanged: HA shows the switch as commanded until the state comes.
    publishRetained(
      lineTopic(settings.baseTopic, line.key, LINE_TOPICS.announcements),
      switchState(on),
      true,
    );
    if (!changed) return;
    log.info(`announcements for ${line.label} turned ${on ? "on" : "off"}`);
    for (const listener of listeners) {
      try {
        listener(line.key, on);
      } catch (error) {
        log.warn(`announcements listener failed: ${(error as Error).message}`);
      }
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

  return {
    get connected() {
      return isConnected();
    },

    async start() {
      if (client !== null) return;
      stopped = false;
      const mqtt = connect(settings.url, mqttClientOptions(settings, availability));
      client = mqtt;
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
      await waitForFirstConnect(mqtt);
    },

    async stop() {
      const mqtt = client;
      if (mqtt === null || stopped) return;
      const wasConnected = mqtt.connected;
      stopped = true;
      await endMqttClient(mqtt, wasConnected, availability, log);
    },

    publishCall(report) {
      if (stopped) return;
      const { event } = report;
      let line = findLine(event.line);
      if (!line) {
        line = newLineRecord(event.line, report.line.name);
        state.lines.push(line);
        log.info(`new telephone line ${line.label}: announcing its entities`);
      } else if (line.label !== report.line.name) {
        line.label = report.line.name;
      }
      publishDiscovery(false);

      const open = applyCallEvent(openCalls.get(line.key) ?? [], event);
      openCalls.set(line.key, open);
      const attributes = phoneAttributes(report);
      if (open.some((call) => call.callId === event.callId)) callData.set(event.callId, attributes);
      else callData.delete(event.callId);
      line.lastCall = attributes;
      line.lastCaller = lastCaller(report) ?? line.lastCaller;
      if (event.type === "missed" && event.direction === "incoming") line.missedCalls += 1;
      save();
      publishLine(line, false);
      const payload = stableJson(callEventPayload(report));
      if (client !== null)
        publish(lineTopic(settings.baseTopic, line.key, LINE_TOPICS.call), payload, false);
    },

    publishDiagnostics(d) {
      if (stopped) return;
      lastDiagnostics = [
        [`${settings.baseTopic}/${DIAGNOSTICS_TOPIC}`, stableJson(diagnosticsPayload(d))],
        [
          `${settings.baseTopic}/${BRIDGE_ATTRIBUTES_TOPIC}`,
          stableJson(bridgeAttributesPayload(d.bridge)),
        ],
      ];
      for (const [topic, payload] of lastDiagnostics) publishRetained(topic, payload, false);
    },

    announcementsEnabled(line) {
      return findLine(line)?.announcements ?? true;
    },

    onAnnouncementsChanged(listener) {
      listeners.push(listener);
    },
  };
}
