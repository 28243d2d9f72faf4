/**
 * The MAC bridge's world in network namespaces, as the seed's author had it at home:
 *
 *   isp ─────────── host ─────────── switch (kernel bridge) ──┬── ata  (00:90:f8:00:00:01)
 *   dnsmasq,        external  internal                        └── lan  (another LAN machine)
 *   call agent      (the bridge runs here)
 *
 * Checksum offload is turned off on the endpoints' veths: the kernel leaves the UDP checksum
 * of a veth frame to "hardware" that never fills it in, so a frame captured and re-sent by a
 * user-space bridge would arrive with a bad checksum. Real wires carry finished frames.
 * Also the small programs the endpoints run: the adapter's DHCP hook, its MGCP responder and
 * the call agent.
 */
import type { ChildProcess } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Link, NetworkSandbox } from "./netns.js";

export const ADAPTER_MAC = "00:90:f8:00:00:01";
export const LAN_MAC = "02:00:00:00:00:02";
export const ISP_ADDRESS = "172.16.0.1";

export interface BridgeTopology {
  readonly isp: string;
  readonly host: string;
  readonly ata: string;
  readonly lan: string;
  readonly ispLink: Link;
  readonly external: Link;
  readonly internal: Link;
  readonly ataLink: Link;
  readonly lanLink: Link;
}

export async function buildBridgeTopology(sandbox: NetworkSandbox): Promise<BridgeTopology> {
  const [isp, host, switchNs, ata, lan] = [
    await sandbox.addNamespace(),
    await sandbox.addNamespace(),
    await sandbox.addNamespace(),
    await sandbox.addNamespace(),
    await sandbox.addNamespace(),
  ];
  const [ispLink, external] = await sandbox.addVethPair({ namespace: isp, peerNamespace: host });
  const [internal, switchHost] = await sandbox.addVethPair({
    namespace: host,
    peerNamespace: switchNs,
  });
  const [ataLink, switchAta] = await sandbox.addVethPair({
    namespace: ata,
    peerNamespace: switchNs,
  });
  const [lanLink, switchLan] = await sandbox.addVethPair({
    namespace: lan,
    peerNamespace: switchNs,
  });
  const bridge: Link = { name: sandbox.newName(), namespace: switchNs };
  await sandbox.ip(switchNs, ["link", "add", bridge.name, "type", "bridge"]);
  for (const port of [switchHost, switchAta, switchLan]) {
    await sandbox.ip(switchNs, ["link", "set", port.name, "master", bridge.name]);
  }
  await sandbox.setMac(ataLink, ADAPTER_MAC);
  await sandbox.setMac(lanLink, LAN_MAC);
  await sandbox.addAddress(ispLink, `${ISP_ADDRESS}/12`);
  // The host's own address on its LAN: what the adapter must not reach once protected.
  await sandbox.addAddress(internal, "192.168.77.1/24");
  for (const link of [ispLink, ataLink, lanLink]) {
    const result = await sandbox.exec(link.namespace, "ethtool", ["-K", link.name, "tx", "off"]);
    if (result.code !== 0) throw new Error(`ethtool -K ${link.name} tx off: ${result.stderr}`);
  }
  for (const link of [ispLink, external, internal, switchHost, switchAta, switchLan, bridge]) {
    await sandbox.setUp(link);
  }
  await sandbox.setUp(ataLink);
  await sandbox.setUp(lanLink);
  return { isp, host, ata, lan, ispLink, external, internal, ataLink, lanLink };
}

/**
 * udhcpc's hook: sets the leased address and nothing else. All namespaces share /etc, so the
 * default script, which rewrites resolv.conf, would change the test machine's DNS.
 */
export function writeDhcpHook(folder: string): string {
  const path = join(folder, "udhcpc-hook.sh");
  writeFileSync(
    path,
    `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/\${mask:-12}" dev "$interface" ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** The adapter's MGCP side: acknowledges every command on port 2427 (RFC 3435 §3.3). */
export const MGCP_RESPONDER = `
const socket = require("node:dgram").createSocket("udp4");
socket.on("message", (message, from) => {
  const [verb, transaction] = message.toString("latin1").split(/\\s+/);
  if (/^[A-Z]{4}$/.test(verb)) socket.send("200 " + transaction + " OK\\n", from.port, from.address);
});
socket.bind(2427, () => console.log("ready"));`;

/**
 * The ISP's call agent: sends one RQNT with ring and caller id from port 2727 to the adapter
 * and prints "answered" when the adapter's 200 comes back within 2 s, else "no answer".
 * Arguments: the adapter's address, the transaction id and the endpoint (default aaln/1).
 */
export const CALL_AGENT = `
const [address, transaction, endpoint = "aaln/1"] = process.argv.slice(1);
const socket = require("node:dgram").createSocket("udp4");
const rqnt = "RQNT " + transaction + " " + endpoint + "@ata.example MGCP 1.0\\nX: " + transaction +
  "\\nR: L/hd(N)\\nS: L/rg,L/ci(11/29/20/45,\\"0441234567\\",\\"Hans Muster\\")\\n";
const timer = setTimeout(() => { console.log("no answer"); socket.close(); }, 2000);
socket.on("message", (reply) => {
  if (!reply.toString().startsWith("200 " + transaction)) return;
  clearTimeout(timer);
  console.log("answered");
  socket.close();
});
socket.bind(2727, () => socket.send(rqnt, 2427, address));`;

/** The adapter serving a download: argv[1] bytes to whoever connects on port 8080. */
export const TCP_SOURCE = `
const size = Number(process.argv[1]);
require("node:net").createServer((socket) => socket.end(Buffer.alloc(size, 0x55)))
  .listen(8080, () => console.log("ready"));`;

/** The ISP side downloading from the adapter at argv[1]: prints the bytes received. */
export const TCP_SINK = `
let received = 0;
require("node:net").connect(8080, process.argv[1])
  .on("data", (chunk) => { received += chunk.length; })
  .on("close", () => console.log(received))
  .on("error", (error) => console.log(error.message));`;

/** A child process's output, line by line, with waiting for a line. */
export class ProcessWatcher {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  #partial = "";

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop() ?? "";
      this.lines.push(...parts);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    // "close", not "exit": by then every line the process wrote has been read.
    this.exited = new Promise((resolve) => child.once("close", (code) => resolve(code)));
  }

  /** Resolves with the first line from `from` on that passes `test`. */
  async waitForLine(test: (line: string) => boolean, what: string, timeoutMs = 15_000, from = 0) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find(test);
      if (line !== undefined) return line;
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: not seen within ${timeoutMs} ms\n${this.lines.join("\n")}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(): Promise<number | null> {
    this.child.kill("SIGTERM");
    return this.exited;
  }
}

/** tcpdump on `link`, printing each frame as it comes (MACs included); ready when it returns. */
export async function sniff(
  sandbox: NetworkSandbox,
  namespace: string,
  link: string,
  filter: string,
) {
  const args = ["-i", link, "-n", "-e", "-l", "--immediate-mode", ...filter.split(" ")];
  const watcher = new ProcessWatcher(sandbox.spawn(namespace, "tcpdump", args));
  await waitUntil(() => watcher.stderr.includes("listening on"), "tcpdump");
  return {
    lines: watcher.lines,
    /** Stops it once what is in flight has been printed. */
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await watcher.stop();
    },
  };
}

export function macBytes(mac: string): number[] {
  return mac.split(":").map((byte) => Number.parseInt(byte, 16));
}

export async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
