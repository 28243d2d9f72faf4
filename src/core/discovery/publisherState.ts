/**
 * What the MQTT publisher keeps across restarts of its own: every discovery topic it has
 * published, so that a config it no longer produces is cleared with an empty retained message.
 * (The lines' states are the household's, core/household/householdFile.ts; files written
 * before that split carry them too, which is harmless here.)
 */
import { ADDON_ID } from "./buildDiscovery.js";

export const PUBLISHER_STATE_VERSION = 1;

export interface PublisherState {
  discoveryTopics: string[];
}

export function serializePublisherState(state: PublisherState): unknown {
  return { version: PUBLISHER_STATE_VERSION, discoveryTopics: state.discoveryTopics };
}

/** Keeps what makes sense of an old, hand-edited or damaged file; never fails. */
export function parsePublisherState(raw: unknown): PublisherState {
  const record =
    raw !== null && typeof raw === "object" && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : {};
  const topics = Array.isArray(record.discoveryTopics) ? record.discoveryTopics : [];
  return {
    discoveryTopics: [...new Set(topics.filter((t): t is string => typeof t === "string"))],
  };
}

/**
 * The discovery topics to clear (published once, no longer produced), and the bookkeeping to
 * save before the configs go out (null when it is unchanged).
 */
export function planDiscovery(
  state: PublisherState,
  wanted: readonly string[],
): { stale: string[]; next: PublisherState | null } {
  const wantedSet = new Set(wanted);
  const stale = state.discoveryTopics.filter((topic) => !wantedSet.has(topic));
  const grows = wanted.some((topic) => !state.discoveryTopics.includes(topic));
  return { stale, next: stale.length > 0 || grows ? { discoveryTopics: [...wantedSet] } : null };
}

/**
 * The lines gone from the household, as their line ids, from the discovery topics being
 * cleared (`<prefix>/<component>/voip_callerid_<line id>/<key>/config`): their retained
 * states are to be cleared too. A line id still in use (`knownLineIds`) is not gone: only one
 * of its entities is no longer produced.
 */
export function droppedLineIds(
  staleTopics: readonly string[],
  discoveryPrefix: string,
  knownLineIds: ReadonlySet<string>,
): string[] {
  const nodePrefix = `${ADDON_ID}_`;
  const dropped = new Set<string>();
  for (const topic of staleTopics) {
    if (!topic.startsWith(`${discoveryPrefix}/`)) continue;
    const node = topic.slice(discoveryPrefix.length + 1).split("/")[1] ?? "";
    const id = node.startsWith(nodePrefix) ? node.slice(nodePrefix.length) : "";
    if (id !== "" && !knownLineIds.has(id)) dropped.add(id);
  }
  return [...dropped];
}
