/**
 * The Home Assistant output: call events (`fire_event`) and service calls (tts, logbook) over
 * the websocket API (developers.home-assistant.io/docs/api/websocket). Two parts meet here:
 * - homeAssistantConnection.ts keeps the connection up and says what it is worth (down,
 *   suspect, open, proven by a pong just now), dropping it when Home Assistant stalls;
 * - core/delivery/deliveryQueue.ts decides what is written when: events at least once, in
 *   order; service calls at most once, only right after a pong, never after their deadline,
 *   with their spacing kept.
 * This module writes what the queue hands out, reports the answers back, and wakes the queue
 * when its next deadline or paced call is due. Time is the daemon's clock (a replay's virtual
 * clock included); the wake-ups are timers of their own, and a wake-up counts as that time
 * reached: on a virtual clock that waits for our deliveries before it moves on, a timer of
 * the clock's would never come (or make the replay jump to the deadline it then passes).
 */
import {
  ERR_CONNECTION_LOST,
  getStates,
  type HassEntity,
  callService as sendServiceCall,
} from "home-assistant-js-websocket";
import {
  type DeliveryOutcome,
  DeliveryQueue,
  type Settlement,
} from "../core/delivery/deliveryQueue.js";
import type { ServiceCall } from "../core/outputs/homeAssistantCalls.js";
import {
  type ConnectionTuning,
  HomeAssistantConnection,
  type HomeAssistantLog,
  type HomeAssistantStatus,
} from "./homeAssistantConnection.js";
import type { HomeAssistantSettings } from "./homeAssistantSocket.js";

export type { HomeAssistantLog, HomeAssistantStatus, ServiceCall };
export type ServiceCallOutcome = DeliveryOutcome;

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
  onStatus(listener: (status: HomeAssistantStatus) => void): () => void;
  /** Every entity's state (`get_states`), for a view that lists speakers; rejects when down. */
  getStates(): Promise<HassEntity[]>;
}

/** The daemon's time. */
export interface DeliveryClock {
  now(): number;
}

/** Timings and limits; the defaults suit the add-on, tests shrink them. */
export interface HomeAssistantTuning extends ConnectionTuning {
  queueLimit: number;
  /** Service calls asked closer together than this keep their spacing when held back. */
  paceWindowMs: number;
  /** Something asked this recently and not yet delivered keeps the backoff short. */
  freshWorkMs: number;
}

const DEFAULT_TUNING: HomeAssistantTuning = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  urgentBackoffMs: 2000,
  jitter: 0.2,
  random: Math.random,
  queueLimit: 1000,
  connectTimeoutMs: 10_000,
  // A stall is noticed within pingIntervalMs + pongTimeoutMs (9 s).
  pingIntervalMs: 5000,
  pongTimeoutMs: 4000,
  suspectAfterMs: 1000,
  // A call is written at most this long after a pong: in practice right after the ping it
  // waited for (a round trip, a few ms), so only a freeze within that moment can catch it.
  proofValidMs: 50,
  stopTimeoutMs: 1500,
  paceWindowMs: 30_000,
  freshWorkMs: 30_000,
};

type Payload =
  | { kind: "event"; eventType: string; data: Record<string, unknown> }
  | { kind: "call"; call: ServiceCall };

