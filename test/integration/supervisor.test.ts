/**
 * The Supervisor's MQTT service answer, as `GET /services/mqtt` gives it (api/services.py and
 * api/utils.py in the Supervisor): played by a local HTTP server with the same JSON envelope.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { fetchMqttService, supervisorToken } from "../../src/io/supervisor.js";

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

async function supervisor(
  status: number,
  body: unknown,
): Promise<{ url: string; auth: () => string | undefined }> {
  let auth: string | undefined;
  server = createServer((req, res) => {
    auth = req.headers.authorization;
    if (req.url !== "/services/mqtt") res.writeHead(404).end();
    else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: () => auth };
}

it("reads the broker the Mosquitto add-on registered", async () => {
  const fake = await supervisor(200, {
    result: "ok",
    data: {
      addon: "core_mosquitto",
      host: "core-mosquitto",
      port: 1883,
      ssl: false,
      protocol: "3.1.1",
      username: "addons",
      password: "s3cret",
    },
  });
  expect(await fetchMqttService("token-1", fake.url)).toEqual({
    ok: true,
    service: { url: "mqtt://core-mosquitto:1883", username: "addons", password: "s3cret" },
  });
  expect(fake.auth()).toBe("Bearer token-1");
});

it("TLS brokers get mqtts", async () => {
  const fake = await supervisor(200, {
    result: "ok",
    data: { host: "broker", port: 8883, ssl: true, username: "u", password: "p" },
  });
  expect(await fetchMqttService("t", fake.url)).toMatchObject({
    ok: true,
    service: { url: "mqtts://broker:8883" },
  });
});

it.each([
  [400, { result: "error", message: "Service not enabled" }, "Service not enabled"],
  [403, { result: "error", message: "No access to mqtt service!" }, "No access to mqtt service!"],
  [502, "Bad Gateway", "the Supervisor answered 502"],
])("no broker: %s", async (status, body, message) => {
  const fake = await supervisor(status, body);
  expect(await fetchMqttService("t", fake.url)).toEqual({ ok: false, message });
});

it("an unreachable Supervisor is a message, not a crash", async () => {
  expect(await fetchMqttService("t", "http://127.0.0.1:1", 500)).toMatchObject({
    ok: false,
    message: expect.stringMatching(/^cannot reach the Supervisor/),
  });
});

it("finds the add-on's token", () => {
  expect(supervisorToken({ SUPERVISOR_TOKEN: "a" })).toBe("a");
  expect(supervisorToken({ HASSIO_TOKEN: "b" })).toBe("b");
  expect(supervisorToken({})).toBeNull();
});
