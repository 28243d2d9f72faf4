/**
 * The caller-id capture when its interface goes away, with the faults injected for real: the
 * captured interface is one end of a veth pair in this test's namespace, the other end sits in
 * a call agent's namespace, which sends MGCP to the adapter's address. `listen` and the daemon
 * run here, capturing on it, while the test
 *   - starts them before the interface exists,
 *   - sets it down and up again,
 *   - deletes it and creates it again under the same name,
 * and checks after each that the next call is reported and that they said what they were doing
 * (listen on stderr, the daemon in its Capture status sensor on a real mosquitto). The capture
 * is a tcpdump process of their own, which ends when its interface goes down or away, so this is
 * also the proof that the program survives that and starts a new one. The steps of each suite
 * build on each other.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ProcessWatcher } from "../support/bridgeTopology.js";
import { CLI_COMMAND, PROJECT_ROOT } from "../support/cli.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";
import { type Link, NetworkSandbox } from "../support/netns.js";
import { childProcesses } from "../support/processes.js";
import { describeIfRoot } from "../support/root.js";

const CA_IP = "192.0.2.1";
const ATA_IP = "192.0.2.10";
const ATA_MAC = "00:90:f8:00:00:10";

/** Sends each text as one UDP datagram from port 2727 to the adapter's 2427. */
const SENDER = `
const socket = require("node:dgram").createSocket("udp4");
socket.bind(2727, async () => {
  for (const text of JSON.parse(process.argv[1])) {
    await new Promise((done) => socket.send(text, 2427, "${ATA_IP}", done));
    await new Promise((done) => setTimeout(done, 20));
  }
  socket.close();
});`;

/** A ring with the caller id, off hook, on hook: ringing, answered, ended. */
function call(line: string, transaction: number): string[] {
  const endpoint = `${line}@ata.example`;
  return [
    `RQNT ${transaction} ${endpoint} MGCP 1.0\nX: ${transaction}\nR: L/hd(N)\nS: L/rg,L/ci(03/14/19/00,"0441234567","Hans Muster")\n`,
    `NTFY ${transaction + 1} ${endpoint} MGCP 1.0\nX: ${transaction}\nO: L/hd\n`,
    `NTFY ${transaction + 2} ${endpoint} MGCP 1.0\nX: ${transaction}\nO: L/hu\n`,
  ];
}

/**
 * The captured interface (here) and the call agent's end (in its namespace), created and
 * deleted at will under the same names; the names carry the sandbox's tag, so cleanup()
 * removes them whatever state a failed test left.
 */
class FlakyLink {
  readonly captured: Link;
  readonly peer: Link;

  constructor(
    private readonly sandbox: NetworkSandbox,
    callAgent: string,
  ) {
    this.captured = { name: sandbox.newName(), namespace: null };
    this.peer = { name: sandbox.newName(), namespace: callAgent };
  }

  async create(): Promise<void> {
    const { sandbox, captured, peer } = this;
    await sandbox.ip(null, [
      "link",
      "add",
      captured.name,
      "type",
      "veth",
      "peer",
      "name",
      peer.name,
      "netns",
      peer.namespace as string,
    ]);
    await sandbox.setMac(captured, ATA_MAC);
    await sandbox.addAddress(peer, `${CA_IP}/24`);
    // The adapter need not answer ARP: its frames are seen by the capture all the same.
    await sandbox.addNeighbor(peer, ATA_IP, ATA_MAC);
    await sandbox.setUp(peer);
    await sandbox.setUp(captured);
  }

  async setDown(): Promise<void> {
    await this.sandbox.ip(null, ["link", "set", this.captured.name, "down"]);
  }

  async setUp(): Promise<void> {
    await this.sandbox.setUp(this.captured);
  }

  /** Deleting one end of a veth pair deletes both. */
  async delete(): Promise<void> {
    await this.sandbox.ip(null, ["link", "delete", this.captured.name]);
  }

  async ring(line: string, transaction: number): Promise<void> {
    const sent = await this.sandbox.exec(this.peer.namespace, process.execPath, [
      "-e",
      SENDER,
      JSON.stringify(call(line, transaction)),
    ]);
    expect(sent.code, sent.stderr).toBe(0);
  }
}

