/**
 * The "Recent calls" sensor of the add-on device, for dashboards: its state is when the
 * newest call started (a timestamp: HA shows "3 minutes ago"), its attribute `calls` the last
 * 10 calls, newest first, each `{time, name, number_display, type, line}` — what a markdown
 * card lists (DOCS.md). Home Assistant keeps at most 16 KiB of a state's attributes (larger
 * ones are not recorded); the list is kept well below that however long the names are.
 */
import type { EntitySpec } from "./entitySpecs.js";
import type { StateMessage } from "./lineMessages.js";

export const RECENT_CALLS_TOPIC = "recent_calls";
export const RECENT_CALLS_ATTRIBUTES_TOPIC = "recent_calls/attributes";
export const RECENT_CALLS_COUNT = 10;
/** Below HA's 16,384 bytes of attributes, with room for what HA adds (friendly_name, icon). */
export const RECENT_CALLS_MAX_BYTES = 12_000;

export const RECENT_CALLS_ENTITY: EntitySpec = {
  component: "sensor",
  key: "recent_calls",
  name: "Recent calls",
  icon: "mdi:phone-log",
  deviceClass: "timestamp",
  stateTopic: RECENT_CALLS_TOPIC,
  attributesTopic: RECENT_CALLS_ATTRIBUTES_TOPIC,
};

/** One call as the sensor lists it. */
export interface RecentCall {
  /** When it started, ISO 8601 UTC. */
  readonly time: string;
  readonly name: string | null;
  readonly number_display: string | null;
  /** The call's latest event: ringing, answered, missed, ended or outgoing. */
  readonly type: string;
  /** The line's label. */
  readonly line: string;
}

/** The state and the attributes, newest call first; as many calls as fit. */
export function recentCallsMessages(
  baseTopic: string,
  newestFirst: readonly RecentCall[],
): StateMessage[] {
  // Each call's fields in one order, so that an unchanged list is the same text (not re-sent).
  const calls = newestFirst
    .slice(0, RECENT_CALLS_COUNT)
    .map(({ time, name, number_display, type, line }) => ({
      time,
      name,
      number_display,
      type,
      line,
    }));
  let attributes = JSON.stringify({ calls });
  while (Buffer.byteLength(attributes) > RECENT_CALLS_MAX_BYTES && calls.length > 0) {
    calls.pop();
    attributes = JSON.stringify({ calls });
  }
  return [
    // "None" is HA's unknown: no call yet.
    { topic: `${baseTopic}/${RECENT_CALLS_TOPIC}`, payload: newestFirst[0]?.time ?? "None" },
    { topic: `${baseTopic}/${RECENT_CALLS_ATTRIBUTES_TOPIC}`, payload: attributes },
  ];
}
