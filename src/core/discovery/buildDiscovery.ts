/**
 * MQTT discovery configs for Home Assistant, from the entity specs and the known lines.
 *
 *   <prefix>/<component>/voip_callerid_<line id>/<key>/config   one device per telephone line
 *   <prefix>/sensor/voip_callerid/<key>/config                  the add-on device (diagnostics,
 *                                                               recent calls)
 *
 * A line id is slug(line key), so topics and unique_ids stay put when the user renames a line;
 * the label only names the device and seeds the entity ids (`sensor.home_phone`). We set
 * `default_entity_id` (domain included) and not the deprecated `object_id`, which HA 2025.10
 * replaced by it (zigbee2mqtt does the same). HA uses it only when it first registers an
 * entity, so renaming a line later never moves an entity id a user's automations rely on.
 */
import { slug } from "../outputs/lines.js";
import {
  DIAGNOSTIC_ENTITIES,
  type EntityComponent,
  type EntitySpec,
  LINE_ENTITIES,
} from "./entitySpecs.js";
import { RECENT_CALLS_ENTITY } from "./recentCalls.js";

export const ADDON_NAME = "VoIP Caller ID";
/** Stable prefix of every device identifier and unique_id. */
export const ADDON_ID = "voip_callerid";

export interface DiscoveryLine {
  /** The line's endpoint, e.g. `aaln/1@mta-1.example`: the stable identity. */
  readonly key: string;
  /** The user's label: device name and entity ids. */
  readonly label: string;
}

export interface DiscoveryContext {
  readonly discoveryPrefix: string;
  readonly baseTopic: string;
  readonly swVersion: string;
  readonly lines: readonly DiscoveryLine[];
}

export interface DevicePayload {
  readonly identifiers: readonly string[];
  readonly name: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly sw_version?: string;
  readonly via_device?: string;
}

export interface OriginPayload {
  readonly name: string;
  readonly sw_version: string;
}

/** One discovery config, keys as Home Assistant spells them. */
export interface DiscoveryPayload {
  readonly availability: readonly { readonly topic: string }[];
  readonly command_topic?: string;
  readonly default_entity_id: string;
  readonly device: DevicePayload;
  readonly device_class?: string;
  readonly entity_category?: string;
  readonly event_types?: readonly string[];
  readonly icon?: string;
  readonly json_attributes_topic?: string;
  readonly name: string;
  readonly options?: readonly string[];
  readonly origin: OriginPayload;
  readonly qos: 1;
  readonly state_class?: string;
  readonly state_topic?: string;
  readonly unique_id: string;
  readonly unit_of_measurement?: string;
  readonly value_template?: string;
}

export interface DiscoveryMessage {
  readonly topic: string;
  readonly payload: DiscoveryPayload;
}

/** The retained `online`/`offline` topic; also the MQTT last will. */
export function availabilityTopic(baseTopic: string): string {
  return `${baseTopic}/availability`;
}

export function lineId(lineKey: string): string {
  return slug(lineKey);
}

/** A line's topic, `relative` being one of LINE_TOPICS. */
export function lineTopic(baseTopic: string, lineKey: string, relative: string): string {
  return `${baseTopic}/${lineId(lineKey)}/${relative}`;
}

export function buildDiscovery(ctx: DiscoveryContext): DiscoveryMessage[] {
  return [...addonDiscovery(ctx), ...ctx.lines.flatMap((line) => lineDiscovery(ctx, line))];
}

export function addonDiscovery(ctx: DiscoveryContext): DiscoveryMessage[] {
  const device: DevicePayload = {
    identifiers: [ADDON_ID],
    name: ADDON_NAME,
    manufacturer: ADDON_NAME,
    model: "Home Assistant add-on",
    sw_version: ctx.swVersion,
  };
  return [...DIAGNOSTIC_ENTITIES, RECENT_CALLS_ENTITY].map((spec) =>
    message(ctx, spec, {
      node: ADDON_ID,
      device,
      uniqueId: `${ADDON_ID}_${spec.key}`,
      entityId: `${spec.component}.${ADDON_ID}_${spec.key}`,
      topicBase: ctx.baseTopic,
    }),
  );
}

export function lineDiscovery(ctx: DiscoveryContext, line: DiscoveryLine): DiscoveryMessage[] {
  const id = `${ADDON_ID}_${lineId(line.key)}`;
  const device: DevicePayload = {
    identifiers: [id],
    name: line.label,
    manufacturer: ADDON_NAME,
    model: "Telephone line",
    via_device: ADDON_ID,
  };
  const objectBase = slug(line.label);
  return LINE_ENTITIES.map((spec) =>
    message(ctx, spec, {
      node: id,
      device,
      uniqueId: `${id}_${spec.key}`,
      entityId: `${spec.component}.${objectBase}_${spec.key}`,
      topicBase: `${ctx.baseTopic}/${lineId(line.key)}`,
    }),
  );
}

interface Placement {
  readonly node: string;
  readonly device: DevicePayload;
  readonly uniqueId: string;
  readonly entityId: string;
  readonly topicBase: string;
}

function message(ctx: DiscoveryContext, spec: EntitySpec, at: Placement): DiscoveryMessage {
  const topic = (relative: string | undefined) =>
    relative === undefined ? undefined : `${at.topicBase}/${relative}`;
  const origin: OriginPayload = { name: ADDON_NAME, sw_version: ctx.swVersion };
  const payload = withoutUndefined({
    availability: [{ topic: availabilityTopic(ctx.baseTopic) }],
    command_topic: topic(spec.commandTopic),
    default_entity_id: at.entityId,
    device: at.device,
    device_class: spec.deviceClass,
    entity_category: spec.entityCategory,
    event_types: spec.eventTypes,
    icon: spec.icon,
    json_attributes_topic: topic(spec.attributesTopic),
    name: spec.name,
    options: spec.options,
    origin,
    qos: 1,
    state_class: spec.stateClass,
    state_topic: topic(spec.stateTopic),
    unique_id: at.uniqueId,
    unit_of_measurement: spec.unit,
    value_template: spec.valueTemplate,
  } satisfies DiscoveryPayload);
  return { topic: discoveryTopic(ctx.discoveryPrefix, spec.component, at.node, spec.key), payload };
}

function discoveryTopic(prefix: string, component: EntityComponent, node: string, key: string) {
  return `${prefix}/${component}/${node}/${key}/config`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * JSON with object keys sorted at every level, so one config always serialises to one string
 * and an unchanged config is recognised and not sent again (zigbee2mqtt's practice).
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}
