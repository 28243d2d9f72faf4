/**
 * The UI's files from dist/panel: `index.html` (with `<base href>` from the ingress prefix),
 * the bundle's `assets/*` and the few files beside it (a favicon). Only plain file names of
 * known types are served — no folders, no dot files, nothing else of dist/panel (the compiled
 * server lives there too) — so no path can lead out of it.
 *
 * Hand-written instead of @fastify/static: the bundle is a handful of small files, and that
 * plugin with its dependencies added 6 MB to the resident memory the issue caps at 80 MB.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ingressPrefix } from "./guard.js";

const TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  webp: "image/webp",
  woff2: "font/woff2",
  json: "application/json; charset=utf-8",
  webmanifest: "application/manifest+json",
};

const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.([a-z0-9]+)$/;

/** The content type of a file name that may be served, or null. */
export function servedType(name: string): string | null {
  const extension = PLAIN_NAME.exec(name)?.[1];
  return (extension && TYPES[extension]) ?? null;
}

const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'self'",
].join("; ");

export function staticRoutes(app: FastifyInstance, root: string): void {
  const file = async (reply: FastifyReply, folder: string, name: string, immutable: boolean) => {
    const type = servedType(name);
    const bytes = type ? await readFile(join(folder, name)).catch(() => null) : null;
    if (type === null || bytes === null) return reply.callNotFound();
    // The bundle's names carry a hash of their content: kept for good; the rest asked again.
    const cache = immutable ? "public, max-age=31536000, immutable" : "no-cache";
    return reply.type(type).header("cache-control", cache).send(bytes);
  };
  app.get("/assets/:name", (request, reply) =>
    file(reply, join(root, "assets"), (request.params as { name: string }).name, true),
  );
  app.get("/:name", (request, reply) => {
    const { name } = request.params as { name: string };
    return name === "index.html" ? indexPage(request, reply, root) : file(reply, root, name, false);
  });
  app.get("/", (request, reply) => indexPage(request, reply, root));
}

/** The UI's page with `<base href>` set to the ingress prefix, so every view's URLs resolve. */
export async function indexPage(request: FastifyRequest, reply: FastifyReply, root: string) {
  const base = `${ingressPrefix(request.headers["x-ingress-path"])}/`;
  const html = await readFile(join(root, "index.html"), "utf8").catch(() => NOT_BUILT);
  return reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", PAGE_POLICY)
    .send(withBase(html, base));
}

/** Puts `<base href>` first in the head (the prefix is checked to be plain path characters). */
export function withBase(html: string, base: string): string {
  const tag = `<base href="${base.replace(/[^A-Za-z0-9._~/-]/g, "")}">`;
  const head = /<head[^>]*>/i.exec(html);
  if (head === null) return `${tag}${html}`;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}${tag}${html.slice(at)}`;
}

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>VoIP Caller ID</title></head>
<body><p>The panel's page is not built into dist/panel; the API under api/ works.</p></body></html>`;
