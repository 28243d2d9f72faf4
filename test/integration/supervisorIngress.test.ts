/**
 * The panel's port under the Supervisor: `GET /addons/self/info` → `data.ingress_port`
 * (supervisor/api/addons.py, ATTR_INGRESS_PORT), with the Supervisor's JSON envelope, played
 * by a local HTTP server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { fetchIngressPort } from "../../src/io/supervisor.js";

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

async function supervisor(status: number, body: unknown) {
  const seen: { path?: string; auth?: string } = {};
  server = createServer((req, res) => {
    seen.path = req.url;
    seen.auth = req.headers.authorization;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

it("reads the port the Supervisor chose for the ingress proxy", async () => {
  const fake = await supervisor(200, {
    result: "ok",
    data: { name: "VoIP Caller ID", slug: "voip_callerid", ingress: true, ingress_port: 62431 },
  });
  expect(await fetchIngressPort("token-1", fake.url)).toEqual({ ok: true, port: 62431 });
  expect(fake.seen).toEqual({ path: "/addons/self/info", auth: "Bearer token-1" });
});

it("says why there is no port: refused, none named, or the Supervisor away", async () => {
  const refused = await supervisor(401, { result: "error", message: "Invalid token" });
  expect(await fetchIngressPort("bad", refused.url)).toEqual({
    ok: false,
    message: "Invalid token",
  });
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  const none = await supervisor(200, {
    result: "ok",
    data: { ingress: false, ingress_port: null },
  });
  expect(await fetchIngressPort("t", none.url)).toEqual({
    ok: false,
    message: "the Supervisor names no ingress port for the add-on",
  });
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
  const away = await fetchIngressPort("t", "http://127.0.0.1:9", 1000);
  expect(away).toMatchObject({
    ok: false,
    message: expect.stringMatching(/^cannot reach the Supervisor/),
  });
});
