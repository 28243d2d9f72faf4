/**
 * The command phase of the Home Assistant stand-in (fakeHomeAssistant.ts), as HA core's
 * websocket_api answers it once a connection is authenticated: ping, supported_features,
 * fire_event and the event bus, subscribe_events / unsubscribe_events, call_service (with the
 * `call_service` bus event, data checked as fakeHomeAssistantServices.ts says), get_states,
 * get_config, get_services; `result` frames, and the invalid_format texts of malformed
 * commands in voluptuous' wording. Also what it records
 * (fired events, service calls) and the contexts and timestamps it stamps on them.
 */
import { randomBytes } from "node:crypto";
import { serviceDataProblem, serviceSchema } from "./fakeHomeAssistantServices.js";

export const FAKE_HA_USER_ID = "31ddb597e03147118cf8d2f8fbea5553";

export interface FakeService {
  /** Answer with this error instead of success, e.g. {code: "home_assistant_error", ...}. */
  failure?: { code: string; message: string };
  /** Response data for `return_response: true`; without it the service returns none. */
  response?: unknown;
  /** How long the service runs before HA answers (tts.speak blocks until it is playing). */
  delayMs?: number;
}

export interface FakeState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_reported: string;
  last_updated: string;
  context: HaContext;
}

export interface HaContext {
  id: string;
  parent_id: string | null;
  user_id: string | null;
}

export interface FiredEvent {
  at: number;
  connection: number;
  eventType: string;
  data: Record<string, unknown>;
  context: HaContext;
}

export interface RecordedServiceCall {
  at: number;
  connection: number;
  domain: string;
  service: string;
  serviceData: Record<string, unknown> | undefined;
  target: Record<string, unknown> | undefined;
  returnResponse: boolean;
  /** "pending" while the service runs; then "ok" or the error code answered. */
  outcome: string;
}

type Message = Record<string, unknown> & { id: number; type: string };
export type Reply = (message: Record<string, unknown>) => void;

/** One authenticated connection, as the commands see it. */
export interface Session {
  connectionId: number;
  subscriptions: Map<number, string>;
  coalesce: boolean;
  /** Frames are recorded, then ignored. */
  stalled: boolean;
  send: Reply;
}

export function fakeState(entityId: string, state: string, attributes = {}): FakeState {
  const now = haTime();
  const context = { id: ulid(), parent_id: null, user_id: null };
  return {
    entity_id: entityId,
    state,
    attributes,
    last_changed: now,
    last_reported: now,
    last_updated: now,
    context,
  };
}

/** The fake's state that commands read and add to; fakeHomeAssistant.ts owns it. */
export interface FakeHaWorld {
  readonly haVersion: string;
  readonly services: Map<string, FakeService>;
  states: FakeState[];
  /** The authenticated connections: where bus events go. */
  readonly sessions: Set<Session>;
  readonly firedEvents: FiredEvent[];
  readonly serviceCalls: RecordedServiceCall[];
  /** Something was recorded: re-checks what waitFor waits for. */
  changed(): void;
}

