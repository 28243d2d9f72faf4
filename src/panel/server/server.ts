/**
 * The panel's HTTP server (fastify): the UI's files and the JSON API of
 * /tmp/team/CONTRACTS.md, for Home Assistant's ingress proxy and this machine only.
 *
 *   request ─► peer guard (403, nothing else) ─► change guard (header + JSON, 403/415)
 *           ─► api/* routes (routes/*.ts) │ the UI's files (dist/panel) │ index.html for any
 *              other path, with <base href> set to the ingress prefix
 *
 * Names and numbers only ever leave as JSON (or as the vCard/CSV a user exports): the server
 * builds no HTML from data. No CORS headers: another site's page cannot read or change it.
 */
import { fileURLToPath } from "node:url";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerFactory,
} from "fastify";
import type { Options } from "../../config/schema.js";
import type { HouseholdMarks } from "../../core/nuisance/marks.js";
import type { CallerDirectory } from "../../daemon/callerDirectory.js";
import type { Household } from "../../daemon/household.js";
import type { HomeAssistantClient, OutputContext } from "../../daemon/outputs/output.js";
import type { CallLog } from "../../io/callLog.js";
import { isAllowedHost, isAllowedPeer, stateChangeRefusal } from "./guard.js";
import { callsRoutes } from "./routes/calls.js";
import { linesRoutes } from "./routes/lines.js";
import { marksRoutes } from "./routes/marks.js";
import { phonebookRoutes } from "./routes/phonebook.js";
import { speakersRoutes } from "./routes/speakers.js";
import { type DiagnosticsFeed, stateRoutes } from "./routes/state.js";
import { indexPage, servedType, staticRoutes } from "./staticFiles.js";

/** dist/panel, from src/panel/server (tests) and from dist/panel/server (the add-on) alike. */
const DEFAULT_STATIC_ROOT = fileURLToPath(new URL("../../../dist/panel/", import.meta.url));

export interface PanelLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: () => string): void;
}

/** What the panel reads and changes: the daemon's own parts, nothing of its own. */
export interface PanelDeps {
  readonly version: string;
  readonly options: Options;
  readonly household: Pick<Household, "current" | "subscribe" | "dispatch">;
  readonly callLog: Pick<CallLog, "page" | "find">;
  readonly directory: Pick<CallerDirectory, "resolver" | "phonebook" | "household">;
  /** null until the nuisance lists' store is there: the marks routes answer 503. */
  readonly marks: () => HouseholdMarks | null;
  /** The nuisance lists' verdict on a number (the announcement a call from it would get). */
  readonly judgeNuisance: OutputContext["judgeNuisance"];
  readonly homeAssistant: HomeAssistantClient | null;
  readonly diagnostics: DiagnosticsFeed;
  /** The daemon's clock: Home Assistant's deadlines and the diagnostics' times run on it. */
  readonly now: () => number;
  readonly log: PanelLog;
  /** Where index.html and assets/ are; DEFAULT_STATIC_ROOT unless a test says otherwise. */
  readonly staticRoot?: string;
}

/** The JSON error every route answers with. */
export function sendError(
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
): FastifyReply {
  return reply.code(status).type("application/json").send({ error, message });
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  // A link out (tel.search.ch) must not carry the ingress token in the Referer.
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * `serverFactory`: the HTTP server the app answers on, already listening (the daemon opens the
 * port at start and builds this app at the panel's first request); without it, the app's own.
 */
export async function createPanelServer(
  deps: PanelDeps,
  serverFactory?: FastifyServerFactory,
): Promise<FastifyInstance> {
  const staticRoot = deps.staticRoot ?? DEFAULT_STATIC_ROOT;
  const app = Fastify({
    ...(serverFactory === undefined ? {} : { serverFactory }),
    logger: false,
    // The stream of api/events keeps a connection open: close() must not wait for it.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });

  // Before anything is read of the request (not even its body): a peer not allowed hears 403.
  app.addHook("onRequest", async (request, reply) => {
    const peer = request.socket.remoteAddress;
    if (!isAllowedPeer(peer) || !isAllowedHost(peer, request.headers.host)) {
      deps.log.debug(() => `panel: refused a request from ${peer} for ${request.headers.host}`);
      return reply.code(403).header("connection", "close").send();
    }
    reply.headers(SECURITY_HEADERS);
    const refusal = stateChangeRefusal(request.method, request.headers);
    if (refusal) return sendError(reply, refusal.status, refusal.error, refusal.message);
  });

  // A change without a body (DELETE) may still say application/json.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error("the body is not valid JSON"), { statusCode: 400 }));
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) deps.log.warn(`panel: ${error.message}`);
    const code = status === 413 ? "too-large" : status >= 500 ? "internal" : "bad-request";
    return sendError(reply, status, code, status >= 500 ? "the panel failed" : error.message);
  });

  await app.register(stateRoutes, { deps });
  await app.register(callsRoutes, { deps });
  await app.register(linesRoutes, { deps });
  await app.register(phonebookRoutes, { deps });
  await app.register(marksRoutes, { deps });
  await app.register(speakersRoutes, { deps });

  staticRoutes(app, staticRoot);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    // A missing script, style or icon is a 404, not the page: a browser would run HTML as a module.
    const file = servedType(path.slice(path.lastIndexOf("/") + 1)) !== null;
    const notPage = path.startsWith("/api/") || path.startsWith("/assets/") || file;
    if (notPage || (request.method !== "GET" && request.method !== "HEAD")) {
      return sendError(reply, 404, "not-found", `no ${request.method} ${path}`);
    }
    return indexPage(request, reply, staticRoot);
  });
  return app;
}