/** Polls `done` every 25 ms; on time-out, says what was awaited and what the program said. */
async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms\n${context()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the program under test said so far, for failure messages. */
let context: () => string = () => "";

function startProgram(sandbox: NetworkSandbox, args: string[]): ProcessWatcher {
  const [command, ...rest] = CLI_COMMAND;
  return new ProcessWatcher(
    sandbox.spawn(null, command as string, [...rest, ...args], { cwd: PROJECT_ROOT }),
  );
}

/** listen's call events so far, as [type, call_id, line]. */
function events(listen: ProcessWatcher): string[][] {
  return listen.lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .map((event) => [event.type, event.call_id, event.line]);
}

describeIfRoot("listen when its interface goes away", () => {
  let sandbox: NetworkSandbox;
  let link: FlakyLink;
  let listen: ProcessWatcher;
  /** Where in stderr the current step began: what is said before belongs to earlier steps. */
  let mark = 0;
  const said = (text: string) => listen.stderr.slice(mark).includes(text);
  const nextStep = () => {
    mark = listen.stderr.length;
  };

  beforeAll(async () => {
    sandbox = await NetworkSandbox.create("vcs");
    link = new FlakyLink(sandbox, await sandbox.addNamespace());
  });

  afterAll(async () => {
    await sandbox?.cleanup();
  });

  it("waits for an interface that does not exist yet, names those there are, and reports the call once it appears", async () => {
    const name = link.captured.name;
    listen = startProgram(sandbox, ["listen", "--interface", name, "--no-sip"]);
    context = () => listen.stderr;
    await waitUntil(() => said(`waiting: ${name} does not exist`), "waiting", 15_000);
    await waitUntil(() => said("interfaces here: "), "the interfaces named");
    expect(listen.stderr).toMatch(/interfaces here: .*\blo\b/);
    await link.create();
    await waitUntil(() => said(`listening on ${name} (filter: `), "listening");
    await link.ring("aaln/1", 100);
    await waitUntil(() => events(listen).length === 3, "the first call's events");
    expect(events(listen)).toEqual([
      ["ringing", "c1", "aaln/1@ata.example"],
      ["answered", "c1", "aaln/1@ata.example"],
      ["ended", "c1", "aaln/1@ata.example"],
    ]);
  });

  it("says when the interface goes down, and reports the next call once it is up again", async () => {
    const name = link.captured.name;
    nextStep();
    await link.setDown();
    await waitUntil(() => said(`waiting: ${name} is down`), "waiting for the interface");
    expect(listen.stderr.slice(mark)).toContain(
      `the capture on ${name} stopped (${name} went down or away); starting it again once ${name} is up`,
    );
    nextStep();
    await link.setUp();
    await waitUntil(() => said(`resumed: listening on ${name} again`), "resumed");
    await link.ring("aaln/2", 200);
    await waitUntil(() => events(listen).length === 6, "the second call's events");
    expect(events(listen).slice(3)).toEqual([
      ["ringing", "c2", "aaln/2@ata.example"],
      ["answered", "c2", "aaln/2@ata.example"],
      ["ended", "c2", "aaln/2@ata.example"],
    ]);
    expect(listen.child.exitCode).toBeNull();
  });

  it("reports the call after the interface was deleted and created again", async () => {
    const name = link.captured.name;
    nextStep();
    await link.delete();
    await waitUntil(() => said(`waiting: ${name} does not exist`), "waiting");
    nextStep();
    await link.create();
    await waitUntil(() => said(`resumed: listening on ${name} again`), "resumed after re-creation");
    await link.ring("aaln/3", 300);
    await waitUntil(() => events(listen).length === 9, "the third call's events");
    expect(
      events(listen)
        .slice(6)
        .map(([type, id]) => `${type} ${id}`),
    ).toEqual(["ringing c3", "answered c3", "ended c3"]);
  });

  it("stops on SIGTERM with the summary of every call it saw", async () => {
    expect(await listen.stop()).toBe(0);
    expect(listen.stderr).toMatch(
      /listen: 9 packets, 9 MGCP messages, 0 retransmissions, 9 call events; parse errors: none/,
    );
  });
});

describeIfRoot("the daemon's Capture status when its interface goes away", () => {
  let sandbox: NetworkSandbox;
  let link: FlakyLink;
  let broker: Mosquitto;
  let observer: mqtt.MqttClient;
  let daemon: ProcessWatcher;
  let folder: string;
  /** Every Capture status the daemon published, in order, without repeats. */
  const statuses: string[] = [];
  /** The call event entity's event types, in order. */
  const callEvents: string[] = [];
  const latest = () => statuses.at(-1) ?? "";

  beforeAll(async () => {
    sandbox = await NetworkSandbox.create("vcd");
    link = new FlakyLink(sandbox, await sandbox.addNamespace());
    broker = await startMosquitto();
    observer = await mqtt.connectAsync(broker.url);
    observer.on("message", (topic, payload) => {
      const text = payload.toString();
      if (topic === "voip_callerid/diagnostics") {
        const status = String(JSON.parse(text).capture_status);
        if (status !== latest()) statuses.push(status);
      } else if (topic.endsWith("/call") && text !== "") {
        callEvents.push(JSON.parse(text).event_type);
      }
    });
    await observer.subscribeAsync("voip_callerid/#");
    folder = mkdtempSync(join(tmpdir(), "vci-capture-daemon-"));
  });

  afterAll(async () => {
    await daemon?.stop();
    await observer?.endAsync();
    await broker?.kill();
    await sandbox?.cleanup();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("waits for a missing interface, and captures once it appears", async () => {
    const name = link.captured.name;
    const options = join(folder, "options.yaml");
    writeFileSync(
      options,
      `capture:\n  interface: ${name}\n  protocols: [mgcp]\ndirectory:\n  online_lookup: false\nmqtt:\n  url: ${broker.url}\ndata_dir: ${join(folder, "data")}\n`,
    );
    daemon = startProgram(sandbox, ["run", "--config", options]);
    context = () =>
      `${daemon.lines.join("\n")}\n${daemon.stderr}\nstatuses: ${statuses.join(" | ")}`;
    await waitUntil(
      () => latest() === `waiting for ${name}: ${name} does not exist`,
      "the waiting status",
      20_000,
    );
    await link.create();
    await waitUntil(() => latest() === `capturing on ${name}`, "the capturing status");
    await link.ring("aaln/1", 100);
    await waitUntil(() => callEvents.length === 3, "the call on MQTT");
    expect(callEvents).toEqual(["ringing", "answered", "ended"]);
    // The capture is tcpdump, not a second node process.
    expect(childProcesses(daemon.child.pid as number).map((c) => c.name)).toEqual(["tcpdump"]);
  });

  it("shows the interface down, then capturing again, and reports the next call", async () => {
    const name = link.captured.name;
    await link.setDown();
    await waitUntil(() => latest() === `waiting for ${name}: ${name} is down`, "waiting: down");
    await link.setUp();
    await waitUntil(() => latest() === `capturing on ${name}`, "capturing again");
    await link.ring("aaln/2", 200);
    await waitUntil(() => callEvents.length === 6, "the second call on MQTT");
  });

  it("shows the interface gone, then capturing again once it is created anew", async () => {
    const name = link.captured.name;
    await link.delete();
    await waitUntil(
      () => latest() === `waiting for ${name}: ${name} does not exist`,
      "waiting: missing",
    );
    await link.create();
    await waitUntil(() => latest() === `capturing on ${name}`, "capturing again");
    await link.ring("aaln/3", 300);
    await waitUntil(() => callEvents.length === 9, "the third call on MQTT");
    expect(daemon.child.exitCode).toBeNull();
    // Each loss is seen: by tcpdump's end, or by the interface check before a new one.
    expect(statuses.filter((status) => status.startsWith("waiting")).length).toBeGreaterThanOrEqual(
      3,
    );
    expect(await daemon.stop()).toBe(0);
    await waitUntil(() => latest() === "stopped", "the stopped status");
  });
});
