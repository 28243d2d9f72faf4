/**
 * The add-on image, started as the Supervisor starts it (test/image/addonContainer.ts) on the
 * image test/image/run.sh built from the project's Dockerfile on a stand-in of HA's Debian
 * base (VCI_IMAGE). Around it, real parts and the test's stand-ins: Debian's mosquitto with a
 * user and password (the broker add-on), the Supervisor's API on port 80 of a loopback address
 * that the container's /etc/hosts names `supervisor` (supervisorStandIn.ts), Home Assistant's
 * websocket API behind it (test/support/fakeHomeAssistant.ts), and a telephone adapter's MGCP
 * traffic on a veth pair whose far end lives in a namespace of the test's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type FakeHomeAssistant, startFakeHomeAssistant } from "../support/fakeHomeAssistant.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";
import { type Link, NetworkSandbox } from "../support/netns.js";
import { childProcesses } from "../support/processes.js";
import {
  effectiveCapabilities,
  type RunningAddon,
  residentMegabytes,
  startAddon,
} from "./addonContainer.js";
import { type SupervisorStandIn, startSupervisorStandIn } from "./supervisorStandIn.js";

const IMAGE = process.env.VCI_IMAGE ?? "";
const PROJECT_ROOT = new URL("../../", import.meta.url).pathname;
const SUPERVISOR_TOKEN = `supervisor-token-${Math.random().toString(36).slice(2, 14)}`;
const MQTT_USER = "addons";
const MQTT_PASSWORD = `mqtt-password-${Math.random().toString(36).slice(2, 14)}`;
/** Loopback only; port 80 there is the Supervisor's, as `http://supervisor` is. */
const SUPERVISOR_ADDRESS = "127.0.80.1";
const CALL_AGENT_IP = "192.0.2.1";
const ADAPTER_IP = "192.0.2.10";
const ADAPTER_MAC = "00:90:f8:00:00:10";

const manifest = parse(readFileSync(join(PROJECT_ROOT, "config.yaml"), "utf8")) as {
  privileged: string[];
  host_network: boolean;
  init: boolean;
};

/** Sends each text as one UDP datagram from the call agent's port 2727 to the adapter's 2427. */
const SENDER = `
const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
socket.bind(2727, async () => {
  for (const text of JSON.parse(process.argv[1])) {
    await new Promise((done) => socket.send(text, 2427, "${ADAPTER_IP}", done));
  }
  socket.close();
});`;
/** Ringing with the caller's number and no name (Asterisk's form): the name is the phonebook's. */
const RING =
  "RQNT 501 aaln/1@ata.example MGCP 1.0\nX: 1\nR: L/hd(N)\nS: L/rg,L/ci(12/05/18/00,0441234567,)\n";

let broker: Mosquitto;
let ha: FakeHomeAssistant;
let supervisor: SupervisorStandIn;
let sandbox: NetworkSandbox;
let callAgent: string;
let captured: Link;
let workDir: string;

beforeAll(async () => {
  if (IMAGE === "")
    throw new Error("VCI_IMAGE is not set: run the image test as npm run test:image");
  workDir = mkdtempSync("/tmp/vci-image-test-");
  broker = await startMosquitto({ users: { [MQTT_USER]: MQTT_PASSWORD } });
  ha = await startFakeHomeAssistant({ token: SUPERVISOR_TOKEN });
  supervisor = await startSupervisorStandIn({
    address: SUPERVISOR_ADDRESS,
    token: SUPERVISOR_TOKEN,
    mqtt: { host: broker.host, port: broker.port, username: MQTT_USER, password: MQTT_PASSWORD },
    homeAssistantPort: ha.port,
  });
  // The adapter's leg, captured in the host's namespace (the add-on's host network); the call
  // agent on the far end, in a namespace of the test's, reaches the adapter's address through it.
  sandbox = await NetworkSandbox.create("vim");
  callAgent = await sandbox.addNamespace();
  const [hostEnd, agentEnd] = await sandbox.addVethPair({ peerNamespace: callAgent });
  captured = hostEnd;
  await sandbox.addAddress(agentEnd, `${CALL_AGENT_IP}/24`);
  await sandbox.addNeighbor(agentEnd, ADAPTER_IP, ADAPTER_MAC);
  await sandbox.setUp(agentEnd);
  await sandbox.setUp(hostEnd);
});

