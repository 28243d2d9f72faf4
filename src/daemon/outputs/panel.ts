/**
 * The panel in Home Assistant's sidebar (issue 12): an HTTP server (src/panel/server) for the
 * Supervisor's ingress proxy, on the port the Supervisor chose (`ingress_port: 0`), or, run
 * outside the Supervisor, on panel.port for this machine's browser. It shows what the daemon
 * has — the household's lines, the call log, the diagnostics — and changes only the
 * household's own phonebook and marks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { supervisorToken } from "../../io/supervisor.js";
import type { PublishedDiagnostics } from "../../panel/server/statePayload.js";
import type { OutputContext, OutputDefinition } from "./output.js";

export const panelOutput: OutputDefinition = {
  name: "panel",
  logName: "panel",
  enabled: ({ options }) => (options.panel.enabled ? true : "the panel is off (panel.enabled)"),
  async create(context) {
    const port = await portOf(context);
    if (typeof port !== "number") return port;
    const { log } = context;
    let published: PublishedDiagnostics | null = null;
    const listeners = new Set<() => void>();
    const server = createServer();
    let listening = false;
    let app: Promise<LoadedApp> | null = null;
    let starting: Promise<void> = Promise.resolve();
    let stopped = false;

    // The app (fastify, its routes and schemas: about 4 MB resident) is built at the panel's
    // first request, not at start: a household that never opens the panel does not pay for
    // it. Requests that come while it loads wait for it.
    const loadApp = async (): Promise<LoadedApp> => {
      const { createPanelServer } = await import("../../panel/server/server.js");
      let handle: LoadedApp["handle"] | null = null;
      const created = await createPanelServer(
        {
          version: context.version,
          options: context.options,
          household: context.household,
          callLog: context.callLog,
          directory: context.directory,
          marks: () => context.marks,
          judgeNuisance: context.judgeNuisance,
          homeAssistant: context.homeAssistant,
          diagnostics: {
            latest: () => published,
            subscribe(listener) {
              const entry = () => listener();
              listeners.add(entry);
              return () => listeners.delete(entry);
            },
          },
          // The daemon's clock (a replay's virtual one too): Home Assistant's deadlines run on it.
          now: () => context.clock.now(),
          log,
        },
        (handler) => {
          handle = handler;
          return server;
        },
      );
      await created.ready();
      if (handle === null) throw new Error("the panel's app took no server");
      return { app: created, handle };
    };

    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      app ??= loadApp().catch((error: Error) => {
        log.error(`the panel failed: ${error.message}`);
        app = null; // the next request tries again
        throw error;
      });
      app.then(
        (loaded) => loaded.handle(request, response),
        () => response.writeHead(503).end(),
      );
    });

    const serve = async () => {
      try {
        await listen(server, port);
        listening = true;
        log.info(`panel on port ${port}`);
      } catch (error) {
        // The calls go on without the panel: a port in use is the user's to fix.
        log.error(`the panel cannot listen on port ${port}: ${(error as Error).message}`);
      }
    };

    return {
      name: "panel",
      // In the background: capture and calls start without waiting for the panel.
      start() {
        if (!stopped) starting = serve();
      },
      ready: () => starting,
      stop: async () => {
        stopped = true;
        await starting;
        // The event streams stay open: their connections are closed, not waited for.
        server.closeAllConnections();
        if (listening) await new Promise((resolve) => server.close(resolve));
        await (await app?.catch(() => null))?.app.close();
      },
      publishDiagnostics(diagnostics) {
        published = { diagnostics, at: context.clock.now() };
        for (const listener of [...listeners]) listener();
      },
    };
  },
};

interface LoadedApp {
  readonly app: FastifyInstance;
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
}

/** Every address (the ingress proxy comes from 172.30.32.2); IPv4 alone where IPv6 is off. */
async function listen(server: Server, port: number): Promise<void> {
  const on = (host: string) =>
    new Promise<void>((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      server.once("error", failed);
      server.listen({ port, host }, () => {
        server.off("error", failed);
        resolve();
      });
    });
  try {
    await on("::");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw error;
    await on("0.0.0.0");
  }
}

/** The ingress port from the Supervisor, else panel.port; or why the panel is off. */
async function portOf(context: OutputContext): Promise<number | { off: string }> {
  const token = supervisorToken(context.env);
  if (token === null) return context.options.panel.port;
  const ingress = await context.adapters.fetchIngressPort(token);
  return ingress.ok
    ? ingress.port
    : { off: `the panel is off: the Supervisor names no ingress port (${ingress.message})` };
}
