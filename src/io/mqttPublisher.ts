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
 * longer produce is cleared with an empty retained message; when a whole line is gone (the
 * household evicted it, or it was dropped while we were not running), so are its states.
 */
import { connect } from "mqtt";
import {
  availabilityTopic,
  buildDiscovery,
  type DiscoveryContext,
  type DiscoveryLine,
  lineId,
  lineTopic,
  stableJson,
} from "../core/discovery/buildDiscovery.js";
import { LINE_TOPICS } from "../core/discovery/entitySpecs.js";
import { callEventPayload, type Diagnostics } from "../core/discovery/entityStates.js";
import {
  commandSubscriptions,
  confirmationTopic,
  diagnosticsMessages,
  lineClearingMessages,
  lineStateMessages,
  readInbound,
  type StateMessage,
} from "../core/discovery/lineMessages.js";
import {
  droppedLineIds,
  type PublisherState,
  parsePublisherState,
  planDiscovery,
  serializePublisherState,
} from "../core/discovery/publisherState.js";
import { type RecentCall, recentCallsMessages } from "../core/discovery/recentCalls.js";
import type { HouseholdChange, HouseholdPort, LineState } from "../core/household/household.js";
import type { CallReport } from "../core/outputs/callReport.js";
import { MqttConnection, mqttClientOptions, ONLINE, QOS } from "./mqttConnection.js";

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
  /** One call event: its line's states as the household now has them, then the event entity. */
  publishCall(report: CallReport): void;
  publishDiagnostics(d: Diagnostics): void;
  /** The Recent calls sensor: the last calls of the log, newest first. */
  publishRecentCalls(calls: readonly RecentCall[]): void;
  readonly connected: boolean;
}

export function createMqttOutput(
  settings: MqttSettings,
  household: HouseholdPort,
  store: MqttStateStore,
  log: MqttLog,
): MqttOutput {
  return new MqttPublisher(settings, household, store, log);
}

class MqttPublisher implements MqttOutput {
  #state: PublisherState;
  readonly #availability: string;
  /** The broker connection: its life, status and outage warnings (mqttConnection.ts). */
  readonly #connection: MqttConnection;
  /** What this connection has already received, topic → payload. */
  readonly #sent = new Map<string, string>();
  #started = false;
  #stopped = false;
  #unsubscribe: (() => void) | null = null;
  /** The diagnostics documents last published, for re-publishing. */
  #lastDiagnostics: StateMessage[] = [];
  /** The Recent calls sensor's state and attributes last published, for re-publishing. */
  #lastRecentCalls: StateMessage[] = [];
  /**
   * The lines (keys and labels, as JSON) the discovery was last published for: a call on a
   * known line leaves it as it is, so it is not built again for every call event.
   */
  #discoveredLines: string | null = null;

