/**
 * A stand-in for Home Assistant's ingress proxy (supervisor/api/ingress.py): requests under
 * `/api/hassio_ingress/<token>/` are forwarded to the add-on with the prefix taken off and the
 * header `X-Ingress-Path: /api/hassio_ingress/<token>` added; answers stream back unchanged
 * (server-sent events included). Anything outside the prefix is refused with 404 and recorded,
 * so a test sees a page that reached past its prefix.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface IngressProxy {
  /** `http://127.0.0.1:<port>/api/hassio_ingress/<token>/` */
  readonly url: string;
  readonly prefix: string;
  /** Paths asked outside the prefix. */
  readonly outside: string[];
  /** Paths forwarded, as the add-on saw them. */
  readonly forwarded: string[];
  close(): Promise<void>;
}

export async function startIngressProxy(target: string, token: string): Promise<IngressProxy> {
  const prefix = `/api/hassio_ingress/${token}`;
  const upstream = new URL(target);
  const outside: string[] = [];
  const forwarded: string[] = [];
  const server: Server = createServer((incoming, answer) => {
    const path = incoming.url ?? "/";
    if (!path.startsWith(`${prefix}/`)) {
      outside.push(path);
      answer.writeHead(404).end();
      return;
    }
    const rest = path.slice(prefix.length);
    forwarded.push(rest);
    const headers = { ...incoming.headers, "x-ingress-path": prefix, host: upstream.host };
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: rest,
        headers,
      },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    out.on("error", () => answer.writeHead(502).end());
    incoming.pipe(out);
    answer.on("close", () => out.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}/`,
    prefix,
    outside,
    forwarded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
