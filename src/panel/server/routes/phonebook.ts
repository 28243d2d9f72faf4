/**
 * `api/phonebook`: the listing with sources, the household's own entries added, changed and
 * deleted, imports (preview, then commit) and exports (vCard, CSV). Only the household's own
 * entries change; the options and the files are the user's to edit where they are.
 */
import type { FastifyInstance, FastifyPluginOptions, FastifyReply } from "fastify";
import type { CountryCode } from "../../../core/caller/numbers.js";
import {
  detectPhonebookFormat,
  type ParsedPhonebook,
  phonebookReader,
} from "../../../core/caller/phonebook.js";
import type { ChangeResult } from "../../../io/householdPhonebook.js";
import { Slicer } from "../../../io/watchedFiles.js";
import {
  DEFAULT_LIST_LIMIT,
  displayNumber,
  exportEntries,
  importName,
  importPreview,
  listPhonebook,
  toCsv,
  toVcard,
} from "../phonebookPayload.js";
import { type PanelDeps, sendError } from "../server.js";

/** A phonebook file may be this large (as phonebookFiles.ts reads), and its JSON a bit more. */
const IMPORT_BODY_LIMIT = 17 * 1024 * 1024;

const entryBody = {
  type: "object",
  required: ["number", "name"],
  properties: { number: { type: "string" }, name: { type: "string" } },
} as const;

const importBody = {
  type: "object",
  required: ["text"],
  properties: { filename: { type: "string" }, text: { type: "string" } },
} as const;

export async function phonebookRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  const country = deps.options.directory.country as CountryCode;
  const book = deps.directory.household;
  const exported = () => exportEntries(book.entries(), deps.directory.phonebook().entries());

  const answer = (reply: FastifyReply, result: ChangeResult, status: number) => {
    if (!result.ok) {
      const code = result.error === "not-found" ? 404 : result.error === "full" ? 409 : 400;
      return sendError(reply, code, result.error, result.message);
    }
    const { id, number, name } = result.entry;
    deps.log.info(`household phonebook: entry ${result.created ? "added" : "changed"}`);
    return reply.code(status).send({
      id,
      number,
      number_display: displayNumber(number, country),
      name,
      source: "household",
      file: null,
      editable: true,
    });
  };

  // A file that could not be read at start is not overwritten (householdPhonebook.ts): say so.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode;
    if (status === undefined) {
      deps.log.warn(`household phonebook: ${error.message}`);
      return sendError(reply, 503, "phonebook-unavailable", error.message);
    }
    return sendError(reply, status, status === 413 ? "too-large" : "bad-request", error.message);
  });

  app.get("/api/phonebook", async (request) => {
    const { q, limit } = request.query as { q?: string; limit?: string };
    const max = Number(limit);
    return listPhonebook(book.entries(), deps.directory.phonebook().entries(), country, {
      q: typeof q === "string" ? q.slice(0, 100) : "",
      limit: Number.isInteger(max) && max > 0 ? Math.min(max, 5000) : DEFAULT_LIST_LIMIT,
    });
  });

  app.post("/api/phonebook", { schema: { body: entryBody } }, async (request, reply) => {
    const { number, name } = request.body as { number: string; name: string };
    const result = await book.add(number, name);
    return answer(reply, result, result.ok && !result.created ? 200 : 201);
  });

  app.put("/api/phonebook/:id", { schema: { body: entryBody } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { number, name } = request.body as { number: string; name: string };
    if (!book.entries().some((e) => e.id === id)) return readOnly(reply, id);
    return answer(reply, await book.update(id, number, name), 200);
  });

  app.delete("/api/phonebook/:id", async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await book.remove(id))) return readOnly(reply, id);
    deps.log.info("household phonebook: entry deleted");
    return reply.code(204).send();
  });

  app.post(
    "/api/phonebook/import",
    { bodyLimit: IMPORT_BODY_LIMIT, schema: { body: importBody } },
    async (request) => {
      const { filename, text } = request.body as { filename?: string; text: string };
      const name = importName(filename ?? "import");
      const parsed = await parseInSlices(text, name, country);
      const preview = importPreview(parsed, name, country);
      const query = request.query as { preview?: string };
      if (query.preview === "1" || query.preview === "true") return preview;
      const added = await book.addMany(parsed.entries);
      deps.log.info(`household phonebook: ${added} entries imported`);
      return { added, problems: preview.problems };
    },
  );

  app.get("/api/phonebook/export.vcf", async (_request, reply) =>
    reply
      .type("text/vcard; charset=utf-8")
      .header("content-disposition", 'attachment; filename="phonebook.vcf"')
      .send(toVcard(exported())),
  );

  app.get("/api/phonebook/export.csv", async (_request, reply) =>
    reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="phonebook.csv"')
      .send(toCsv(exported())),
  );
}

/** Bytes of text parsed between two looks at the clock. */
const PIECE_CHARS = 4096;
/** How long a parse may hold the event loop before a ringing call gets its turn. */
const SLICE_MS = 5;

/**
 * The phonebook readers of src/core/caller over the text a piece at a time, yielding to the
 * event loop every few milliseconds (as the phonebook files are read): a call that rings
 * while a large file is imported is reported at once.
 */
async function parseInSlices(
  text: string,
  name: string,
  country: CountryCode,
): Promise<ParsedPhonebook> {
  const reader = phonebookReader(name, detectPhonebookFormat(name, text.slice(0, 65_536)), country);
  const slicer = new Slicer(SLICE_MS);
  for (let at = 0; at < text.length; at += PIECE_CHARS) {
    reader.push(text.slice(at, at + PIECE_CHARS));
    await slicer.pause();
  }
  return reader.end();
}

/** An id that is not the household's own: a read-only entry, or none at all. */
function readOnly(reply: FastifyReply, id: string) {
  return id.startsWith("options:") || id.startsWith("file:")
    ? sendError(reply, 403, "read-only", "entries from the options or files are changed there")
    : sendError(reply, 404, "not-found", "no such entry");
}
