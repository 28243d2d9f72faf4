/**
 * The connection to Home Assistant's websocket API, kept up: home-assistant-js-websocket's
 * `Connection` over the `createSocket` of homeAssistantSocket.ts, one attempt at a time.
 * What is sent over it, and when, is the delivery queue's (core/delivery); this module only
 * says what the link is worth:
 * - "fresh" for `proofValidMs` after auth_ok, "proven" for as long after each pong, "open"
 *   in between; "suspect" while a ping has waited longer than `suspectAfterMs`; "down" when
 *   broken;
 * - a ping every `pingIntervalMs`, and one on request (`probe`, when a call waits for proof):
 *   a stalled Home Assistant (a frozen process keeps its TCP connection open) is found when a
 *   pong is `pongTimeoutMs` late, and the connection is then dropped;
 * - a lost connection is replaced after a backoff (1 s doubling to 30 s, with jitter, auth
 *   failures included: a token may be fixed by restarting HA), but within `urgentBackoffMs`
 *   while `urgent()` says a call is waiting to be announced.
 *
 * The library's own reconnect loop (0–5 s, none after auth_invalid) is switched off by closing
 * each broken Connection. The token is only ever written to the socket: log lines name the
 * URL, and texts from Home Assistant are masked in case one echoes it.
 */
import {
  type Connection,
  createConnection,
  ERR_CONNECTION_LOST,
  ERR_INVALID_AUTH,
} from "home-assistant-js-websocket";
import WebSocket from "ws";
import { retryDelayMs } from "../core/delivery/backoff.js";
import type { LinkState } from "../core/delivery/deliveryQueue.js";
import { type HomeAssistantSettings, wsSocketFactory } from "./homeAssistantSocket.js";

export type HomeAssistantStatus = "connecting" | "connected" | "auth-failed" | "disconnected";

export interface HomeAssistantLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: () => string): void;
}

export interface ConnectionTuning {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** The longest wait for the next attempt while `urgent()`. */
  urgentBackoffMs: number;
  jitter: number;
  random: () => number;
  /** From opening the socket to auth_ok. */
  connectTimeoutMs: number;
  pingIntervalMs: number;
  /** A ping unanswered this long resets the connection. */
  pongTimeoutMs: number;
  /** A ping unanswered this long makes the link suspect: nothing more is written to it. */
  suspectAfterMs: number;
  /** An answer (auth_ok, a pong) proves the link for this long: writes happen only then. */
  proofValidMs: number;
  stopTimeoutMs: number;
}

export interface ConnectionHooks {
  link(state: LinkState): void;
  /** Something waits that is worth little later: keep the backoff short. */
  urgent(): boolean;
}

export class HomeAssistantConnection {
  #status: HomeAssistantStatus = "disconnected";
  #link: LinkState = "down";
  #conn: Connection | null = null;
  #stopped = false;
  #failures = 0;
  #generation = 0;
  #outageLogged = false;
  #authLogged = false;
  #connecting: Promise<void> | undefined;
  #retry: { timer: NodeJS.Timeout; at: number } | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #proofExpiry: NodeJS.Timeout | undefined;
  /** The timers of each ping on its way. */
  readonly #pings = new Set<{ suspect: NodeJS.Timeout; timeout: NodeJS.Timeout }>();
  #listeners: ((status: HomeAssistantStatus) => void)[] = [];
  readonly #aborter = new AbortController();
  readonly #mask: (text: string) => string;

  constructor(
    private readonly settings: HomeAssistantSettings,
    private readonly log: HomeAssistantLog,
    private readonly tuning: ConnectionTuning,
    private readonly hooks: ConnectionHooks,
  ) {
    const { token } = settings;
    this.#mask = (text) => (token ? text.replaceAll(token, "***") : text);
  }

  get status(): HomeAssistantStatus {
    return this.#status;
  }

  get link(): LinkState {
    return this.#link;
  }

  get connected(): boolean {
    return this.#conn?.connected ?? false;
  }

