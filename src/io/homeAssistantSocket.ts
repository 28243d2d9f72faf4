/**
 * One websocket to Home Assistant, up to auth_ok: where it is (homeAssistantSettings, from the
 * options and the Supervisor's environment) and the `createSocket` that opens it with `ws` and
 * does the auth exchange (wsSocketFactory). Retries, queueing and delivery are the caller's
 * (homeAssistant.ts). The token is only ever written to the socket.
 */
import {
  type ConnectionOptions,
  ERR_CANNOT_CONNECT,
  ERR_INVALID_AUTH,
  type HaWebSocket,
} from "home-assistant-js-websocket";
import WebSocket from "ws";
import { supervisorToken } from "./supervisor.js";

export interface HomeAssistantSettings {
  /** ws://supervisor/core/websocket, or ws://host:8123/api/websocket */
  websocketUrl: string;
  token: string;
}

export const SUPERVISOR_WEBSOCKET_URL = "ws://supervisor/core/websocket";

/**
 * Under the Supervisor (SUPERVISOR_TOKEN set and no URL configured): ws://supervisor/core/websocket
 * with that token; the proxy accepts only add-on tokens, so a configured token is not used there.
 * Otherwise the configured http(s) URL (a base path is kept, as createLongLivedTokenAuth does)
 * becomes ws(s)://host/…/api/websocket with the long-lived token; a ws(s) URL is taken as is.
 */
export function homeAssistantSettings(
  options: { url: string; token: string },
  env: NodeJS.ProcessEnv,
): HomeAssistantSettings | { error: string } {
  const fromSupervisor = supervisorToken(env);
  const configured = options.url.trim();
  if (configured === "") {
    if (fromSupervisor) return { websocketUrl: SUPERVISOR_WEBSOCKET_URL, token: fromSupervisor };
    return {
      error:
        "homeassistant.url is empty and SUPERVISOR_TOKEN is not set (not running as an add-on): " +
        "set homeassistant.url (e.g. http://127.0.0.1:8123) and homeassistant.token",
    };
  }
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return { error: `homeassistant.url is not a valid URL: "${configured}"` };
  }
  const path = url.pathname.replace(/\/+$/, "");
  let websocketUrl: string;
  if (url.protocol === "http:" || url.protocol === "https:") {
    websocketUrl = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}${path}/api/websocket`;
  } else if (url.protocol === "ws:" || url.protocol === "wss:") {
    websocketUrl = `${url.protocol}//${url.host}${path}`;
  } else {
    return { error: "homeassistant.url must start with http://, https://, ws:// or wss://" };
  }
  const token = options.token.trim() || fromSupervisor;
  if (!token) {
    return { error: "homeassistant.token is empty: create a long-lived access token in HA" };
  }
  return { websocketUrl, token };
}

interface SocketFactoryOptions {
  url: string;
  token: string;
  timeoutMs: number;
  /** Aborting ends a handshake in progress (stop()). */
  signal: AbortSignal;
  onAuthInvalid(message: string): void;
  onCannotConnect(reason: string): void;
}

/**
 * The library's `createSocket`: one attempt (the caller owns retries), resolving with the
 * authenticated socket and rejecting with ERR_INVALID_AUTH or ERR_CANNOT_CONNECT, as the
 * library's own does. Like it, the auth message goes out on open without waiting for
 * auth_required, and supported_features (id 1, coalesce_messages) follows auth_ok on HA ≥ 2022.9:
 * the Connection numbers its commands from 2 for that reason and unpacks coalesced arrays.
 */
export function wsSocketFactory(
  o: SocketFactoryOptions,
): (options: ConnectionOptions) => Promise<HaWebSocket> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(o.url, { handshakeTimeout: o.timeoutMs });
      let reason = "the connection closed during authentication";
      let invalidAuth = false;
      const timer = setTimeout(() => {
        reason = `no auth_ok within ${o.timeoutMs} ms`;
        socket.terminate();
      }, o.timeoutMs);
      const abort = () => {
        reason = "stopped";
        socket.terminate();
      };
      // ws throws an 'error' nobody listens to: this listener stays for the socket's life, and
      // the 'close' that always follows is what the library (or onClose below) acts on.
      socket.on("error", (error) => {
        reason = error.message;
      });
      const finish = () => {
        clearTimeout(timer);
        o.signal.removeEventListener("abort", abort);
        socket.off("open", onOpen);
        socket.off("message", onMessage);
        socket.off("close", onClose);
      };
      const onOpen = () => socket.send(JSON.stringify({ type: "auth", access_token: o.token }));
      const onMessage = (data: WebSocket.RawData) => {
        let message: { type?: unknown; message?: unknown; ha_version?: unknown };
        try {
          message = JSON.parse(String(data));
        } catch {
          reason = "Home Assistant sent something that is not JSON";
          socket.terminate();
          return;
        }
        if (message.type === "auth_invalid") {
          invalidAuth = true;
          o.onAuthInvalid(String(message.message ?? ""));
          socket.close();
        } else if (message.type === "auth_ok") {
          finish();
          const haVersion = typeof message.ha_version === "string" ? message.ha_version : "";
          if (atLeastVersion(haVersion, 2022, 9)) {
            const features = {
              type: "supported_features",
              id: 1,
              features: { coalesce_messages: 1 },
            };
            socket.send(JSON.stringify(features));
          }
          resolve(Object.assign(socket, { haVersion }) as unknown as HaWebSocket);
        }
        // auth_required needs no answer: the auth message went out on open.
      };
      const onClose = () => {
        finish();
        if (invalidAuth) {
          reject(ERR_INVALID_AUTH);
        } else {
          o.onCannotConnect(reason);
          reject(ERR_CANNOT_CONNECT);
        }
      };
      socket.on("open", onOpen);
      socket.on("message", onMessage);
      socket.on("close", onClose);
      if (o.signal.aborted) abort();
      else o.signal.addEventListener("abort", abort, { once: true });
    });
}

function atLeastVersion(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(".").map(Number);
  return a !== undefined && b !== undefined && (a > major || (a === major && b >= minor));
}
