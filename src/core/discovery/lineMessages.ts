/**
 * The MQTT side of the household, as values: the retained state messages that show a line
 * (and the add-on's diagnostics), and the commands Home Assistant sends back on the line's
 * command topics. The publisher (io/mqttPublisher.ts) only moves these over the wire.
 */
import type { HouseholdCommand, LineState } from "../household/household.js";
import { lineCurrentCall, linePhoneState } from "../household/household.js";
import { lineId, lineTopic, stableJson } from "./buildDiscovery.js";
import { BRIDGE_ATTRIBUTES_TOPIC, DIAGNOSTICS_TOPIC, LINE_TOPICS } from "./entitySpecs.js";
import {
  bridgeAttributesPayload,
  type Diagnostics,
  diagnosticsPayload,
  parseSwitchCommand,
  phoneAttributes,
  switchState,
} from "./entityStates.js";

export interface StateMessage {
  readonly topic: string;
  readonly payload: string;
}

/**
 * A line's retained states, in publishing order: attributes before their state, so an
 * automation triggered by the state finds the call in the attributes.
 */
export function lineStateMessages(baseTopic: string, line: LineState): StateMessage[] {
  const at = (relative: string) => lineTopic(baseTopic, line.key, relative);
  const messages: StateMessage[] = [];
  const call = lineCurrentCall(line);
  if (call)
    messages.push({
      topic: at(LINE_TOPICS.phoneAttributes),
      payload: stableJson(phoneAttributes(call)),
    });
  messages.push({ topic: at(LINE_TOPICS.phone), payload: linePhoneState(line) });
  if (line.lastCaller) {
    const { attributes, state } = line.lastCaller;
    messages.push({ topic: at(LINE_TOPICS.lastCallerAttributes), payload: stableJson(attributes) });
    messages.push({ topic: at(LINE_TOPICS.lastCaller), payload: state });
  }
  messages.push({ topic: at(LINE_TOPICS.missedCalls), payload: String(line.missedCalls) });
  messages.push({ topic: at(LINE_TOPICS.announcements), payload: switchState(line.announcements) });
  return messages;
}

/** A line's retained state topics, relative to `<base_topic>/<line id>/`. */
const RETAINED_LINE_TOPICS = [
  LINE_TOPICS.phoneAttributes,
  LINE_TOPICS.phone,
  LINE_TOPICS.lastCallerAttributes,
  LINE_TOPICS.lastCaller,
  LINE_TOPICS.missedCalls,
  LINE_TOPICS.announcements,
] as const;

/**
 * Empty retained messages on every state topic of a line that is gone (`id`: its line id),
 * so the broker forgets them instead of keeping them for every future subscriber.
 */
export function lineClearingMessages(baseTopic: string, id: string): StateMessage[] {
  return RETAINED_LINE_TOPICS.map((relative) => ({
    topic: `${baseTopic}/${id}/${relative}`,
    payload: "",
  }));
}

/** The topic that confirms a command, even when the command changed nothing. */
export function confirmationTopic(
  baseTopic: string,
  command: HouseholdCommand["kind"],
  lineKey: string,
): string {
  const relative =
    command === "reset-missed-calls" ? LINE_TOPICS.missedCalls : LINE_TOPICS.announcements;
  return lineTopic(baseTopic, lineKey, relative);
}

export function diagnosticsMessages(baseTopic: string, d: Diagnostics): StateMessage[] {
  return [
    { topic: `${baseTopic}/${DIAGNOSTICS_TOPIC}`, payload: stableJson(diagnosticsPayload(d)) },
    {
      topic: `${baseTopic}/${BRIDGE_ATTRIBUTES_TOPIC}`,
      payload: stableJson(bridgeAttributesPayload(d.bridge)),
    },
  ];
}

/** What we subscribe to: Home Assistant's birth message and every line's commands. */
export function commandSubscriptions(baseTopic: string, discoveryPrefix: string): string[] {
  return [
    `${discoveryPrefix}/status`,
    `${baseTopic}/+/${LINE_TOPICS.setAnnouncements}`,
    `${baseTopic}/+/${LINE_TOPICS.resetMissedCalls}`,
  ];
}

export type InboundMessage =
  | { readonly kind: "command"; readonly command: HouseholdCommand }
  | { readonly kind: "home-assistant-online" }
  /** A message we do not act on; `note` says why, for the debug log (or null: nothing to say). */
  | { readonly kind: "ignored"; readonly note: string | null };

/** Reads one inbound message; commands name a known line by its topic. */
export function readInbound(
  settings: { readonly baseTopic: string; readonly discoveryPrefix: string },
  lines: readonly LineState[],
  topic: string,
  text: string,
): InboundMessage {
  if (topic === `${settings.discoveryPrefix}/status`) {
    return text.trim() === "online"
      ? { kind: "home-assistant-online" }
      : { kind: "ignored", note: null };
  }
  const prefix = `${settings.baseTopic}/`;
  const rest = topic.startsWith(prefix) ? topic.slice(prefix.length) : "";
  const slash = rest.indexOf("/");
  const id = rest.slice(0, slash);
  const relative = rest.slice(slash + 1);
  const line = slash > 0 ? lines.find((l) => lineId(l.key) === id) : undefined;
  if (line === undefined) return { kind: "ignored", note: null };
  if (relative === LINE_TOPICS.resetMissedCalls)
    return { kind: "command", command: { kind: "reset-missed-calls", line: line.key } };
  if (relative !== LINE_TOPICS.setAnnouncements) return { kind: "ignored", note: null };
  const on = parseSwitchCommand(text);
  if (on === null)
    return {
      kind: "ignored",
      note: `ignoring announcements command ${JSON.stringify(text.slice(0, 20))}`,
    };
  return { kind: "command", command: { kind: "set-announcements", line: line.key, on } };
}
