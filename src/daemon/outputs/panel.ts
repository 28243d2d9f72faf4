/**
 * The panel in Home Assistant's sidebar (issue 12): an HTTP server (src/panel/server) for the
 * Supervisor's ingress proxy, on the port the Supervisor chose (`ingress_port: 0`), or, run
 * outside the Supervisor, on panel.port for this machine's browser. It shows what the daemon
 * has — the household's lines, the call log, the diagnostics — and changes only the
 * household's own phonebook and marks.
 */
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
    let server: FastifyInstance | null = null;
    let starting: Promise<void> = Promise.resolve();
    let stopped = false;

    const serve = async () => {
      // Loaded here, not with the daemon: the HTTP server's modules take a moment to load,
      // which the first call must not wait for.
      const { createPanelServer } = await import("../../panel/server/server.js");
      if (stopped) return;
      const created = await createPanelServer({
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
      });
      try {
        await listen(created, port);
        server = created;
        log.info(`panel on port ${port}`);
      } catch (error) {
        // The calls go on without the panel: a port in use is the user's to fix.
        log.error(`the panel cannot listen on port ${port}: ${(error as Error).message}`);
        await created.close();
      }
    };

    return {
      name: "panel",
      // In the background: capture and calls start without waiting for the panel.
      start() {
        starting = serve().catch((error: Error) => log.error(`the panel failed: ${error.message}`));
      },
      ready: () => starting,
      stop: async () => {
        stopped = true;
        await starting;
        await server?.close();
        server = null;
      },
      publishDiagnostics(diagnostics) {
        published = { diagnostics, at: context.clock.now() };
        for (const listener of [...listeners]) listener();
      },
    };
  },
};

/** Every address (the ingress proxy comes from 172.30.32.2); IPv4 alone where IPv6 is off. */
async function listen(server: FastifyInstance, port: number): Promise<void> {
  try {
    await server.listen({ port, host: "::" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw error;
    await server.listen({ port, host: "0.0.0.0" });
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
