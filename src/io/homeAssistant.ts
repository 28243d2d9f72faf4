/**
 * The edge to Home Assistant's websocket API (developers.home-assistant.io/docs/api/websocket),
 * through home-assistant-js-websocket with `ws` as the socket (Node 20 has no WebSocket client).
 *
 * The library's own reconnect loop (a retry every 0–5 s, and none at all after auth_invalid)
 * does not fit an add-on that starts before Home Assistant and must outlive its restarts, so
 * this module owns the retries: each attempt is one `createConnection` with the `createSocket`
 * of homeAssistantSocket.ts, and a dropped connection is closed and replaced after a backoff of
 * 1 s doubling to 30 s with jitter, forever, auth failures included (a token may be fixed by
 * restarting HA).
 *
 * Delivery. Events and service calls wait in one bounded queue while Home Assistant is away and
 * go out in order once it is back. What was sent but not yet confirmed when the connection
 * broke is ambiguous (Home Assistant may have acted on it), and the two kinds differ:
 * - fire_event is sent again (at least once): a lost call event is worse than a rare twin,
 *   and the window is one round trip;
 * - call_service is not (at most once): an announcement must never be said twice; it reports
 *   "failed", and a call whose deadline passes while it waits is "dropped", never sent.
 *
 * The token is only ever written to the socket: log lines name the URL, never the token, and
 * texts from Home Assistant are masked in case one echoes it.
 */

import {
  type Connection,
  createConnection,
  ERR_CONNECTION_LOST,
  ERR_INVALID_AUTH,
  callService as sendServiceCall,
} from "home-assistant-js-websocket";
import WebSocket from "ws";
import type { ServiceCall } from "../core/outputs/homeAssistantCalls.js";
import { type HomeAssistantSettings, wsSocketFactory } from "./homeAssistantSocket.js";

export type { ServiceCall };

export type HomeAssistantStatus = "connecting" | "connected" | "auth-failed" | "disconnected";
export type ServiceCallOutcome = "sent" | "dropped" | "failed";

export interface HomeAssistantOutput {
  /** Connects in the background; never throws. Home Assistant being away is normal. */
  start(): void;
  /** Closes the connection and cancels retries, within 2 s. Final: the output cannot restart. */
  stop(): Promise<void>;
  /** Resolves once Home Assistant confirmed the event, or when it was given up (logged). */
  fireEvent(eventType: string, data: Record<string, unknown>): Promise<void>;
  /** "sent" once Home Assistant confirmed it; "dropped" when notAfter (epoch ms) passed first. */
  callService(call: ServiceCall, options: { notAfter: number }): Promise<ServiceCallOutcome>;
  readonly connected: boolean;
  onStatus(listener: (status: HomeAssistantStatus) => void): void;
}

export interface HomeAssistantLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: () => string): void;
}

/** Timings and limits; the defaults suit the add-on, tests shrink them. */
export interface HomeAssistantTuning {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]; < 1/3 keeps it growing. */
  jitter: number;
  random: () => number;
  queueLimit: number;
  /** From opening the socket to auth_ok. */
  connectTimeoutMs: number;
  /** A half-open TCP connection (HA host powered off) is found by an unanswered ping. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  stopTimeoutMs: number;
}

const DEFAULT_TUNING: HomeAssistantTuning = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  jitter: 0.2,
  random: Math.random,
  queueLimit: 1000,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  stopTimeoutMs: 1500,
};

/** Events resolve with an outcome too, and ignore it. */
type Item = (
  | { kind: "event"; eventType: string; data: Record<string, unknown> }
  | { kind: "service"; call: ServiceCall; notAfter: number }
) & { done: (outcome: ServiceCallOutcome) => void; timer?: NodeJS.Timeout };

