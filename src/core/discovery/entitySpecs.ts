/**
 * The Home Assistant entities we announce, as data (architecture: "Home Assistant entities").
 * `buildDiscovery.ts` turns each spec into an MQTT discovery config; the keys end up in
 * `unique_id`s and default entity ids, so they are a contract: never rename one.
 *
 * Topics are relative: to `<base_topic>/<line id>/` for line entities, to `<base_topic>/` for
 * the add-on's diagnostics.
 */

import { PHONE_STATES } from "../household/lineCalls.js";

export type EntityComponent = "sensor" | "event" | "button" | "switch";

export interface EntitySpec {
  readonly component: EntityComponent;
  readonly key: string;
  readonly name: string;
  readonly icon?: string;
  readonly deviceClass?: string;
  readonly stateClass?: "measurement" | "total_increasing";
  readonly unit?: string;
  readonly entityCategory?: "config" | "diagnostic";
  /** The states of an enum sensor. */
  readonly options?: readonly string[];
  /** The event types of an event entity. */
  readonly eventTypes?: readonly string[];
  readonly stateTopic?: string;
  readonly attributesTopic?: string;
  readonly commandTopic?: string;
  readonly valueTemplate?: string;
}

/** The call event types, in the order a call goes through them. */
export const CALL_EVENT_TYPES = ["ringing", "answered", "missed", "ended", "outgoing"] as const;

/** Relative topics of a line's entities, shared by the specs and the publisher. */
export const LINE_TOPICS = {
  phone: "phone",
  phoneAttributes: "phone/attributes",
  lastCaller: "last_caller",
  lastCallerAttributes: "last_caller/attributes",
  call: "call",
  missedCalls: "missed_calls",
  resetMissedCalls: "missed_calls/reset",
  announcements: "announcements",
  setAnnouncements: "announcements/set",
} as const;

export const LINE_ENTITIES: readonly EntitySpec[] = [
  {
    component: "sensor",
    key: "phone",
    name: "Phone",
    icon: "mdi:phone",
    deviceClass: "enum",
    options: PHONE_STATES,
    stateTopic: LINE_TOPICS.phone,
    attributesTopic: LINE_TOPICS.phoneAttributes,
  },
  {
    component: "sensor",
    key: "last_caller",
    name: "Last caller",
    icon: "mdi:phone-incoming",
    stateTopic: LINE_TOPICS.lastCaller,
    attributesTopic: LINE_TOPICS.lastCallerAttributes,
  },
  {
    component: "event",
    key: "call",
    name: "Call",
    icon: "mdi:phone-ring",
    eventTypes: CALL_EVENT_TYPES,
    stateTopic: LINE_TOPICS.call,
  },
  {
    component: "sensor",
    key: "missed_calls",
    name: "Missed calls",
    icon: "mdi:phone-missed",
    // A count that only grows until the button resets it: HA reads a drop as a new cycle.
    stateClass: "total_increasing",
    stateTopic: LINE_TOPICS.missedCalls,
  },
  {
    component: "button",
    key: "reset_missed_calls",
    name: "Reset missed calls",
    icon: "mdi:phone-remove",
    commandTopic: LINE_TOPICS.resetMissedCalls,
  },
  {
    component: "switch",
    key: "announcements",
    name: "Announcements",
    icon: "mdi:bullhorn",
    entityCategory: "config",
    stateTopic: LINE_TOPICS.announcements,
    commandTopic: LINE_TOPICS.setAnnouncements,
  },
];

export const DIAGNOSTICS_TOPIC = "diagnostics";
/** The bridge's counters, as the Bridge status sensor's attributes. */
export const BRIDGE_ATTRIBUTES_TOPIC = "diagnostics/bridge";

function diagnostic(spec: Omit<EntitySpec, "component" | "entityCategory">): EntitySpec {
  return {
    component: "sensor",
    entityCategory: "diagnostic",
    stateTopic: DIAGNOSTICS_TOPIC,
    valueTemplate: `{{ value_json.${spec.key} }}`,
    ...spec,
  };
}

/** The add-on device's sensors; each reads its field of the one diagnostics JSON document. */
export const DIAGNOSTIC_ENTITIES: readonly EntitySpec[] = [
  diagnostic({
    key: "last_packet_age",
    name: "Last signalling packet age",
    deviceClass: "duration",
    stateClass: "measurement",
    unit: "s",
  }),
  diagnostic({
    key: "packets",
    name: "Signalling packets",
    icon: "mdi:counter",
    stateClass: "total_increasing",
  }),
  diagnostic({
    key: "parse_errors",
    name: "Parse errors",
    icon: "mdi:alert-circle-outline",
    stateClass: "total_increasing",
  }),
  diagnostic({
    key: "mgcp_messages",
    name: "MGCP messages",
    icon: "mdi:message-text-outline",
    stateClass: "total_increasing",
  }),
  diagnostic({
    key: "call_events",
    name: "Call events",
    icon: "mdi:phone-log",
    stateClass: "total_increasing",
  }),
  diagnostic({
    key: "search_ch_quota_used",
    name: "search.ch quota used this month",
    icon: "mdi:gauge",
    stateClass: "measurement",
  }),
  diagnostic({
    key: "nuisance_calls_this_month",
    name: "Nuisance calls this month",
    icon: "mdi:phone-alert",
    stateClass: "measurement",
  }),
  diagnostic({
    key: "last_directory_problem",
    name: "Last directory problem",
    icon: "mdi:book-alert-outline",
  }),
  diagnostic({
    key: "capture_status",
    name: "Capture status",
    icon: "mdi:lan-connect",
  }),
  diagnostic({
    key: "bridge_status",
    name: "Bridge status",
    icon: "mdi:bridge",
    attributesTopic: BRIDGE_ATTRIBUTES_TOPIC,
  }),
];
