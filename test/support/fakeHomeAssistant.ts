/**
 * A stand-in for Home Assistant's websocket API (developers.home-assistant.io/docs/api/websocket,
 * and homeassistant/components/websocket_api in HA core), on 127.0.0.1 with a free port, path
 * /api/websocket. It follows the published protocol, not what a client happens to need:
 *
 * - auth phase: `auth_required {ha_version}`; `auth {access_token}` → `auth_ok {ha_version}`, or
 *   `auth_invalid {message}` and the connection is closed; a malformed auth message, invalid
 *   JSON or no auth within authTimeoutMs (10 s in HA) closes it too;
 * - command phase: every command needs an integer id greater than the last one (else
 *   `id_reuse`), answers are `result` frames `{id, type, success, result | error {code, message}}`,
 *   an unknown type is `unknown_command`, a malformed command `invalid_format`; a client may send
 *   a JSON array of commands; after `supported_features {coalesce_messages: 1}` answers sent
 *   together are coalesced into one JSON array, as HA's writer does;
 * - commands: ping → pong; supported_features; fire_event (answers {context}, delivered to
 *   subscribers on every connection); subscribe_events / unsubscribe_events; call_service
 *   (configurable services; unknown → `not_found` "Service tts.foo not found."; per-service
 *   failure, delay and response data; a `call_service` bus event as HA fires); get_states,
 *   get_config, get_services.
 *
 * For tests it can be stopped and started again on the same port (an HA restart), refuse
 * upgrades with an HTTP status (the Supervisor proxy answers 502 while Core is down), delay
 * auth_ok, change the accepted token, and kill connections abruptly. Everything received is
 * recorded with a timestamp (`received`, `connections`, `firedEvents`, `serviceCalls`, kept
 * across restarts), and `waitFor` waits for a condition on them without sleeping.
 *
 * Approximations: error texts of malformed messages imitate voluptuous' wording; contexts are
 * random ULID-like ids; there is one (admin) user.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export const FAKE_HA_TOKEN = "fake-long-lived-token-0123456789";
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

export interface FakeHomeAssistantOptions {
  token?: string;
  haVersion?: string;
  /** "domain.service" → behaviour; default tts.speak, tts.cloud_say, logbook.log. */
  services?: Record<string, FakeService>;
  states?: FakeState[];
  authTimeoutMs?: number;
}

export interface FakeConnection {
  id: number;
  /** When the upgrade request arrived (epoch ms). */
  at: number;
  state: "refused" | "authenticating" | "authenticated" | "auth-invalid" | "auth-timeout";
  /** The HTTP status a refused upgrade was answered with. */
  refusedWith?: number;
  authenticatedAt?: number;
  closedAt?: number;
}

