/**
 * `api/marks`: the household's own nuisance and allow marks (issue 13's lists), through the
 * HouseholdMarks interface. Until the daemon has the store, 503 says so.
 */
import type { FastifyInstance, FastifyPluginOptions, FastifyReply } from "fastify";
import type { HouseholdMarks } from "../../../core/nuisance/marks.js";
import { type PanelDeps, sendError } from "../server.js";

const markBody = {
  type: "object",
  required: ["number", "kind"],
  properties: {
    number: { type: "string", minLength: 1, maxLength: 64 },
    kind: { enum: ["nuisance", "allow"] },
    label: { type: ["string", "null"], maxLength: 120 },
  },
} as const;

export async function marksRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  const store = (reply: FastifyReply): HouseholdMarks | null => {
    const marks = deps.marks();
    if (marks === null) {
      sendError(reply, 503, "marks-unavailable", "the nuisance lists are not available");
    }
    return marks;
  };

  app.get("/api/marks", async (_request, reply) => {
    const marks = store(reply);
    return marks === null ? reply : { marks: marks.list() };
  });

  app.post("/api/marks", { schema: { body: markBody } }, async (request, reply) => {
    const marks = store(reply);
    if (marks === null) return reply;
    const body = request.body as { number: string; kind: "nuisance" | "allow"; label?: string };
    const result = marks.mark({ number: body.number, kind: body.kind, label: body.label ?? null });
    if (!result.ok) return sendError(reply, 400, "bad-mark", result.message);
    deps.log.info(`household marks: a number marked ${result.mark.kind}`);
    return reply.code(201).send(result.mark);
  });

  app.delete("/api/marks", async (request, reply) => {
    const marks = store(reply);
    if (marks === null) return reply;
    const { number } = request.query as { number?: string };
    if (!number) return sendError(reply, 400, "bad-query", "number is needed");
    if (!marks.unmark(number))
      return sendError(reply, 404, "not-found", "that number is not marked");
    deps.log.info("household marks: a mark removed");
    return reply.code(204).send();
  });
}