afterAll(async () => {
  await sandbox?.cleanup();
  await supervisor?.close();
  await ha?.stop();
  await broker?.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A fresh /data with this options.json, as the Supervisor writes it. */
function dataWith(options: Record<string, unknown>): string {
  const dataDir = mkdtempSync(join(workDir, "data-"));
  writeFileSync(join(dataDir, "options.json"), JSON.stringify(options));
  return dataDir;
}

/**
 * Docker gives every container its default capabilities (moby's oci/caps/defaults.go: 14 of
 * them, SETUID and SETGID among them), and the Supervisor only adds config.yaml's `privileged`
 * list on top (supervisor/docker/addon.py: cap_add, no cap_drop). Of the defaults the add-on
 * uses these three and no other: tcpdump, the caller-id capture, gives up root for its own
 * user once it captures (SETUID, SETGID), and the daemon signals it to stop (KILL). The
 * container gets exactly these and `privileged`, so the test proves that the add-on needs
 * nothing more.
 */
const DOCKER_DEFAULTS_USED = ["KILL", "SETGID", "SETUID"];
const GRANTED = [...manifest.privileged, ...DOCKER_DEFAULTS_USED].sort();

function start(dataDir: string): Promise<RunningAddon> {
  return startAddon({
    image: IMAGE,
    dataDir,
    env: { SUPERVISOR_TOKEN, HASSIO_TOKEN: SUPERVISOR_TOKEN, TZ: "Europe/Zurich" },
    capabilities: GRANTED,
    hosts: `127.0.0.1\tlocalhost\n::1\tlocalhost\n${SUPERVISOR_ADDRESS}\tsupervisor hassio\n`,
    workDir,
  });
}

async function until<T>(
  what: string,
  check: () => T | null | undefined | false,
  addon: RunningAddon,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${ms} ms; the add-on's log:\n${addon.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectNoSecrets(log: string) {
  expect(log).not.toContain(SUPERVISOR_TOKEN);
  expect(log).not.toContain(MQTT_PASSWORD);
}

describe("the add-on image, started as the Supervisor starts it", () => {
  it("config.yaml asks for what the test gives: host network, s6-overlay's /init, capabilities", () => {
    expect(manifest.host_network).toBe(true);
    expect(manifest.init).toBe(false);
    expect(manifest.privileged).toEqual(["NET_ADMIN", "NET_RAW"]);
  });

  it("announces a call from the wire: MQTT discovery, the ringing event with the phonebook's name, one tts.speak; stops within 5 s of SIGTERM", async () => {
    const dataDir = dataWith({
      capture: { interface: captured.name, protocols: ["mgcp"] },
      lines: [{ id: "aaln/1@*", name: "Home" }],
      directory: {
        online_lookup: false,
        phonebook: [{ number: "044 123 45 67", name: "Hans Muster" }],
      },
      announce: { tts_entity: "tts.piper", media_players: ["media_player.kitchen"], repeat: 1 },
      log_level: "info",
    });
    const watcher = await mqtt.connectAsync(broker.url, {
      username: MQTT_USER,
      password: MQTT_PASSWORD,
    });
    const discovery: string[] = [];
    watcher.on("message", (topic) => discovery.push(topic));
    await watcher.subscribeAsync("homeassistant/#");
    const addon = await start(dataDir);
    try {
      await until("capture", () => addon.log().includes(`listening on ${captured.name}`), addon);
      await ha.waitFor(
        () => ha.openConnections > 0,
        20_000,
        "websocket connection through the Supervisor",
      );
      await until(
        "MQTT discovery",
        () => discovery.some((topic) => topic.endsWith("/config")),
        addon,
      );

      const node = addon.nodePid();
      expect(node).not.toBeNull();
      expect(effectiveCapabilities(node as number).sort()).toEqual(GRANTED);
      // The capture runs as tcpdump, which dropped root (and every capability) for its user.
      const tcpdump = childProcesses(node as number).find((child) => child.name === "tcpdump");
      expect(tcpdump).toBeDefined();
      expect(tcpdump?.uid).not.toBe(0);
      expect(effectiveCapabilities(tcpdump?.pid as number)).toEqual([]);

      const sent = await sandbox.exec(callAgent, process.execPath, [
        "-e",
        SENDER,
        JSON.stringify([RING]),
      ]);
      expect(sent.code, sent.stderr).toBe(0);
      const ringing = await ha.waitFor(
        () =>
          ha.firedEvents.find(
            (event) => event.eventType === "voip_callerid_call" && event.data.type === "ringing",
          ),
        10_000,
        "ringing event",
      );
      expect(ringing.data).toMatchObject({
        line_name: "Home",
        name: "Hans Muster",
        name_source: "phonebook",
        number: "+41441234567",
      });
      const speak = () =>
        ha.serviceCalls.filter((call) => `${call.domain}.${call.service}` === "tts.speak");
      await ha.waitFor(() => speak().length > 0, 10_000, "tts.speak");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(speak()).toHaveLength(1);
      // A report, not a limit (bench:soak measures memory under load): the image's own node.
      const captureRss = tcpdump === undefined ? 0 : residentMegabytes(tcpdump.pid);
      console.info(
        `image test: resident after a call: node ${residentMegabytes(node as number).toFixed(1)} MB, ` +
          `tcpdump ${captureRss.toFixed(1)} MB`,
      );

      // The Supervisor's API was asked with the add-on's token (the websocket authenticates
      // inside the protocol: the stand-in HA accepts only that token).
      const paths = supervisor.requests.map((request) => request.path);
      expect(paths).toEqual(expect.arrayContaining(["/services/mqtt", "/core/websocket"]));
      for (const request of supervisor.requests.filter((r) => r.path !== "/core/websocket")) {
        expect(request, request.path).toMatchObject({ authorized: true });
      }

      const stoppedAt = performance.now();
      addon.signal("SIGTERM");
      const { code } = await addon.exited;
      const stopMs = Math.round(performance.now() - stoppedAt);
      console.info(`image test: the add-on stopped ${stopMs} ms after SIGTERM`);
      expect(stopMs).toBeLessThan(5_000);
      expect(code, addon.log()).toBe(0);
      expect(addon.log()).toMatch(/stopping: /);
      expect(addon.log()).not.toMatch(/outlived S6_KILL_GRACETIME/);
      expectNoSecrets(addon.log());
    } finally {
      await watcher.endAsync();
      await addon.remove();
    }
  });

  it("names every bad option in its log and exits non-zero, without a secret in the log", async () => {
    const dataDir = dataWith({
      capture: { interface: "" },
      announce: { repeat: 0, language: "xx" },
      call_log_days: "forever",
      mqtt: { url: "mqtt://127.0.0.1:1883", username: MQTT_USER, password: MQTT_PASSWORD },
      homeassistant: { token: SUPERVISOR_TOKEN },
    });
    const addon = await start(dataDir);
    try {
      const { code } = await addon.exited;
      const log = addon.log();
      expect(code, log).not.toBe(0);
      for (const option of [
        "capture.interface",
        "announce.repeat",
        "announce.language",
        "call_log_days",
      ]) {
        expect(log).toContain(option);
      }
      expectNoSecrets(log);
    } finally {
      await addon.remove();
    }
  });
});
