/** `api/calls`: one page of the call log, newest first, with the panel's filters. */
import type { FastifyInstance, FastifyPluginOptions } from "fastify";
import { encodeCursor, panelCall, parseCallsQuery } from "../callsQuery.js";
import { type PanelDeps, sendError } from "../server.js";

export async function callsRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  app.get("/api/calls", async (request, reply) => {
    const parsed = parseCallsQuery(request.query as Record<string, unknown>);
    if (!parsed.ok) return sendError(reply, 400, "bad-query", parsed.message);
    const started = performance.now();
    const page = deps.callLog.page(parsed.value);
    // The query's own time, for the benchmark and anyone curious (browser dev tools).
    reply.header("server-timing", `db;dur=${(performance.now() - started).toFixed(2)}`);
    return {
      calls: page.rows.map(panelCall),
      next: page.next === null ? null : encodeCursor(page.next),
    };
  });
}