  /** Calls `listener` on every change of status; returns how to stop. */
  onStatus(listener: (status: HomeAssistantStatus) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener);
    };
  }

  start(): void {
    if (this.#stopped || this.#connecting) return;
    this.#connecting = this.#connect();
  }

  /** Counts connections made: an answer is only news for the connection it came on. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Writes one command with the library (`send` gets the live Connection); rejects with the
   * library's ERR_CONNECTION_LOST when nothing could be written (no connection, or its socket
   * closing), as the library itself does.
   */
  request<T>(send: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = this.#conn;
    return conn ? send(conn) : Promise.reject(ERR_CONNECTION_LOST);
  }

  /** A ping now (unless one is on its way): its pong proves the link for a moment. */
  probe(): void {
    const conn = this.#conn;
    if (conn && this.#pings.size === 0) this.#ping(conn);
  }

  /** A retry further away than `urgentBackoffMs` is brought forward. */
  hurry(): void {
    const retry = this.#retry;
    if (!retry || retry.at - Date.now() <= this.tuning.urgentBackoffMs) return;
    clearTimeout(retry.timer);
    this.#scheduleRetry();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retry?.timer);
    this.#stopPings();
    this.#aborter.abort();
    const conn = this.#conn;
    this.#conn = null;
    this.#setLink("down");
    const socket = conn && rawSocket(conn);
    if (conn && socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        // A Home Assistant that does not answer the close frame is not waited for.
        const timer = setTimeout(() => socket.terminate(), this.tuning.stopTimeoutMs);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        conn.close();
      });
    }
    await this.#connecting;
    this.#setStatus("disconnected");
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    // Retries keep the failure status, so listeners hear of changes, not of every attempt.
    if (this.#failures === 0) this.#setStatus("connecting");
    const { websocketUrl: url, token } = this.settings;
    let authMessage = "";
    let failure = "";
    const createSocket = wsSocketFactory({
      url,
      token,
      timeoutMs: this.tuning.connectTimeoutMs,
      signal: this.#aborter.signal,
      onAuthInvalid: (message) => {
        authMessage = this.#mask(message);
      },
      onCannotConnect: (reason) => {
        failure = this.#mask(reason);
      },
    });
    try {
      const conn = await createConnection({ createSocket, setupRetry: 0 });
      if (this.#stopped) rawSocket(conn)?.terminate();
      else this.#attach(conn);
    } catch (error) {
      if (this.#stopped) return;
      const authFailed = error === ERR_INVALID_AUTH;
      this.#setStatus(authFailed ? "auth-failed" : "disconnected");
      if (authFailed) {
        const line = `Home Assistant refused the access token: ${authMessage || "auth_invalid"}`;
        if (this.#authLogged) this.log.debug(() => `${line}; retrying`);
        else this.log.error(`${line}${authHint(url)}; retrying with backoff`);
        this.#authLogged = true;
      } else {
        const line = `Cannot reach Home Assistant at ${url}: ${failure || String(error)}`;
        if (this.#outageLogged) this.log.debug(() => line);
        else this.log.warn(`${line}; retrying in the background, events wait in a queue`);
        this.#outageLogged = true;
      }
      this.#scheduleRetry();
    }
  }

  #attach(conn: Connection): void {
    this.#conn = conn;
    this.#generation += 1;
    this.#outageLogged = false;
    this.#authLogged = false;
    const { websocketUrl: url } = this.settings;
    this.log.info(
      `Connected to Home Assistant${conn.haVersion ? ` ${conn.haVersion}` : ""} at ${url}`,
    );
    conn.addEventListener("disconnected", () => this.#onLost(conn));
    rawSocket(conn)?.on("error", (error) =>
      this.log.debug(() => `websocket error: ${error.message}`),
    );
    this.#heartbeat = setInterval(() => {
      if (this.#pings.size === 0) this.#ping(conn);
    }, this.tuning.pingIntervalMs);
    this.#setStatus("connected");
    // auth_ok lets events go, not service calls: the Supervisor's proxy says it before it
    // has reached Core. The ping that follows proves Core.
    this.#prove(conn, "fresh");
    this.#ping(conn);
  }

  #ping(conn: Connection): void {
    const { suspectAfterMs, pongTimeoutMs } = this.tuning;
    const suspect = setTimeout(() => {
      if (this.#conn === conn) this.#setLink("suspect");
    }, suspectAfterMs);
    const timeout = setTimeout(() => {
      if (this.#conn !== conn) return;
      this.log.warn(
        `Home Assistant did not answer a ping within ${pongTimeoutMs} ms; reconnecting`,
      );
      rawSocket(conn)?.terminate();
    }, pongTimeoutMs);
    const timers = { suspect, timeout };
    this.#pings.add(timers);
    const done = () => {
      clearTimeout(suspect);
      clearTimeout(timeout);
      this.#pings.delete(timers);
    };
    conn.ping().then(
      () => {
        done();
        if (this.#conn !== conn) return;
        // An answer from Core, not auth_ok, resets the backoff: a connection that drops at
        // once must not be retried every second.
        this.#failures = 0;
        this.#prove(conn, "proven");
      },
      () => {
        done();
      },
    );
  }

  /** The link is proven for a moment, then merely open. */
  #prove(conn: Connection, link: "fresh" | "proven"): void {
    this.#setLink(link);
    clearTimeout(this.#proofExpiry);
    this.#proofExpiry = setTimeout(() => {
      if (this.#conn === conn && this.#link === link) this.#setLink("open");
    }, this.tuning.proofValidMs);
  }

  /** The library fires "disconnected" before it rejects what was in flight. */
  #onLost(conn: Connection): void {
    if (this.#conn !== conn) return;
    // Without this the library would reconnect on its own schedule, next to ours.
    conn.close();
    this.#conn = null;
    this.#stopPings();
    this.#setLink("down");
    this.#setStatus("disconnected");
    this.log.warn(
      `Lost the connection to Home Assistant at ${this.settings.websocketUrl}; reconnecting`,
    );
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    const t = this.tuning;
    const delay = retryDelayMs(
      this.#failures,
      {
        initialMs: t.initialBackoffMs,
        maxMs: t.maxBackoffMs,
        jitter: t.jitter,
        urgentMaxMs: t.urgentBackoffMs,
      },
      t.random(),
      this.hooks.urgent(),
    );
    this.#failures += 1;
    this.log.debug(() => `Next Home Assistant connection attempt in ${delay} ms`);
    const timer = setTimeout(() => {
      this.#retry = undefined;
      this.#connecting = this.#connect();
    }, delay);
    this.#retry = { timer, at: Date.now() + delay };
  }

  #stopPings(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#proofExpiry);
    for (const { suspect, timeout } of this.#pings) {
      clearTimeout(suspect);
      clearTimeout(timeout);
    }
    this.#pings.clear();
  }

  #setStatus(next: HomeAssistantStatus): void {
    if (next === this.#status) return;
    this.#status = next;
    for (const listener of this.#listeners) listener(next);
  }

  #setLink(next: LinkState): void {
    if (next === this.#link) return;
    this.#link = next;
    this.hooks.link(next);
  }
}

function authHint(url: string): string {
  return url.startsWith("ws://supervisor/")
    ? " (the add-on needs homeassistant_api: true in config.yaml)"
    : " (check homeassistant.token: a long-lived access token from the HA user profile)";
}

function rawSocket(conn: Connection): WebSocket | undefined {
  return conn.socket as unknown as WebSocket | undefined;
}
