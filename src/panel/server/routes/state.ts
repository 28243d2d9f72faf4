/**
 * `api/state`, `api/events` (server-sent events) and `api/settings`.
 *
 * The event stream sends `event: state` with api/state's document on connect and after every
 * change of the household (a call, a command) or of the diagnostics (the capture, the
 * bridge); changes in the same turn of the event loop are sent once. A comment `: ping`
 * every 15 s keeps proxies (HA's ingress) from closing a quiet stream.
 */
import type { FastifyInstance, FastifyPluginOptions } from "fastify";
import type { PanelDeps } from "../server.js";
import { type PanelState, type PublishedDiagnostics, panelState } from "../statePayload.js";

export interface DiagnosticsFeed {
  latest(): PublishedDiagnostics | null;
  /** Called after each publish; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

const PING_EVERY_MS = 15_000;
/** More streams than a household has screens: a page that leaks them stops here. */
const MAX_STREAMS = 32;

export function currentState(deps: PanelDeps): PanelState {
  return panelState({
    version: deps.version,
    household: deps.household.current(),
    published: deps.diagnostics.latest(),
    directory: deps.directory.resolver.diagnostics(),
    onlineLookup: deps.options.directory.online_lookup,
    captureInterface: deps.options.capture.interface,
    now: deps.now(),
  });
}

export async function stateRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  const streams = new Set<() => void>();
  app.addHook("onClose", async () => {
    for (const end of [...streams]) end();
  });

  app.get("/api/state", async () => currentState(deps));

  app.get("/api/settings", async () => ({
    language: deps.options.announce.language,
    country: deps.options.directory.country,
    onlineLookup: deps.options.directory.online_lookup,
    announcements: deps.homeAssistant !== null,
  }));

  app.get("/api/events", (request, reply) => {
    if (streams.size >= MAX_STREAMS) {
      return reply
        .code(503)
        .send({ error: "too-many-streams", message: "too many open event streams" });
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      // Nginx-style proxies (and HA's aiohttp one) pass it through unbuffered.
      "x-accel-buffering": "no",
    });
    let pending = false;
    const send = () => {
      pending = false;
      if (raw.writableEnded) return;
      raw.write(`event: state\ndata: ${JSON.stringify(currentState(deps))}\n\n`);
    };
    const soon = () => {
      if (pending) return;
      pending = true;
      setImmediate(send);
    };
    const unsubscribeHousehold = deps.household.subscribe(soon);
    const unsubscribeDiagnostics = deps.diagnostics.subscribe(soon);
    const ping = setInterval(() => raw.write(": ping\n\n"), PING_EVERY_MS);
    const end = () => {
      if (!streams.delete(end)) return;
      clearInterval(ping);
      unsubscribeHousehold();
      unsubscribeDiagnostics();
      if (!raw.writableEnded) raw.end();
    };
    streams.add(end);
    request.raw.on("close", end);
    raw.on("error", end);
    send();
    return reply;
  });
}
