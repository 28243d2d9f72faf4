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
 * - commands (in fakeHomeAssistantCommands.ts): ping → pong; supported_features; fire_event
 *   (answers {context}, delivered to subscribers on every connection); subscribe_events /
 *   unsubscribe_events; call_service (configurable services; unknown → `not_found` "Service
 *   tts.foo not found."; data that the service's schema refuses → `invalid_format`, for the
 *   services in fakeHomeAssistantServices.ts, as the given `haVersion` has them; per-service
 *   failure, delay and response data; a `call_service` bus event as HA fires); get_states,
 *   get_config, get_services.
 *
 * For tests it can be stopped and started again on the same port (an HA restart), refuse
 * upgrades with an HTTP status (the Supervisor proxy answers 502 while Core is down), delay
 * auth_ok, change the accepted token, kill connections abruptly, and freeze as a process
 * stopped with SIGSTOP does (fakeHomeAssistantFreeze.ts). Everything received is
 * recorded with a timestamp (`received`, `connections`, `firedEvents`, `serviceCalls`, kept
 * across restarts), and `waitFor` waits for a condition on them without sleeping.
 *
 * Approximations: error texts of malformed messages imitate voluptuous' wording; contexts are
 * random ULID-like ids; there is one (admin) user.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type {
  FakeConnection,
  FakeHomeAssistant,
  FakeHomeAssistantOptions,
  ReceivedFrame,
} from "./fakeHomeAssistantApi.js";
import {
  authProblem,
  type FakeHaWorld,
  type FakeService,
  type FiredEvent,
  fakeHaCommands,
  fakeState,
  isObject,
  newContext,
  type RecordedServiceCall,
  type Session,
} from "./fakeHomeAssistantCommands.js";
import { FakeFreeze } from "./fakeHomeAssistantFreeze.js";
import { serviceExists } from "./fakeHomeAssistantServices.js";

export type { FakeConnection, FakeHomeAssistant, FakeHomeAssistantOptions, ReceivedFrame };

export const FAKE_HA_TOKEN = "fake-long-lived-token-0123456789";

const DEFAULT_SERVICES: Record<string, FakeService> = {
  "tts.speak": {},
  "tts.cloud_say": {},
  "logbook.log": {},
  "assist_satellite.announce": {},
};

/** The default services this version of Home Assistant has (assist_satellite since 2024.10). */
function defaultServices(haVersion: string): [string, FakeService][] {
  return Object.entries(DEFAULT_SERVICES).filter(([name]) => serviceExists(name, haVersion));
}

export async function startFakeHomeAssistant(
  options: FakeHomeAssistantOptions = {},
): Promise<FakeHomeAssistant> {
  const haVersion = options.haVersion ?? "2025.6.0";
  const authTimeoutMs = options.authTimeoutMs ?? 10_000;
  const services = new Map(
    options.services ? Object.entries(options.services) : defaultServices(haVersion),
  );
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
  const world: FakeHaWorld = {
    haVersion,
    services,
    states: options.states ?? [
      fakeState("media_player.kitchen", "idle"),
      // AssistSatelliteEntityFeature.ANNOUNCE = 1
      fakeState("assist_satellite.hall", "idle", { supported_features: 1 }),
    ],
    sessions,
    firedEvents,
    serviceCalls,
    changed,
  };
  const { command, fireOnBus } = fakeHaCommands(world);
  const wss = new WebSocketServer({ noServer: true });
  const freezer = new FakeFreeze(
    () => sockets,
    () => wss.clients,
    changed,
  );

  function accept(ws: WebSocket, record: FakeConnection) {
    const queue: string[] = [];
    let flushing = false;
    let lastId = 0;
    let phase: "auth" | "authorizing" | "command" = "auth";
    const pending: string[] = [];
    const session: Session = {
      connectionId: record.id,
      subscriptions: new Map(),
      coalesce: false,
      stalled: false,
      // HA queues outgoing messages and its writer sends what piled up, joined when allowed.
      send: (message) => {
        queue.push(JSON.stringify(message));
        if (flushing) return;
        flushing = true;
        setImmediate(() =>
          freezer.run(() => {
            flushing = false;
            const batch = queue.splice(0);
            if (ws.readyState !== ws.OPEN || batch.length === 0) return;
            if (session.coalesce && batch.length > 1) ws.send(`[${batch.join(",")}]`);
            else for (const text of batch) ws.send(text);
          }),
        );
      },
    };
    const authTimer = setTimeout(
      () =>
        freezer.run(() => {
          record.state = "auth-timeout";
          ws.close();
        }),
      authTimeoutMs,
    );
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
        setTimeout(
          () =>
            freezer.run(() => {
              if (ws.readyState !== ws.OPEN) return;
              ws.send(JSON.stringify({ type: "auth_ok", ha_version: haVersion }));
              record.state = "authenticated";
              record.authenticatedAt = Date.now();
              phase = "command";
              sessions.add(session);
              changed();
              for (const next of pending.splice(0)) handle(next);
            }),
          authDelayMs,
        );
        return;
      }
      for (const one of Array.isArray(parsed) ? parsed : [parsed])
        lastId = command(session, one, lastId);
    };
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      // Frames ws had already read when the process froze are handled when it thaws.
      freezer.run(() => {
        if (phase === "authorizing") pending.push(String(data));
        else handle(String(data));
      });
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
      freezer.accepted(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    http.on("upgrade", (request, socket, head) =>
      freezer.run(() => {
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
          socket.end(
            `HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
          );
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => accept(ws, record));
      }),
    );
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
      freezer.thaw();
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
    freeze(forMs) {
      freezer.freeze(forMs);
    },
    thaw() {
      freezer.thaw();
    },
    get frozen() {
      return freezer.frozen;
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
      world.states = next;
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
