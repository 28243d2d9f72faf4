/**
 * The daemon as a household runs it, with its panel, for the browser tests, the screenshots and
 * the panel benchmark: `node dist/main.js run` (this run's build) capturing live on one end of a
 * veth pair whose other end sits in a call agent's network namespace, which sends MGCP to the
 * telephone adapter's address as a cable provider's call agent does; Home Assistant is the
 * websocket stand-in. The panel listens on a free port of this machine's loopback.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessWatcher } from "../../support/bridgeTopology.js";
import {
  FAKE_HA_TOKEN,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../../support/fakeHomeAssistant.js";
import { fakeState } from "../../support/fakeHomeAssistantCommands.js";
import { freePort } from "../../support/mosquitto.js";
import { type Link, NetworkSandbox } from "../../support/netns.js";
import { HANS_MUSTER_DIRECTORY_YAML } from "../../support/phonebookFixtures.js";

export const CALL_AGENT_IP = "192.0.2.1";
export const ADAPTER_IP = "192.0.2.10";
const ADAPTER_MAC = "00:90:f8:00:00:10";

/** Sends each text as one UDP datagram from port 2727 to the adapter's 2427, 20 ms apart. */
const SENDER = `
const socket = require("node:dgram").createSocket("udp4");
socket.bind(2727, async () => {
  for (const text of JSON.parse(process.argv[1])) {
    await new Promise((done) => socket.send(text, 2427, "${ADAPTER_IP}", done));
    await new Promise((done) => setTimeout(done, 20));
  }
  socket.close();
});`;

/** MGCP of one call on an endpoint: the ring with caller id, then whatever follows. */
export const mgcp = {
  ring: (endpoint: string, tx: number, number: string, name = "") =>
    `RQNT ${tx} ${endpoint} MGCP 1.0\nX: ${tx}\nR: L/hd(N)\nS: L/rg,L/ci(12/05/19/00,"${number}","${name}")\n`,
  offHook: (endpoint: string, tx: number, request: number) =>
    `NTFY ${tx} ${endpoint} MGCP 1.0\nX: ${request}\nO: L/hd\n`,
  onHook: (endpoint: string, tx: number, request: number) =>
    `NTFY ${tx} ${endpoint} MGCP 1.0\nX: ${request}\nO: L/hu\n`,
};

export interface PanelLabOptions {
  /** Node's arguments before the command: flags and main.js (the tests' build, or dist/). */
  readonly program: readonly string[];
  /** More environment for the daemon (the add-on's MALLOC_ARENA_MAX, for the benchmark). */
  readonly env?: Readonly<Record<string, string>>;
  /** More YAML options, appended. */
  readonly extraOptions?: string;
  /** Called with the data folder before the daemon starts (to seed the call log). */
  readonly seed?: (dataDir: string) => void | Promise<void>;
}

export class PanelLab {
  private constructor(
    readonly sandbox: NetworkSandbox,
    readonly callAgent: string,
    readonly captured: Link,
    readonly ha: FakeHomeAssistant,
    readonly daemon: ProcessWatcher,
    readonly folder: string,
    /** `http://127.0.0.1:<port>/`, the panel's base. */
    readonly url: string,
  ) {}

  static async start(options: PanelLabOptions): Promise<PanelLab> {
    const sandbox = await NetworkSandbox.create("vpu");
    const folder = mkdtempSync(join(tmpdir(), "vci-panel-"));
    try {
      const callAgent = await sandbox.addNamespace();
      const [captured, peer] = await sandbox.addVethPair({ peerNamespace: callAgent });
      await sandbox.setMac(captured, ADAPTER_MAC);
      await sandbox.addAddress(peer, `${CALL_AGENT_IP}/24`);
      // The adapter need not answer ARP: its frames are seen by the capture all the same.
      await sandbox.addNeighbor(peer, ADAPTER_IP, ADAPTER_MAC);
      await sandbox.setUp(peer);
      await sandbox.setUp(captured);
      const ha = await startFakeHomeAssistant({
        states: [
          fakeState("media_player.kitchen", "idle", { friendly_name: "Kitchen" }),
          fakeState("media_player.living_room", "idle", { friendly_name: "Living room" }),
          fakeState("tts.piper", "unknown", { friendly_name: "Piper" }),
        ],
      });
      const port = await freePort();
      const dataDir = join(folder, "data");
      mkdirSync(dataDir, { recursive: true });
      await options.seed?.(dataDir);
      const config = join(folder, "options.yaml");
      writeFileSync(
        config,
        `capture:
  interface: ${captured.name}
  protocols: [mgcp]
lines:
  - id: "aaln/1@*"
    name: Home
  - id: "aaln/2@*"
    name: Office
${HANS_MUSTER_DIRECTORY_YAML}announce:
  tts_entity: tts.piper
  media_players: [media_player.kitchen]
homeassistant:
  url: ${ha.url}
  token: ${FAKE_HA_TOKEN}
panel:
  port: ${port}
data_dir: ${dataDir}
${options.extraOptions ?? ""}`,
      );
      const daemon = new ProcessWatcher(
        sandbox.spawn(null, process.execPath, [...options.program, "run", "--config", config], {
          env: { ...process.env, ...options.env },
        }),
      );
      const lab = new PanelLab(
        sandbox,
        callAgent,
        captured,
        ha,
        daemon,
        folder,
        `http://127.0.0.1:${port}/`,
      );
      await lab.waitUntil(
        () => lab.said(`listening on ${captured.name}`),
        "the daemon capturing",
        30_000,
      );
      await lab.waitForPanel();
      return lab;
    } catch (error) {
      await sandbox.cleanup();
      rmSync(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** Whether the daemon said this, on stdout or stderr. */
  said(text: string): boolean {
    return this.daemon.stderr.includes(text) || this.daemon.lines.some((l) => l.includes(text));
  }

  /** What the daemon said, for failure messages. */
  output(): string {
    return `${this.daemon.lines.join("\n")}\n${this.daemon.stderr}`;
  }

  async waitUntil(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (this.daemon.child.exitCode !== null)
        throw new Error(`${what}: the daemon ended\n${this.output()}`);
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async waitForPanel(): Promise<void> {
    await this.waitUntil(
      async () => {
        try {
          return (await fetch(`${this.url}api/state`)).ok;
        } catch {
          return false;
        }
      },
      "the panel answering api/state",
      30_000,
    );
  }

  /** The call agent sends these MGCP messages to the adapter, in order. */
  async send(messages: string[]): Promise<void> {
    const sent = await this.sandbox.exec(this.callAgent, process.execPath, [
      "-e",
      SENDER,
      JSON.stringify(messages),
    ]);
    if (sent.code !== 0) throw new Error(`sending MGCP failed: ${sent.stderr}`);
  }

  async stop(): Promise<number | null> {
    const code = this.daemon.child.exitCode ?? (await this.daemon.stop());
    await this.ha.stop();
    await this.sandbox.cleanup();
    rmSync(this.folder, { recursive: true, force: true });
    return code;
  }
}