export function createHomeAssistantOutput(
  settings: HomeAssistantSettings,
  log: HomeAssistantLog,
  clock: DeliveryClock | (() => number) = Date.now,
  tuning: Partial<HomeAssistantTuning> = {},
): HomeAssistantOutput {
  const t = { ...DEFAULT_TUNING, ...tuning };
  const clockNow = typeof clock === "function" ? clock : () => clock.now();
  /** The latest wake-up time reached: time never goes back behind it. */
  let reached = Number.NEGATIVE_INFINITY;
  const deliveryTime = () => Math.max(clockNow(), reached);
  const mask = (text: string) => (settings.token ? text.replaceAll(settings.token, "***") : text);
  const queue = new DeliveryQueue<Payload>({ limit: t.queueLimit, paceWindowMs: t.paceWindowMs });
  const waiting = new Map<number, (outcome: DeliveryOutcome) => void>();
  let stopped = false;
  let wake: { at: number; timer: NodeJS.Timeout } | null = null;

  const connection = new HomeAssistantConnection(settings, log, t, {
    link: (state) => {
      const { settled, resent } = queue.setLink(state);
      if (resent > 0) log.warn(`Sending ${resent} unconfirmed event(s) again after reconnecting`);
      finish(settled);
      pump();
    },
    urgent: () => queue.hasFreshWork(deliveryTime(), t.freshWorkMs),
  });

  function pump() {
    if (stopped) return;
    const now = deliveryTime();
    const { write, settled } = queue.take(now);
    finish(settled);
    const generation = connection.generation;
    for (const delivery of write) send(delivery.id, delivery.payload, generation);
    if (queue.wantsProof(now)) connection.probe();
    scheduleWake();
  }

  function send(id: number, payload: Payload, generation: number) {
    const request =
      payload.kind === "event"
        ? connection.request((conn) =>
            conn.sendMessagePromise({
              type: "fire_event",
              event_type: payload.eventType,
              event_data: payload.data,
            }),
          )
        : connection.request((conn) => {
            const { domain, service, data, target } = payload.call;
            return sendServiceCall(conn, domain, service, data, target);
          });
    log.debug(
      () =>
        `Sent ${describe(payload)}: ${JSON.stringify(payload.kind === "event" ? payload.data : payload.call)}`,
    );
    request.then(
      () => {
        if (connection.generation !== generation) return;
        log.debug(() => `Home Assistant confirmed ${describe(payload)}`);
        finish([queue.confirmed(id)]);
        pump();
      },
      (error: unknown) => {
        // Already dealt with when the connection broke (the queue's setLink) or at stop().
        if (connection.generation !== generation || stopped) return;
        if (error === ERR_CONNECTION_LOST) {
          // Thrown before anything was written (the socket was closing): safe to send again.
          queue.notWritten(id);
          return;
        }
        // A result frame with success false: error {code, message}, e.g. not_found.
        const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
        const why = `${mask(String(message))} (${String(code)})`;
        log.error(`Home Assistant could not carry out ${describe(payload)}: ${why}`);
        finish([queue.refused(id)]);
        pump();
      },
    );
  }

  function finish(settled: (Settlement<Payload> | null)[]) {
    for (const s of settled) {
      if (!s) continue;
      const what = describe(s.payload);
      if (s.reason === "late")
        log.info(`Dropped ${what}: Home Assistant was not reachable before its deadline`);
      else if (s.reason === "queue-full")
        log.warn(`Home Assistant queue full (${t.queueLimit}): dropped the oldest, ${what}`);
      else if (s.reason === "link-broke")
        log.warn(
          `The connection to Home Assistant broke before it confirmed ${what}; ` +
            "not sent again, so it is carried out at most once",
        );
      const resolve = waiting.get(s.id);
      waiting.delete(s.id);
      resolve?.(s.outcome);
    }
  }

  function scheduleWake() {
    const from = deliveryTime();
    const next = stopped ? null : queue.nextWakeAt(from);
    if (next === (wake?.at ?? null)) return;
    clearTimeout(wake?.timer);
    wake =
      next === null
        ? null
        : {
            at: next,
            timer: setTimeout(() => {
              wake = null;
              reached = Math.max(reached, next);
              pump();
            }, next - from),
          };
  }

  function enqueue(payload: Payload, notAfter?: number): Promise<DeliveryOutcome> {
    return new Promise((resolve) => {
      const now = deliveryTime();
      const { id, settled } = queue.add(payload.kind, payload, now, notAfter);
      waiting.set(id, resolve);
      finish(settled);
      if (queue.link === "down" && queue.hasFreshWork(now, t.freshWorkMs)) connection.hurry();
      pump();
    });
  }

  return {
    start() {
      if (!stopped) connection.start();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(wake?.timer);
      wake = null;
      const settled = queue.clear();
      const lost = settled.filter((s) => s.kind === "event").length;
      if (lost > 0) log.warn(`Stopping with ${lost} event(s) not confirmed by Home Assistant`);
      finish(settled);
      await connection.stop();
    },

    async fireEvent(eventType, data) {
      if (stopped) {
        log.warn(`Not sending event ${eventType}: the Home Assistant output is stopped`);
        return;
      }
      await enqueue({ kind: "event", eventType, data });
    },

    callService(call, { notAfter }) {
      if (stopped) {
        log.info(
          `Dropped ${describe({ kind: "call", call })}: the Home Assistant output is stopped`,
        );
        return Promise.resolve("dropped");
      }
      return enqueue({ kind: "call", call }, notAfter);
    },

    get connected() {
      return connection.connected;
    },

    onStatus(listener) {
      return connection.onStatus(listener);
    },

    getStates() {
      return connection.request((conn) => getStates(conn));
    },
  };
}

function describe(payload: Payload): string {
  return payload.kind === "event"
    ? `event ${payload.eventType}`
    : `${payload.call.domain}.${payload.call.service}`;
}
