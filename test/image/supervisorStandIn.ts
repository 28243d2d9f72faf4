/**
 * A stand-in for the parts of the Home Assistant Supervisor's API an add-on uses, on port 80 of
 * a loopback address (the Supervisor's API is `http://supervisor`, port 80, as the add-on sees
 * it through the `supervisor` entry of its /etc/hosts):
 *
 * - `GET /services/mqtt` with `Authorization: Bearer <SUPERVISOR_TOKEN>` → `{result: "ok", data:
 *   {addon, host, port, ssl, protocol, username, password}}` (supervisor/api/services.py); a wrong
 *   or missing token → 401 `{result: "error", message: "Invalid token"}`, as its security
 *   middleware answers;
 * - `GET /addons/self/info` → `{result: "ok", data: {…, ingress: true, ingress_port}}`
 *   (supervisor/api/addons.py): the port the Supervisor chose for the add-on's panel;
 * - `GET /core/websocket` upgrades → Home Assistant's websocket API, passed through to a
 *   websocket stand-in (test/support/fakeHomeAssistant.ts) at its `/api/websocket`, as the
 *   Supervisor's proxy does. Its security middleware lets this path through without a bearer
 *   header: the add-on authenticates inside the protocol (`auth` with its SUPERVISOR_TOKEN), so
 *   the stand-in HA is given that token.
 *
 * Every request is recorded (method, path, whether it carried the right bearer token).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type Socket } from "node:net";

export interface MqttServiceAnswer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

export interface SupervisorRequest {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
}

export interface SupervisorStandIn {
  readonly address: string;
  readonly requests: readonly SupervisorRequest[];
  close(): Promise<void>;
}

export async function startSupervisorStandIn(options: {
  /** A loopback address (127.0.0.0/8) only: the add-on reaches it through the host network. */
  address: string;
  token: string;
  mqtt: MqttServiceAnswer;
  /** The websocket stand-in's port on 127.0.0.1 (path /api/websocket). */
  homeAssistantPort: number;
  /** The panel's port as `ingress_port: 0` makes the Supervisor choose one; default 8099. */
  ingressPort?: number;
}): Promise<SupervisorStandIn> {
  if (!options.address.startsWith("127.")) {
    throw new RangeError(
      `the Supervisor stand-in listens on loopback only, not ${options.address}`,
    );
  }
  const requests: SupervisorRequest[] = [];
  const sockets = new Set<Socket>();
  const record = (request: IncomingMessage) => {
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
    requests.push({
      method: request.method ?? "",
      path: new URL(request.url ?? "/", "http://supervisor").pathname,
      authorized,
    });
    return authorized;
  };
  const server: Server = createServer((request, response) => {
    const authorized = record(request);
    const path = new URL(request.url ?? "/", "http://supervisor").pathname;
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    };
    if (!authorized) return json(401, { result: "error", message: "Invalid token" });
    if (request.method === "GET" && path === "/services/mqtt") {
      return json(200, {
        result: "ok",
        data: {
          addon: "core_mosquitto",
          app: "core_mosquitto",
          host: options.mqtt.host,
          port: options.mqtt.port,
          ssl: false,
          protocol: "3.1.1",
          username: options.mqtt.username,
          password: options.mqtt.password,
        },
      });
    }
    if (request.method === "GET" && path === "/addons/self/info") {
      return json(200, {
        result: "ok",
        data: {
          name: "VoIP Caller ID",
          slug: "local_voip_callerid",
          ingress: true,
          ingress_port: options.ingressPort ?? 8099,
          ingress_entry: "/api/hassio_ingress/stand-in-token",
          ingress_panel: true,
        },
      });
    }
    return json(404, { result: "error", message: `${path} not found` });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (request, client: Socket, head) => {
    record(request);
    const path = new URL(request.url ?? "/", "http://supervisor").pathname;
    if (path !== "/core/websocket") {
      client.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    // The upgrade request as it came, to the websocket API's own path; then bytes both ways.
    const upstream = connect(options.homeAssistantPort, "127.0.0.1", () => {
      const headers = Object.entries(request.headers)
        .flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
        )
        .join("\r\n");
      upstream.write(`GET /api/websocket HTTP/1.1\r\n${headers}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(80, options.address, () => resolve());
  });
  return {
    address: options.address,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
