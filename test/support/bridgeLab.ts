/**
 * The bridge's test bench on top of bridgeTopology.ts: the namespaces plus what runs in them —
 * the ISP's DHCP server (Debian's dnsmasq), the adapter's DHCP client (udhcpc) and MGCP
 * responder, the call agent — and the program under test started from source.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ADAPTER_MAC,
  type BridgeTopology,
  buildBridgeTopology,
  CALL_AGENT,
  MGCP_RESPONDER,
  ProcessWatcher,
  waitUntil,
  writeDhcpHook,
} from "./bridgeTopology.js";
import { CLI_COMMAND, PROJECT_ROOT } from "./cli.js";
import { NetworkSandbox } from "./netns.js";

/** One line of `voip-callerid bridge --json`. */
export interface StatusLine {
  state: string;
  detail: string;
  counters: { toExternal: number; toInternal: number; rewritten: number; dropped: number };
  adapterIpv4: string | null;
  restarts: number;
}

export const parseStatus = (line: string) => JSON.parse(line) as StatusLine;

export class BridgeLab {
  /** The adapter's current address, once it has a lease. */
  adapterAddress = "";
  #dhcpServer: ProcessWatcher | null = null;
  #transaction = 1000;

  private constructor(
    readonly sandbox: NetworkSandbox,
    readonly net: BridgeTopology,
    readonly folder: string,
    private readonly hook: string,
  ) {}

  /** The namespaces, with the adapter's MGCP responder running. `prefix`: see NetworkSandbox. */
  static async create(prefix: string): Promise<BridgeLab> {
    const sandbox = await NetworkSandbox.create(prefix);
    const net = await buildBridgeTopology(sandbox);
    const folder = mkdtempSync(join(tmpdir(), "vci-bridge-"));
    sandbox.spawn(net.ata, process.execPath, ["-e", MGCP_RESPONDER]);
    return new BridgeLab(sandbox, net, folder, writeDhcpHook(folder));
  }

  async cleanup(): Promise<void> {
    await this.sandbox.cleanup();
    rmSync(this.folder, { recursive: true, force: true });
  }

  /** What the ISP's DHCP server logged. */
  get dhcpLog(): string {
    return this.#dhcpServer?.stderr ?? "";
  }

  /** The ISP's DHCP server: addresses from `range` for MACs 00:90:f8:… and no one else. */
  async startDhcpServer(range: string, extra: string[] = []): Promise<void> {
    await this.#dhcpServer?.stop();
    const [first, last] = range.split("-");
    const server = new ProcessWatcher(
      this.sandbox.spawn(this.net.isp, "dnsmasq", [
        "--no-daemon",
        "--conf-file=/dev/null",
        "--port=0", // no DNS
        `--interface=${this.net.ispLink.name}`,
        "--bind-interfaces",
        "--no-ping", // offers at once instead of after a 3 s address probe
        "--dhcp-mac=set:adapter,00:90:f8:*:*:*",
        `--dhcp-range=tag:adapter,${first},${last},255.240.0.0,1h`,
        `--dhcp-leasefile=${join(this.folder, `leases-${range}`)}`,
        "--log-dhcp",
        "--log-facility=-",
        ...extra,
      ]),
    );
    this.#dhcpServer = server;
    await waitUntil(() => server.stderr.includes("DHCP, IP range"), "dnsmasq");
  }

  /** `voip-callerid …` from source in the host namespace. */
  spawnProgram(args: readonly string[]): ProcessWatcher {
    const [node, ...rest] = CLI_COMMAND;
    return new ProcessWatcher(
      this.sandbox.spawn(this.net.host, node as string, [...rest, ...args], { cwd: PROJECT_ROOT }),
    );
  }

  /** `voip-callerid bridge … --json`, once it says it is running. */
  async startBridge(): Promise<ProcessWatcher> {
    const { external, internal } = this.net;
    const watcher = this.spawnProgram([
      ...["bridge", "--external", external.name, "--internal", internal.name],
      ...["--mac", ADAPTER_MAC, "--json", "--status-interval", "0.2"],
    ]);
    await watcher.waitForLine((line) => parseStatus(line).state === "running", "bridge running");
    return watcher;
  }

  /** Runs udhcpc in `namespace` on `link`; true when it got a lease. */
  async requestLease(namespace: string, link: string, tries: number): Promise<boolean> {
    const result = await this.sandbox.exec(
      namespace,
      "udhcpc",
      ["-i", link, "-s", this.hook, "-f", "-q", "-n", "-t", String(tries), "-T", "1"],
      { timeoutMs: 30_000 },
    );
    return result.code === 0;
  }

  async ipv4Of(namespace: string, link: string): Promise<string> {
    const result = await this.sandbox.exec(namespace, "ip", [
      "-4",
      "-o",
      "addr",
      "show",
      "dev",
      link,
    ]);
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(result.stdout)?.[1] ?? "";
  }

  /** One ring from the call agent; "answered" when the adapter's 200 came back. */
  async ring(endpoint = "aaln/1"): Promise<string> {
    this.#transaction++;
    const result = await this.sandbox.exec(this.net.isp, process.execPath, [
      "-e",
      CALL_AGENT,
      this.adapterAddress,
      String(this.#transaction),
      endpoint,
    ]);
    return result.stdout.trim();
  }

  /** The host protection table as nft lists it; "" when there is none. */
  async ruleListing(): Promise<string> {
    const args = ["list", "table", "netdev", "voip_callerid_bridge"];
    return (await this.sandbox.exec(this.net.host, "nft", args)).stdout;
  }

  /** A host interface's receive and segmentation offloads, as `ethtool -k` shows them. */
  async offloads(link: string) {
    const { stdout } = await this.sandbox.exec(this.net.host, "ethtool", ["-k", link]);
    const state = (feature: string) => new RegExp(`^${feature}: (on|off)`, "m").exec(stdout)?.[1];
    return {
      gro: state("generic-receive-offload"),
      gso: state("generic-segmentation-offload"),
      tso: state("tcp-segmentation-offload"),
    };
  }
}