export interface ReceivedFrame {
  at: number;
  connection: number;
  /** The parsed JSON (an array when commands were sent together), or the raw text. */
  message: unknown;
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

export interface FakeHomeAssistant {
  readonly port: number;
  /** http://127.0.0.1:<port>, what a user puts in homeassistant.url */
  readonly url: string;
  /** ws://127.0.0.1:<port>/api/websocket */
  readonly websocketUrl: string;
  readonly running: boolean;
  /** Authenticated connections open now. */
  readonly openConnections: number;
  readonly connections: readonly FakeConnection[];
  readonly received: readonly ReceivedFrame[];
  readonly firedEvents: readonly FiredEvent[];
  readonly serviceCalls: readonly RecordedServiceCall[];
  /** Listens again, on the same port. */
  start(): Promise<void>;
  /** As HA shutting down: close frames to every client, then the port is closed (refused). */
  stop(): Promise<void>;
  /** Destroys every connection's TCP socket without a close frame. */
  killConnections(): void;
  /**
   * The connections open now stop answering (frames are still recorded), as a hung HA or a
   * half-open TCP connection would; new connections are served normally.
   */
  stallConnections(): void;
  setToken(token: string): void;
  setAuthDelay(ms: number): void;
  /** Answer upgrade requests with this HTTP status (e.g. 502), or null to accept again. */
  setUpgradeStatus(status: number | null): void;
  /** Adds, changes or (null) removes a service. */
  setService(name: string, service: FakeService | null): void;
  setStates(states: FakeState[]): void;
  /** An event fired inside HA (not by a client): delivered to subscribers. */
  fireEvent(eventType: string, data?: Record<string, unknown>): void;
  /** Resolves with check()'s first truthy value, re-checked whenever something is recorded. */
  waitFor<T>(
    check: () => T | null | undefined | false,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
  clearRecords(): void;
}

const DEFAULT_SERVICES: Record<string, FakeService> = {
  "tts.speak": {},
  "tts.cloud_say": {},
  "logbook.log": {},
};

type Message = Record<string, unknown> & { id: number; type: string };
type Reply = (message: Record<string, unknown>) => void;

interface Session {
  record: FakeConnection;
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

export async function startFakeHomeAssistant(
  options: FakeHomeAssistantOptions = {},
): Promise<FakeHomeAssistant> {
  const haVersion = options.haVersion ?? "2025.6.0";
  const authTimeoutMs = options.authTimeoutMs ?? 10_000;
  const services = new Map(Object.entries(options.services ?? DEFAULT_SERVICES));
  let states = options.states ?? [fakeState("media_player.kitchen", "idle")];
  let token = options.token ?? FAKE_HA_TOKEN;
  let authDelayMs = 0;
  let upgradeStatus: number | null = null;
  let port = 0;
  let connectionCount = 0;
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const sessions = new Set<Session>();
  const connections: FakeConnection[] = [];
  const received: ReceivedFrame[] = [];
  const firedEvents: FiredEvent[] = [];
  const serviceCalls: RecordedServiceCall[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const wss = new WebSocketServer({ noServer: true });

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
      at: Date.now(),
      connection: session.record.id,
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
          at: Date.now(),
          connection: session.record.id,
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
        reply(result(id, states));
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

  function accept(ws: WebSocket, record: FakeConnection) {
    const queue: string[] = [];
    let flushing = false;
    let lastId = 0;
    let phase: "auth" | "authorizing" | "command" = "auth";
    const pending: string[] = [];
    const session: Session = {
      record,
      subscriptions: new Map(),
      coalesce: false,
      stalled: false,
      // HA queues outgoing messages and its writer sends what piled up, joined when allowed.
      send: (message) => {
        queue.push(JSON.stringify(message));
        if (flushing) return;
        flushing = true;
        setImmediate(() => {
          flushing = false;
          const batch = queue.splice(0);
          if (ws.readyState !== ws.OPEN || batch.length === 0) return;
          if (session.coalesce && batch.length > 1) ws.send(`[${batch.join(",")}]`);
          else for (const text of batch) ws.send(text);
        });
      },
    };
    const authTimer = setTimeout(() => {
      record.state = "auth-timeout";
      ws.close();
    }, authTimeoutMs);
    const authInvalid = (message: string) => {
      record.state = "auth-invalid";
      ws.send(JSON.stringify({ type: "auth_invalid", message }));
      ws.close();
    };
    const handle = (text: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      received.push({ at: Date.now(), connection: record.id, message: parsed });
      changed();
      if (session.stalled) return;
      if (parsed === text) return ws.close(); // "Received invalid JSON."
      if (phase === "auth") {
        clearTimeout(authTimer);
        const problem =
          isObject(parsed) && parsed.type !== "auth"
            ? "not a valid value for dictionary value @ data['type']"
            : authProblem(parsed);
        if (problem) return authInvalid(`Auth message incorrectly formatted: ${problem}`);
        if ((parsed as { access_token?: string }).access_token !== token)
          return authInvalid("Invalid access token or password");
        phase = "authorizing";
        setTimeout(() => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ type: "auth_ok", ha_version: haVersion }));
          record.state = "authenticated";
          record.authenticatedAt = Date.now();
          phase = "command";
          sessions.add(session);
          changed();
          for (const next of pending.splice(0)) handle(next);
        }, authDelayMs);
        return;
      }
      for (const one of Array.isArray(parsed) ? parsed : [parsed])
        lastId = command(session, one, lastId);
    };
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      if (phase === "authorizing") pending.push(String(data));
      else handle(String(data));
    });
    ws.on("error", () => undefined);
    ws.on("close", () => {
      clearTimeout(authTimer);
      sessions.delete(session);
      record.closedAt = Date.now();
      changed();
    });
    ws.send(JSON.stringify({ type: "auth_required", ha_version: haVersion }));
  }

  function listen(): Promise<void> {
    const http = createServer((_request, response) => {
      response.writeHead(404).end();
    });
    http.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    http.on("upgrade", (request, socket, head) => {
      const record: FakeConnection = {
        id: ++connectionCount,
        at: Date.now(),
        state: "authenticating",
      };
      connections.push(record);
      changed();
      const path = new URL(request.url ?? "/", "http://x").pathname;
      const status = upgradeStatus ?? (path === "/api/websocket" ? null : 404);
      if (status !== null) {
        record.state = "refused";
        record.refusedWith = status;
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, record));
    });
    server = http;
    return new Promise((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, "127.0.0.1", () => {
        port = (http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  await listen();

  const fake: FakeHomeAssistant = {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get websocketUrl() {
      return `ws://127.0.0.1:${port}/api/websocket`;
    },
    get running() {
      return server !== null;
    },
    get openConnections() {
      return sessions.size;
    },
    connections,
    received,
    firedEvents,
    serviceCalls,
    async start() {
      if (!server) await listen();
    },
    async stop() {
      const http = server;
      if (!http) return;
      server = null;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      const clients = [...wss.clients];
      await Promise.all(
        clients.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const timer = setTimeout(() => ws.terminate(), 1000);
              ws.once("close", () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(1000);
            }),
        ),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    killConnections() {
      for (const ws of wss.clients) ws.terminate();
    },
    stallConnections() {
      for (const session of sessions) session.stalled = true;
    },
    setToken(next) {
      token = next;
    },
    setAuthDelay(ms) {
      authDelayMs = ms;
    },
    setUpgradeStatus(status) {
      upgradeStatus = status;
    },
    setService(name, service) {
      if (service) services.set(name, service);
      else services.delete(name);
    },
    setStates(next) {
      states = next;
    },
    fireEvent(eventType, data = {}) {
      fireOnBus(eventType, data, newContext(null));
    },
    waitFor(check, timeoutMs = 5000, what = "a condition") {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`fake Home Assistant: no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const test = () => {
          const value = check();
          if (!value) return;
          clearTimeout(timer);
          waiters.delete(test);
          resolve(value);
        };
        waiters.add(test);
        test();
      });
    },
    clearRecords() {
      connections.length = 0;
      received.length = 0;
      firedEvents.length = 0;
      serviceCalls.length = 0;
    },
  };
  return fake;
}

function isObject(value: unknown): value is Record<string, unknown> {
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

function authProblem(msg: unknown): string | null {
  if (!isObject(msg)) return "expected a dictionary";
  const extra = Object.keys(msg).find((k) => !["type", "access_token", "api_password"].includes(k));
  if (extra) return `extra keys not allowed @ data['${extra}']`;
  if ("access_token" in msg && typeof msg.access_token !== "string")
    return expected("str", "access_token", msg.access_token);
  return null;
}

function newContext(userId: string | null = FAKE_HA_USER_ID): HaContext {
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
