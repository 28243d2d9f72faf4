/**
 * The household's commands from the panel, as the MQTT entities give them: reset a line's
 * missed calls, turn its announcements on or off (`HouseholdPort.dispatch`). The answer is the
 * line as it is then; a line the household does not know is 404.
 */
import type { FastifyInstance, FastifyPluginOptions, FastifyReply } from "fastify";
import { findLine } from "../../../core/household/household.js";
import type { PanelDeps } from "../server.js";
import { sendError } from "../server.js";
import { panelLine } from "../statePayload.js";

const announcementsBody = {
  type: "object",
  required: ["on"],
  properties: { on: { type: "boolean" } },
} as const;

export async function linesRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  const answer = (reply: FastifyReply, key: string) => {
    const line = findLine(deps.household.current(), key);
    return line ? panelLine(line) : sendError(reply, 404, "not-found", "no such line");
  };

  app.post("/api/lines/:key/reset-missed-calls", async (request, reply) => {
    const { key } = request.params as { key: string };
    deps.household.dispatch({ kind: "reset-missed-calls", line: key });
    return answer(reply, key);
  });

  app.put(
    "/api/lines/:key/announcements",
    { schema: { body: announcementsBody } },
    async (request, reply) => {
      const { key } = request.params as { key: string };
      const { on } = request.body as { on: boolean };
      deps.household.dispatch({ kind: "set-announcements", line: key, on });
      return answer(reply, key);
    },
  );
}
