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
    const queried = performance.now();
    const body = JSON.stringify({
      calls: page.rows.map(panelCall),
      next: page.next === null ? null : encodeCursor(page.next),
    });
    // The query's time and the whole answer's, for the benchmark and the browser's dev tools.
    const ms = (since: number) => (performance.now() - since).toFixed(2);
    reply.header(
      "server-timing",
      `db;dur=${(queried - started).toFixed(2)}, total;dur=${ms(started)}`,
    );
    return reply.type("application/json; charset=utf-8").send(body);
  });
}
