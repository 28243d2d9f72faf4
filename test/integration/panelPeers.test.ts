/**
 * Who the panel answers, over a real network: the daemon (the compiled program, `run`) in one
 * namespace, its neighbours in another on a veth pair. The Supervisor's ingress proxy comes
 * from 172.30.32.2 and is answered; another machine of the same network is refused with 403
 * and learns nothing (no body); the daemon's own machine (loopback) is answered.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_COMMAND, PROJECT_ROOT } from "../support/cli.js";
import { type Link, NetworkSandbox } from "../support/netns.js";
import { describeIfRoot } from "../support/root.js";

const DAEMON_IP = "172.30.32.1";
const PROXY_IP = "172.30.32.2";
const STRANGER_IP = "172.30.32.77";
const PORT = 8099;

describeIfRoot("the panel answers HA's ingress proxy and loopback only", () => {
  let sandbox: NetworkSandbox;
  let daemonSide: string;
  let neighbours: string;
  let daemonLink: Link;
  let daemon: ChildProcess | null = null;
  let output = "";
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vci-panel-peers-"));
    sandbox = await NetworkSandbox.create("vpp");
    daemonSide = await sandbox.addNamespace();
    neighbours = await sandbox.addNamespace();
    const [here, there] = await sandbox.addVethPair({
      namespace: daemonSide,
      peerNamespace: neighbours,
    });
    daemonLink = here;
    await sandbox.addAddress(here, `${DAEMON_IP}/24`);
    await sandbox.addAddress(there, `${PROXY_IP}/24`);
    await sandbox.addAddress(there, `${STRANGER_IP}/24`);
    await sandbox.setUp(here);
    await sandbox.setUp(there);
    const config = join(dir, "options.json");
    writeFileSync(
      config,
      JSON.stringify({
        capture: { interface: daemonLink.name },
        directory: { online_lookup: false },
        data_dir: join(dir, "data"),
        panel: { port: PORT },
      }),
    );
    daemon = sandbox.spawn(
      daemonSide,
      CLI_COMMAND[0] as string,
      [...CLI_COMMAND.slice(1), "run", "--config", config],
      { cwd: PROJECT_ROOT },
    );
    daemon.stdout?.on("data", (chunk) => (output += chunk));
    daemon.stderr?.on("data", (chunk) => (output += chunk));
    const until = Date.now() + 30_000;
    while (!output.includes(`panel on port ${PORT}`)) {
      if (Date.now() > until) throw new Error(`the daemon's panel did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    daemon?.kill("SIGTERM");
    await sandbox?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** curl in a namespace from a given source address: the status, then the body. */
  async function get(namespace: string, from: string | null, url: string) {
    const result = await sandbox.exec(namespace, "curl", [
      "-s",
      "--max-time",
      "5",
      ...(from ? ["--interface", from] : []),
      "-w",
      "\n%{http_code}",
      url,
    ]);
    const lines = result.stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  it("answers the ingress proxy's address", async () => {
    const answer = await get(neighbours, PROXY_IP, `http://${DAEMON_IP}:${PORT}/api/state`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ lines: [], bridge: null });
  });

  it("refuses another address of the same network with 403 and no data, for the API and the page", async () => {
    for (const path of ["api/state", "api/calls", "api/phonebook/export.csv", "", "assets/x.js"]) {
      const answer = await get(neighbours, STRANGER_IP, `http://${DAEMON_IP}:${PORT}/${path}`);
      expect(answer.status, path).toBe(403);
      expect(answer.body, path).toBe("");
    }
  });

  it("answers its own machine over loopback, IPv4 and IPv6", async () => {
    for (const url of [`http://127.0.0.1:${PORT}/api/state`, `http://[::1]:${PORT}/api/state`]) {
      const answer = await get(daemonSide, null, url);
      expect(answer.status, url).toBe(200);
    }
  });
});
