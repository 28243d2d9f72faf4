/**
 * `voip-callerid listen` end to end, over real UDP between network namespaces: a call agent in
 * one namespace sends MGCP to a telephone adapter's address in another, and the program runs
 * in the adapter's namespace, capturing on its veth leg. It must print the call's events as
 * JSON lines, as `replay` does for a capture file, and stop cleanly on SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_COMMAND, PROJECT_ROOT, runCli } from "../support/cli.js";
import { type Link, NetworkSandbox } from "../support/netns.js";
import { describeIfRoot } from "../support/root.js";

const CA_IP = "192.0.2.1";
const ATA_IP = "192.0.2.10";
const ATA_MAC = "00:90:f8:00:00:10";

/** Sends each text as one UDP datagram from port 2727 to the adapter's 2427, with a pause. */
const SENDER = `
const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
const messages = JSON.parse(process.argv[1]);
socket.bind(2727, async () => {
  for (const text of messages) {
    await new Promise((done) => socket.send(text, 2427, "${ATA_IP}", done));
    await new Promise((done) => setTimeout(done, 50));
  }
  socket.close();
});`;

const CALL = [
  'RQNT 501 aaln/1@ata.example MGCP 1.0\nX: 1\nR: L/hd(N)\nS: L/rg,L/ci(03/14/19/00,"0441234567","Hans Muster")\n',
  "NTFY 601 aaln/1@ata.example MGCP 1.0\nX: 1\nO: L/hd\n",
  "NTFY 602 aaln/1@ata.example MGCP 1.0\nX: 1\nO: L/hu\n",
];

describeIfRoot("listen on a live interface", () => {
  let sandbox: NetworkSandbox;
  let callAgent: string;
  let adapterSide: string;
  let adapterLink: Link;

  beforeAll(async () => {
    sandbox = await NetworkSandbox.create("vcl");
    callAgent = await sandbox.addNamespace();
    adapterSide = await sandbox.addNamespace();
    const [caLink, ataLink] = await sandbox.addVethPair({
      namespace: callAgent,
      peerNamespace: adapterSide,
    });
    adapterLink = ataLink;
    await sandbox.setMac(ataLink, ATA_MAC);
    await sandbox.addAddress(caLink, `${CA_IP}/24`);
    await sandbox.addAddress(ataLink, `${ATA_IP}/24`);
    await sandbox.setUp(caLink);
    await sandbox.setUp(ataLink);
  });

  afterAll(async () => {
    await sandbox?.cleanup();
  });

  /**
   * Runs listen while `send` sends, until the call's three events are out; when none are
   * expected, the program is given 3 s to print wrong ones.
   */
  async function listenWhile(args: string[], send: () => Promise<void>, expectEvents = true) {
    const child: ChildProcess = sandbox.spawn(
      adapterSide,
      CLI_COMMAND[0] as string,
      [...CLI_COMMAND.slice(1), "listen", ...args],
      {
        cwd: PROJECT_ROOT,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    await waitFor(
      () => stderr.includes("listening on"),
      () => `listen did not start: ${stderr}`,
    );
    await send();
    // The frames come from the capture's tcpdump process: on a busy machine that may take a while.
    await waitFor(
      () => stdout.split("\n").length > 3,
      () => `events missing: ${stdout} ${stderr}`,
      expectEvents ? 15_000 : 3000,
    ).catch(() => {});
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    const code = await exited;
    return { code, stdout, stderr };
  }

  const sendCall = async () => {
    const result = await sandbox.exec(callAgent, process.execPath, [
      "-e",
      SENDER,
      JSON.stringify(CALL),
    ]);
    expect(result.code).toBe(0);
  };

  it("prints the call's events from MGCP seen on the wire, and stops cleanly on SIGTERM", async () => {
    const { code, stdout, stderr } = await listenWhile(["--interface", adapterLink.name], sendCall);
    const events = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => [e.type, e.call_id, e.line, e.number, e.name])).toEqual([
      ["ringing", "c1", "aaln/1@ata.example", "0441234567", "Hans Muster"],
      ["answered", "c1", "aaln/1@ata.example", "0441234567", "Hans Muster"],
      ["ended", "c1", "aaln/1@ata.example", "0441234567", "Hans Muster"],
    ]);
    expect(Math.abs(Date.parse(events[0].at) - Date.now())).toBeLessThan(60_000);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /listen: 3 packets, 3 MGCP messages, 0 retransmissions, 3 call events; parse errors: none/,
    );
  });

  it("with the adapter's MAC, and on the 'any' device without it", async () => {
    const withMac = await listenWhile(
      ["--interface", adapterLink.name, "--adapter-mac", ATA_MAC],
      sendCall,
    );
    expect(withMac.stdout.trim().split("\n")).toHaveLength(3);
    const onAny = await listenWhile(["--interface", "any"], sendCall);
    expect(
      onAny.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toEqual(["ringing", "answered", "ended"]);
  });

  it("refuses --adapter-mac on the 'any' device, which has no destination addresses", () => {
    const result = runCli(["listen", "--interface", "any", "--adapter-mac", ATA_MAC]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /--adapter-mac needs an Ethernet interface; any has no destination MAC addresses/,
    );
  });

  it("another adapter's MAC sees nothing", async () => {
    const other = await listenWhile(
      ["--interface", adapterLink.name, "--adapter-mac", "00:90:f8:99:99:99"],
      sendCall,
      false,
    );
    expect(other.stdout).toBe("");
    expect(other.code).toBe(0);
  });

  it("says that capturing needs root or capabilities when run as an ordinary user", () => {
    const result = runCli(["listen", "--interface", "lo"], {
      prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities/);
  });
});

async function waitFor(
  done: () => boolean,
  message: () => string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