/** The command handlers over one world: `command` for a client's, `fireOnBus` for HA's own. */
export function fakeHaCommands(world: FakeHaWorld) {
  const { haVersion, services, sessions, firedEvents, serviceCalls, changed } = world;

  function fireOnBus(eventType: string, data: Record<string, unknown>, context: HaContext) {
    const event = { event_type: eventType, data, origin: "LOCAL", time_fired: haTime(), context };
    for (const session of sessions) {
      for (const [id, wanted] of session.subscriptions) {
        if (wanted === "*" || wanted === eventType) session.send({ id, type: "event", event });
      }
    }
  }

  function callService(session: Session, msg: Message, reply: Reply) {
    const { id } = msg;
    const name = `${msg.domain}.${msg.service}`;
    const call: RecordedServiceCall = {
      at: preciseNow(),
      connection: session.connectionId,
      domain: String(msg.domain),
      service: String(msg.service),
      serviceData: msg.service_data as Record<string, unknown> | undefined,
      target: msg.target as Record<string, unknown> | undefined,
      returnResponse: msg.return_response === true,
      outcome: "pending",
    };
    serviceCalls.push(call);
    const finish = (outcome: string, answer: Record<string, unknown>) => {
      call.outcome = outcome;
      reply(answer);
      changed();
    };
    const service = services.get(name);
    if (!service) {
      const translation = {
        translation_key: "service_not_found",
        translation_domain: "homeassistant",
        translation_placeholders: { domain: call.domain, service: call.service },
      };
      return finish("not_found", error(id, "not_found", `Service ${name} not found.`, translation));
    }
    if (call.returnResponse && !("response" in service)) {
      const text =
        "An action which does not return responses can't be called with return_response=True";
      return finish(
        "service_validation_error",
        error(id, "service_validation_error", `Validation error: ${text}`),
      );
    }
    // HA checks the data against the service's schema after return_response, before the
    // call_service event; websocket_api answers a vol.Invalid with invalid_format.
    const schema = serviceSchema(name, haVersion);
    const invalid = schema && serviceDataProblem(schema, call.serviceData, call.target);
    if (invalid) return finish("invalid_format", error(id, "invalid_format", invalid));
    const context = newContext();
    fireOnBus(
      "call_service",
      { domain: call.domain, service: call.service, service_data: call.serviceData ?? {} },
      context,
    );
    setTimeout(() => {
      if (service.failure)
        return finish(
          service.failure.code,
          error(id, service.failure.code, service.failure.message),
        );
      const result = call.returnResponse ? { context, response: service.response } : { context };
      finish("ok", { id, type: "result", success: true, result });
    }, service.delayMs ?? 0);
  }

  /** One command, as ActiveConnection.async_handle does it; returns the id to remember. */
  function command(session: Session, raw: unknown, lastId: number): number {
    const reply = session.send;
    const msg = raw as Message;
    if (
      !isObject(raw) ||
      !Number.isInteger(raw.id) ||
      raw.id === 0 ||
      typeof raw.type !== "string" ||
      !raw.type
    ) {
      reply(
        error(
          isObject(raw) ? (raw.id ?? null) : 0,
          "invalid_format",
          "Message incorrectly formatted.",
        ),
      );
      return lastId;
    }
    const { id } = msg;
    if (id <= lastId) {
      reply(error(id, "id_reuse", "Identifier values have to increase."));
      return lastId;
    }
    const invalid = (text: string) => reply(error(id, "invalid_format", text));
    switch (msg.type) {
      case "ping":
        reply({ id, type: "pong" });
        break;
      case "supported_features":
        if (!isObject(msg.features)) invalid(expected("dict", "features", msg.features));
        else {
          session.coalesce = "coalesce_messages" in msg.features;
          reply(result(id, null));
        }
        break;
      case "fire_event": {
        const problem = check(msg, { event_type: "str" }, { event_data: "dict" });
        if (problem) {
          invalid(problem);
          return id;
        }
        const context = newContext();
        const data = (msg.event_data ?? {}) as Record<string, unknown>;
        const eventType = msg.event_type as string;
        firedEvents.push({
          at: preciseNow(),
          connection: session.connectionId,
          eventType,
          data,
          context,
        });
        fireOnBus(eventType, data, context);
        reply(result(id, { context }));
        changed();
        break;
      }
      case "subscribe_events": {
        const problem = check(msg, {}, { event_type: "str" });
        if (problem) {
          invalid(problem);
          return id;
        }
        session.subscriptions.set(id, (msg.event_type as string | undefined) ?? "*");
        reply(result(id, null));
        break;
      }
      case "unsubscribe_events": {
        const problem = check(msg, { subscription: "int" }, {});
        if (problem) {
          invalid(problem);
          return id;
        }
        if (session.subscriptions.delete(msg.subscription as number)) reply(result(id, null));
        else reply(error(id, "not_found", "Subscription not found."));
        break;
      }
      case "call_service": {
        const problem = check(
          msg,
          { domain: "str", service: "str" },
          { service_data: "dict", target: "dict", return_response: "bool" },
        );
        if (problem) {
          invalid(problem);
          return id;
        }
        callService(session, msg, reply);
        break;
      }
      case "get_states":
        reply(result(id, world.states));
        break;
      case "get_config":
        reply(
          result(id, {
            version: haVersion,
            state: "RUNNING",
            location_name: "Home",
            time_zone: "Europe/Zurich",
            components: [...new Set([...services.keys()].map((s) => s.split(".")[0]))],
          }),
        );
        break;
      case "get_services": {
        const byDomain: Record<string, Record<string, unknown>> = {};
        for (const name of services.keys()) {
          const [domain = "", service = ""] = name.split(".");
          byDomain[domain] = {
            ...byDomain[domain],
            [service]: { name: service, description: "", fields: {} },
          };
        }
        reply(result(id, byDomain));
        break;
      }
      default:
        reply(error(id, "unknown_command", "Unknown command."));
        return lastId;
    }
    return id;
  }

  return { command, fireOnBus };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function result(id: number, value: unknown) {
  return { id, type: "result", success: true, result: value };
}

/** HA puts translation_key/_domain/_placeholders, when it has them, beside code and message. */
function error(id: unknown, code: string, message: string, extra: Record<string, unknown> = {}) {
  return { id, type: "result", success: false, error: { code, message, ...extra } };
}

type Kind = "str" | "dict" | "int" | "bool";
const IS: Record<Kind, (value: unknown) => boolean> = {
  str: (value) => typeof value === "string",
  dict: isObject,
  int: (value) => Number.isInteger(value) && (value as number) > 0,
  bool: (value) => typeof value === "boolean",
};

function expected(kind: Kind, key: string, got: unknown) {
  return `expected ${kind} for dictionary value @ data['${key}']. Got ${JSON.stringify(got)}`;
}

/** The command's schema (HA's voluptuous schemas forbid extra keys too). */
function check(msg: Message, required: Record<string, Kind>, optional: Record<string, Kind>) {
  for (const [key, kind] of Object.entries(required)) {
    if (!(key in msg)) return `required key not provided @ data['${key}']. Got None`;
    if (!IS[kind](msg[key])) return expected(kind, key, msg[key]);
  }
  for (const [key, kind] of Object.entries(optional)) {
    if (key in msg && !IS[kind](msg[key])) return expected(kind, key, msg[key]);
  }
  const extra = Object.keys(msg).find(
    (k) => !["id", "type"].includes(k) && !(k in required) && !(k in optional),
  );
  return extra
    ? `extra keys not allowed @ data['${extra}']. Got ${JSON.stringify(msg[extra])}`
    : null;
}

export function authProblem(msg: unknown): string | null {
  if (!isObject(msg)) return "expected a dictionary";
  const extra = Object.keys(msg).find((k) => !["type", "access_token", "api_password"].includes(k));
  if (extra) return `extra keys not allowed @ data['${extra}']`;
  if ("access_token" in msg && typeof msg.access_token !== "string")
    return expected("str", "access_token", msg.access_token);
  return null;
}

export function newContext(userId: string | null = FAKE_HA_USER_ID): HaContext {
  return { id: ulid(), parent_id: null, user_id: userId };
}

/** HA's contexts are ULIDs: 10 characters of time and 16 of randomness, Crockford base32. */
function ulid(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let time = Date.now();
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = alphabet[time % 32] + out;
    time = Math.floor(time / 32);
  }
  for (const byte of randomBytes(16)) out += alphabet[byte % 32];
  return out;
}

/** HA's isoformat: microseconds and +00:00. */
function haTime(): string {
  return new Date().toISOString().replace("Z", "000+00:00");
}

/** Epoch milliseconds with sub-millisecond precision, for latency measurements. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