  constructor(
    private readonly settings: MqttSettings,
    private readonly household: HouseholdPort,
    private readonly store: MqttStateStore,
    private readonly log: MqttLog,
  ) {
    this.#state = parsePublisherState(store.load());
    this.#availability = availabilityTopic(settings.baseTopic);
    this.#connection = new MqttConnection(
      () => connect(settings.url, mqttClientOptions(settings, this.#availability)),
      settings.url,
      this.#availability,
      log,
      {
        connected: () => this.#onConnect(),
        message: (topic, payload, retained) => this.#onMessage(topic, payload, retained),
      },
    );
  }

  get connected(): boolean {
    return !this.#stopped && this.#connection.connected;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.household.subscribe((change) => this.#onHouseholdChange(change));
    await this.#connection.start();
  }

  async stop(): Promise<void> {
    if (!this.#started || this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    await this.#connection.stop();
  }

  publishCall(report: CallReport): void {
    if (this.#stopped || !this.#started) return;
    const { line: key } = report.event;
    const line = this.household.current().lines.find((known) => known.key === key);
    if (line) {
      this.#publishDiscovery(false);
      this.#publishLine(line, false);
    }
    const topic = lineTopic(this.settings.baseTopic, key, LINE_TOPICS.call);
    this.#publish(topic, stableJson(callEventPayload(report)), false);
  }

  publishDiagnostics(d: Diagnostics): void {
    if (this.#stopped) return;
    this.#lastDiagnostics = diagnosticsMessages(this.settings.baseTopic, d);
    for (const { topic, payload } of this.#lastDiagnostics)
      this.#publishRetained(topic, payload, false);
  }

  publishRecentCalls(calls: readonly RecentCall[]): void {
    if (this.#stopped) return;
    this.#lastRecentCalls = recentCallsMessages(this.settings.baseTopic, calls);
    for (const { topic, payload } of this.#lastRecentCalls)
      this.#publishRetained(topic, payload, false);
  }

  #publish(topic: string, payload: string, retain: boolean): void {
    this.#connection.client?.publish(topic, payload, { qos: QOS, retain }, (error) => {
      if (error) this.log.debug(() => `MQTT publish to ${topic} failed: ${error.message}`);
    });
  }

  #publishRetained(topic: string, payload: string, force: boolean): void {
    if (!this.connected) return; // sent with everything else on the next connect
    if (!force && this.#sent.get(topic) === payload) return;
    this.#sent.set(topic, payload);
    this.#publish(topic, payload, true);
  }

  #publishDiscovery(force: boolean): void {
    if (!this.connected) return;
    const lines = this.household.current().lines.map(({ key, label }) => ({ key, label }));
    const linesJson = JSON.stringify(lines);
    if (!force && linesJson === this.#discoveredLines) return;
    this.#discoveredLines = linesJson;
    const context: DiscoveryContext = {
      discoveryPrefix: this.settings.discoveryPrefix,
      baseTopic: this.settings.baseTopic,
      swVersion: this.settings.swVersion,
      lines,
    };
    const messages = buildDiscovery(context);
    const plan = planDiscovery(
      this.#state,
      messages.map((m) => m.topic),
    );
    for (const topic of plan.stale) {
      this.log.debug(() => `removing the entity at ${topic}`);
      this.#sent.delete(topic);
      this.#publish(topic, "", true);
    }
    this.#clearDroppedLines(plan.stale, context.lines);
    // Recorded before the configs go out: a crash in between must not lose track of them.
    if (plan.next) {
      this.#state = plan.next;
      this.#save();
    }
    for (const { topic, payload } of messages)
      this.#publishRetained(topic, stableJson(payload), force);
  }

  /** A line gone from the household (evicted, or dropped while we were not running). */
  #clearDroppedLines(staleTopics: readonly string[], lines: readonly DiscoveryLine[]): void {
    const known = new Set(lines.map((line) => lineId(line.key)));
    for (const id of droppedLineIds(staleTopics, this.settings.discoveryPrefix, known)) {
      this.log.debug(() => `removing the states of the line ${id}`);
      for (const { topic, payload } of lineClearingMessages(this.settings.baseTopic, id)) {
        this.#sent.delete(topic);
        this.#publish(topic, payload, true);
      }
    }
  }

  #save(): void {
    try {
      this.store.save(serializePublisherState(this.#state));
    } catch (error) {
      this.log.warn(`cannot save the MQTT entity state: ${(error as Error).message}`);
    }
  }

  /** `force`: every topic, or only the one that confirms a command. */
  #publishLine(line: LineState, force: boolean | string): void {
    for (const { topic, payload } of lineStateMessages(this.settings.baseTopic, line))
      this.#publishRetained(topic, payload, force === true || force === topic);
  }

  #publishEverything(): void {
    this.#publishDiscovery(true);
    for (const line of this.household.current().lines) this.#publishLine(line, true);
    for (const { topic, payload } of [...this.#lastDiagnostics, ...this.#lastRecentCalls])
      this.#publishRetained(topic, payload, true);
    // Last, so whoever waits for `online` finds every entity and state in place.
    this.#publishRetained(this.#availability, ONLINE, true);
  }

  /**
   * A call's change is shown with the call (publishCall, in this output's turn, after Home
   * Assistant's event and the announcer had theirs); a command's at once.
   */
  #onHouseholdChange(change: HouseholdChange): void {
    if (this.#stopped) return;
    const { line } = change;
    if (change.added) this.log.info(`new telephone line ${line.label}: announcing its entities`);
    if (change.cause === "call") return;
    // Confirmed even when unchanged: HA shows the switch as commanded until the state comes,
    // and a press of the reset button always gets its answer.
    this.#publishLine(line, confirmationTopic(this.settings.baseTopic, change.cause, line.key));
  }

  #onConnect(): void {
    if (this.#stopped) return;
    this.#sent.clear();
    // Subscribed here on every connect (resubscribe is off): one place, one order.
    const topics = commandSubscriptions(this.settings.baseTopic, this.settings.discoveryPrefix);
    this.#connection.client?.subscribe(topics, { qos: QOS }, (error) => {
      if (error) this.log.warn(`cannot subscribe to MQTT commands: ${error.message}`);
    });
    this.#publishEverything();
  }

  #onMessage(topic: string, payload: Buffer, retained: boolean): void {
    // A retained command or birth message is history, not a request: acting on it again at
    // every connect would reset counts or flip switches nobody touched.
    if (retained || this.#stopped) return;
    const lines = this.household.current().lines;
    const inbound = readInbound(this.settings, lines, topic, payload.toString("utf8"));
    if (inbound.kind === "command") this.household.dispatch(inbound.command);
    else if (inbound.kind === "home-assistant-online") {
      this.log.debug(() => "Home Assistant came online: publishing everything again");
      this.#publishEverything();
    } else if (inbound.note !== null) {
      const { note } = inbound;
      this.log.debug(() => note);
    }
  }
}