export function createHomeAssistantOutput(
  settings: HomeAssistantSettings,
  log: HomeAssistantLog,
  clock: () => number = Date.now,
  tuning: Partial<HomeAssistantTuning> = {},
): HomeAssistantOutput {
  const t = { ...DEFAULT_TUNING, ...tuning };
  const url = settings.websocketUrl;
  const mask = (text: string) => (settings.token ? text.replaceAll(settings.token, "***") : text);
  const authHint = url.startsWith("ws://supervisor/")
    ? " (the add-on needs homeassistant_api: true in config.yaml)"
    : " (check homeassistant.token: a long-lived access token from the HA user profile)";
  const queue: Item[] = [];
  /** Sent and not yet confirmed, in sending order, each with the connection it went out on. */
  const inFlight = new Map<Item, Connection>();
  const listeners: ((status: HomeAssistantStatus) => void)[] = [];
  const aborter = new AbortController();
  let status: HomeAssistantStatus = "disconnected";
  let conn: Connection | null = null;
  let started = false;
  let stopped = false;
  let failures = 0;
  let outageLogged = false;
  let authLogged = false;
  let connecting: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let pongTimer: NodeJS.Timeout | undefined;

  const setStatus = (next: HomeAssistantStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of listeners) listener(next);
  };
  const rawSocket = (c: Connection) => c.socket as unknown as WebSocket | undefined;
  const describe = (item: Item) =>
    item.kind === "event" ? `event ${item.eventType}` : `${item.call.domain}.${item.call.service}`;
  const giveUp = (item: Item, outcome: ServiceCallOutcome) => {
    clearTimeout(item.timer);
    item.done(outcome);
  };

  function scheduleRetry() {
    const base = Math.min(t.maxBackoffMs, t.initialBackoffMs * 2 ** Math.min(failures, 20));
    const delay = Math.round(base * (1 - t.jitter + 2 * t.jitter * t.random()));
    failures += 1;
    log.debug(() => `Next Home Assistant connection attempt in ${delay} ms`);
    retryTimer = setTimeout(() => {
      connecting = connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    // Retries keep the failure status, so listeners hear of changes, not of every attempt.
    if (failures === 0) setStatus("connecting");
    let authMessage = "";
    let failure = "";
    const createSocket = wsSocketFactory({
      url,
      token: settings.token,
      timeoutMs: t.connectTimeoutMs,
      signal: aborter.signal,
      onAuthInvalid: (message) => {
        authMessage = mask(message);
      },
      onCannotConnect: (reason) => {
        failure = mask(reason);
      },
    });
    try {
      const c = await createConnection({ createSocket, setupRetry: 0 });
      if (stopped) rawSocket(c)?.terminate();
      else attach(c);
    } catch (error) {
      if (stopped) return;
      const authFailed = error === ERR_INVALID_AUTH;
      setStatus(authFailed ? "auth-failed" : "disconnected");
      if (authFailed) {
        const line = `Home Assistant refused the access token: ${authMessage || "auth_invalid"}`;
        if (authLogged) log.debug(() => `${line}; retrying`);
        else log.error(`${line}${authHint}; retrying with backoff`);
        authLogged = true;
      } else {
        const line = `Cannot reach Home Assistant at ${url}: ${failure || String(error)}`;
        if (outageLogged) log.debug(() => line);
        else log.warn(`${line}; retrying in the background, events wait in a queue`);
        outageLogged = true;
      }
      scheduleRetry();
    }
  }

  function attach(c: Connection) {
    conn = c;
    outageLogged = false;
    authLogged = false;
    log.info(`Connected to Home Assistant${c.haVersion ? ` ${c.haVersion}` : ""} at ${url}`);
    c.addEventListener("disconnected", () => onLost(c));
    rawSocket(c)?.on("error", (error) => log.debug(() => `websocket error: ${error.message}`));
    pingTimer = setInterval(() => heartbeat(c), t.pingIntervalMs);
    setStatus("connected");
    pump();
  }

  function heartbeat(c: Connection) {
    if (pongTimer) return; // the last ping is still unanswered: its timer decides
    pongTimer = setTimeout(() => {
      log.warn(`Home Assistant did not answer a ping within ${t.pongTimeoutMs} ms; reconnecting`);
      rawSocket(c)?.terminate();
    }, t.pongTimeoutMs);
    c.ping().then(() => {
      stopPongTimer();
      failures = 0;
    }, stopPongTimer);
  }

  function stopPongTimer() {
    clearTimeout(pongTimer);
    pongTimer = undefined;
  }

  /** The library fires "disconnected" before it rejects what was in flight (see settle). */
  function onLost(c: Connection) {
    if (conn !== c) return;
    // Without this the library would reconnect on its own schedule, next to ours.
    c.close();
    conn = null;
    clearInterval(pingTimer);
    stopPongTimer();
    const unconfirmed = [...inFlight.keys()];
    inFlight.clear();
    const events = unconfirmed.filter((item) => item.kind === "event");
    for (const item of unconfirmed) {
      if (item.kind === "event") continue;
      log.warn(
        `The connection to Home Assistant broke before it confirmed ${describe(item)}; ` +
          "not sent again, so it is carried out at most once",
      );
      giveUp(item, "failed");
    }
    if (events.length > 0) {
      log.warn(`Sending ${events.length} unconfirmed event(s) again after reconnecting`);
      queue.unshift(...events);
      trim();
    }
    setStatus("disconnected");
    log.warn(`Lost the connection to Home Assistant at ${url}; reconnecting`);
    scheduleRetry();
  }

  function pump() {
    while (conn?.connected) {
      const item = queue.shift();
      if (!item) return;
      clearTimeout(item.timer);
      if (item.kind === "service" && clock() > item.notAfter) expire(item);
      else send(conn, item);
    }
  }

  function send(c: Connection, item: Item) {
    inFlight.set(item, c);
    const { kind } = item;
    const request =
      kind === "event"
        ? c.sendMessagePromise({
            type: "fire_event",
            event_type: item.eventType,
            event_data: item.data,
          })
        : sendServiceCall(c, item.call.domain, item.call.service, item.call.data, item.call.target);
    log.debug(
      () => `Sent ${describe(item)}: ${JSON.stringify(kind === "event" ? item.data : item.call)}`,
    );
    request.then(
      () => settle(c, item, null),
      (error: unknown) => settle(c, item, error),
    );
  }

  function settle(c: Connection, item: Item, error: unknown) {
    // Already dealt with when the connection broke (onLost) or at stop().
    if (inFlight.get(item) !== c) return;
    inFlight.delete(item);
    if (error === ERR_CONNECTION_LOST) {
      // Thrown before anything was written (the socket was closing): safe to send again.
      queue.unshift(item);
      if (item.kind === "service") armDeadline(item);
    } else if (error === null) {
      // An answer, not auth_ok, resets the backoff: the Supervisor's proxy says auth_ok before
      // it has reached Core, and a connection that drops at once must not be retried every 1 s.
      failures = 0;
      log.debug(() => `Home Assistant confirmed ${describe(item)}`);
      item.done("sent");
    } else {
      // A result frame with success false: error {code, message}, e.g. not_found.
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
      const why = `${mask(String(message))} (${String(code)})`;
      log.error(`Home Assistant could not carry out ${describe(item)}: ${why}`);
      item.done("failed");
    }
  }

  function expire(item: Item) {
    log.info(`Dropped ${describe(item)}: Home Assistant was not reachable before its deadline`);
    giveUp(item, "dropped");
  }

  /** While it waits for Home Assistant, a call is answered "dropped" at its deadline. */
  function armDeadline(item: Item & { kind: "service" }) {
    clearTimeout(item.timer);
    item.timer = setTimeout(
      () => {
        const index = queue.indexOf(item);
        if (index < 0) return;
        queue.splice(index, 1);
        expire(item);
      },
      Math.max(0, item.notAfter - clock()) + 1,
    );
  }

  function trim() {
    while (queue.length > t.queueLimit) {
      const oldest = queue.shift();
      if (!oldest) return;
      log.warn(
        `Home Assistant queue full (${t.queueLimit}): dropped the oldest, ${describe(oldest)}`,
      );
      giveUp(oldest, "dropped");
    }
  }

  function enqueue(item: Item) {
    queue.push(item);
    trim();
    pump();
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      connecting = connect();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      stopPongTimer();
      aborter.abort();
      const c = conn;
      conn = null;
      const unconfirmed = [...inFlight.keys()];
      inFlight.clear();
      const waiting = queue.splice(0);
      const lost = [...unconfirmed, ...waiting].filter((i) => i.kind === "event").length;
      if (lost > 0) log.warn(`Stopping with ${lost} event(s) not confirmed by Home Assistant`);
      for (const item of unconfirmed) giveUp(item, "failed");
      for (const item of waiting) giveUp(item, "dropped");
      const socket = c && rawSocket(c);
      if (c && socket && socket.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          // A Home Assistant that does not answer the close frame is not waited for.
          const timer = setTimeout(() => socket.terminate(), t.stopTimeoutMs);
          socket.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          c.close();
        });
      }
      await connecting;
      setStatus("disconnected");
    },

    fireEvent(eventType, data) {
      return new Promise((resolve) => {
        const item: Item = { kind: "event", eventType, data, done: () => resolve() };
        if (!stopped) enqueue(item);
        else {
          log.warn(`Not sending event ${eventType}: the Home Assistant output is stopped`);
          resolve();
        }
      });
    },

    callService(call, { notAfter }) {
      return new Promise((resolve) => {
        const item: Item = { kind: "service", call, notAfter, done: resolve };
        if (stopped || clock() > notAfter) return expire(item);
        enqueue(item);
        if (queue.includes(item)) armDeadline(item);
      });
    },

    get connected() {
      return conn?.connected ?? false;
    },

    onStatus(listener) {
      listeners.push(listener);
    },
  };
}
