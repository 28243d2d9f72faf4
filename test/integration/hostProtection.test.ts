/**
 * The host protection rule against real nft and iptables, each run in a fresh network
 * namespace: firewall rules belong to a namespace, so nothing here can touch the test
 * machine's own firewall. The module's commands reach the namespace through a CommandRunner
 * that prefixes `ip netns exec <ns>`.
 *
 * The functional checks join a "host" and an "adapter" namespace with a veth pair. The adapter
 * side knocks on a closed TCP port of the host: a reset (ECONNREFUSED) is the host's stack
 * answering, like a ping reply (there is no ping on the CI image); silence means the host
 * ignored it. Meanwhile tcpdump on the host side must still see the adapter's frames, since
 * the bridge's pcap capture depends on that.
 *
 * The first describe needs no root: a scripted runner checks the outcomes and messages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nftTable } from "../../src/core/bridge/hostProtectionRules.js";
import { parseMac } from "../../src/core/capture/bpfFilter.js";
import {
  type CommandRunner,
  detectFirewall,
  type HostProtection,
  installHostProtection,
  runCommand as runOnHost,
} from "../../src/io/hostProtection.js";
import { type Link, NetworkSandbox, runCommand } from "../support/netns.js";
import { describeIfRoot } from "../support/root.js";

const ADAPTER_MAC = "00:90:f8:00:00:01";
const adapterMac = parseMac(ADAPTER_MAC) ?? new Uint8Array();
const HOST_IP = "192.0.2.1";

describe("installHostProtection with a scripted runner", () => {
  /** Answers each command by the first matching rule; records what ran. */
  function scripted(answers: [RegExp, number | null, string][]) {
    const ran: string[] = [];
    const run: CommandRunner = async (file, args) => {
      const line = [file, ...args].join(" ");
      ran.push(line);
      const [, code, stderr] = answers.find(([pattern]) => pattern.test(line)) ?? [/./, 0, ""];
      return { code, stdout: "", stderr };
    };
    return { ran, run };
  }

  it("auto: says how to go on when neither tool works, quoting both", async () => {
    const { run } = scripted([
      [/^nft /, 1, "Error: Operation not permitted"],
      [/^iptables /, null, "cannot run iptables: spawn iptables ENOENT"],
    ]);
    const outcome = await installHostProtection({ interfaceName: "eth1", adapterMac, run });
    expect(outcome).toEqual({ ok: false, message: expect.any(String) });
    const message = outcome.ok ? "" : outcome.message;
    expect(message).toMatch(/^neither nft nor iptables works here: install nftables, or set/);
    expect(message).toContain("bridge.protect_host: false");
    expect(message).toContain("Operation not permitted");
    expect(message).toContain("spawn iptables ENOENT");
    expect(await detectFirewall(run)).toBeNull();
  });

  it("auto: iptables where only iptables works, without ip6tables if that fails", async () => {
    const { ran, run } = scripted([
      [/^nft /, 127, "nft: not found"],
      [/^ip6tables /, 3, "can't initialize ip6tables table `filter'"],
      [/ -C /, 1, "Bad rule"],
    ]);
    const outcome = await installHostProtection({ interfaceName: "eth1", adapterMac, run });
    expect(outcome.ok && outcome.protection.firewall).toBe("iptables");
    expect(outcome.ok && outcome.protection.description).toContain("drops IPv4 from");
    expect(ran.filter((line) => line.startsWith("ip6tables"))).toEqual(["ip6tables -w -L -n"]);
    expect(ran.filter((line) => line.includes(" -I "))).toEqual([
      "iptables -w -I INPUT 1 -j VOIP_CALLERID_BRIDGE",
      "iptables -w -I FORWARD 1 -j VOIP_CALLERID_BRIDGE",
    ]);
  });

  it("never throws, even when the runner rejects", async () => {
    const run: CommandRunner = () => Promise.reject(new Error("boom"));
    const outcome = await installHostProtection({
      interfaceName: "eth1",
      adapterMac,
      firewall: "nftables",
      run,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.message).toMatch(/nft -f -" did not finish: .*boom/);
  });

  it("refuses an odd interface name without running anything", async () => {
    const { ran, run } = scripted([]);
    const outcome = await installHostProtection({ interfaceName: "eth+", adapterMac, run });
    expect(outcome.ok ? "" : outcome.message).toMatch(/not a usable interface name/);
    expect(ran).toEqual([]);
  });

  it("rolls back a half-done iptables install", async () => {
    const { ran, run } = scripted([
      [/ -C /, 1, "Bad rule"],
      [/^ip6tables -w -A /, 2, "ip6tables: Couldn't load match `mac'"],
    ]);
    const outcome = await installHostProtection({
      interfaceName: "eth1",
      adapterMac,
      firewall: "iptables",
      run,
    });
    expect(outcome.ok ? "" : outcome.message).toMatch(
      /installing the ip6tables rule failed: .*mac/,
    );
    expect(ran.slice(-4)).toEqual([
      "ip6tables -w -C INPUT -j VOIP_CALLERID_BRIDGE",
      "ip6tables -w -C FORWARD -j VOIP_CALLERID_BRIDGE",
      "ip6tables -w -F VOIP_CALLERID_BRIDGE",
      "ip6tables -w -X VOIP_CALLERID_BRIDGE",
    ]);
    expect(ran).toContain("iptables -w -X VOIP_CALLERID_BRIDGE");
  });

  it("the real runner feeds standard input and reports a missing program", async () => {
    expect(await runOnHost("cat", [], "table netdev x\n")).toEqual({
      code: 0,
      stdout: "table netdev x\n",
      stderr: "",
    });
    const missing = await runOnHost("/nonexistent/nft", ["list", "tables"]);
    expect(missing.code).toBeNull();
    expect(missing.stderr).toMatch(/cannot run \/nonexistent\/nft: .*ENOENT/);
    expect((await runOnHost("sh", ["-c", "echo oops >&2; exit 3"])).code).toBe(3);
  });
});

describeIfRoot("host protection in a network namespace", () => {
  let sandbox: NetworkSandbox;
  beforeAll(async () => {
    sandbox = await NetworkSandbox.create("vhp");
  });
  afterAll(() => sandbox?.cleanup());

  const inNamespace =
    (namespace: string): CommandRunner =>
    (file, args, input) =>
      runCommand("ip", ["netns", "exec", namespace, file, ...args], { input, timeoutMs: 10_000 });

  async function checked(namespace: string, file: string, args: string[], input?: string) {
    const result = await sandbox.exec(namespace, file, args, { input });
    if (result.code !== 0) throw new Error(`${file} ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  }

  async function install(namespace: string, link: Link, firewall: "nftables" | "iptables") {
    const run = inNamespace(namespace);
    const options = { interfaceName: link.name, adapterMac, firewall, run };
    const outcome = await installHostProtection(options);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.protection.firewall).toBe(firewall);
    return outcome.protection;
  }

  /** A namespace with an interface (down: no traffic to move counters). */
  async function namespaceWithLink(): Promise<[string, Link]> {
    const namespace = await sandbox.addNamespace();
    const [link] = await sandbox.addVethPair({ namespace, peerNamespace: namespace });
    return [namespace, link];
  }

  const nftRuleset = (namespace: string) => checked(namespace, "nft", ["list", "ruleset"]);
  const withoutOurTable = (ruleset: string) =>
    ruleset.replace(/table netdev voip_callerid_bridge \{\n[\s\S]*?\n\}\n/, "");
  const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

  /** iptables-save without its dated comments and packet counters. */
  const xtablesSave = async (namespace: string, tool: "iptables" | "ip6tables") =>
    (await checked(namespace, `${tool}-save`, []))
      .split("\n")
      .filter((line) => !line.startsWith("#"))
      .map((line) => line.replace(/\[\d+:\d+\]/, "[counters]"))
      .join("\n");
  const withoutOurChain = (saved: string) =>
    saved
      .split("\n")
      .filter((line) => !line.includes("VOIP_CALLERID_BRIDGE"))
      .join("\n");

  it("auto-detects nftables where nft works", async () => {
    const namespace = await sandbox.addNamespace();
    expect(await detectFirewall(inNamespace(namespace))).toBe("nftables");
  });

  it("nftables: other tables stay as they were; installed once however often; removed twice", async () => {
    const [namespace, link] = await namespaceWithLink();
    await checked(namespace, "nft", ["-f", "-"], unrelatedNftTables(link.name));
    const before = await nftRuleset(namespace);

    const first = await install(namespace, link, "nftables");
    const second = await install(namespace, link, "nftables");
    const installed = await nftRuleset(namespace);
    expect(withoutOurTable(installed)).toBe(before);
    expect(count(installed, /ether saddr 00:90:f8:00:00:01/g)).toBe(1);
    expect(count(installed, /table netdev voip_callerid_bridge/g)).toBe(1);
    const ours = ["list", "table", "netdev", "voip_callerid_bridge"];
    expect(await checked(namespace, "nft", ours)).toBe(
      nftTable({ interfaceName: link.name, adapterMac }),
    );

    expect(await second.remove()).toEqual({ ok: true });
    expect(await first.remove()).toEqual({ ok: true });
    expect(await nftRuleset(namespace)).toBe(before);
  });

  // Kernels before 6.16 or so refuse a netdev chain for an interface that does not exist
  // (ENOENT); newer ones keep it by name and hook it when the interface appears.
  it("nftables: an interface that does not exist yet: refused in nft's words, or kept by name", async () => {
    const namespace = await sandbox.addNamespace();
    const outcome = await installHostProtection({
      interfaceName: "nosuchif0",
      adapterMac,
      firewall: "nftables",
      run: inNamespace(namespace),
    });
    if (outcome.ok) {
      expect(await nftRuleset(namespace)).toContain('device "nosuchif0"');
      expect(await outcome.protection.remove()).toEqual({ ok: true });
    } else {
      expect(outcome.message).toMatch(
        /installing the nftables rule failed: "nft -f -" exited with 1: .*No such file or directory.*bridge.protect_host: false/s,
      );
    }
    expect(await nftRuleset(namespace)).toBe("");
  });

  it("iptables: other rules stay as they were; one rule and one jump per chain; removed twice", async () => {
    const [namespace, link] = await namespaceWithLink();
    for (const [tool, source] of [
      ["iptables", "198.51.100.7"],
      ["ip6tables", "2001:db8::7"],
    ] as const) {
      for (const args of unrelatedXtablesRules(source)) await checked(namespace, tool, args);
    }
    const before = {
      iptables: await xtablesSave(namespace, "iptables"),
      ip6tables: await xtablesSave(namespace, "ip6tables"),
    };

    const first = await install(namespace, link, "iptables");
    const second = await install(namespace, link, "iptables");
    expect(first.description).toContain("iptables and ip6tables");
    for (const tool of ["iptables", "ip6tables"] as const) {
      const saved = await xtablesSave(namespace, tool);
      expect(withoutOurChain(saved)).toBe(before[tool]);
      for (const chain of ["INPUT", "FORWARD"]) {
        expect(count(saved, new RegExp(`^-A ${chain} -j VOIP_CALLERID_BRIDGE$`, "gm"))).toBe(1);
        // At the top, ahead of the unrelated ACCEPT, or that would win.
        expect(saved).toMatch(
          new RegExp(`^-A ${chain} -j VOIP_CALLERID_BRIDGE\\n-A ${chain} `, "m"),
        );
      }
      const drop = `-A VOIP_CALLERID_BRIDGE -i ${link.name} -m mac --mac-source 00:90:f8:00:00:01 -j DROP`;
      expect(saved.split("\n").filter((line) => line.startsWith("-A VOIP_"))).toEqual([drop]);
    }

    expect(await second.remove()).toEqual({ ok: true });
    expect(await first.remove()).toEqual({ ok: true });
    expect(await xtablesSave(namespace, "iptables")).toBe(before.iptables);
    expect(await xtablesSave(namespace, "ip6tables")).toBe(before.ip6tables);
  });

  describe("the host ignores the adapter, and capture still sees it", () => {
    let hostNamespace: string;
    let adapterNamespace: string;
    let hostLink: Link;
    let adapterLink: Link;

    beforeAll(async () => {
      hostNamespace = await sandbox.addNamespace();
      adapterNamespace = await sandbox.addNamespace();
      [hostLink, adapterLink] = await sandbox.addVethPair({
        namespace: hostNamespace,
        peerNamespace: adapterNamespace,
      });
      await sandbox.setMac(adapterLink, ADAPTER_MAC);
      await sandbox.addAddress(hostLink, `${HOST_IP}/24`);
      await sandbox.addAddress(adapterLink, "192.0.2.2/24");
      await sandbox.setUp(hostLink);
      await sandbox.setUp(adapterLink);
    });

    /** Whether the host answers the adapter, after forgetting the host's MAC (so ARP runs). */
    async function hostAnswers(): Promise<boolean> {
      await sandbox.ip(adapterNamespace, ["neigh", "flush", "dev", adapterLink.name]);
      const result = await sandbox.exec(adapterNamespace, process.execPath, ["-e", KNOCK, HOST_IP]);
      expect(result.stdout).toMatch(/^(answered|silent)/);
      return result.stdout.startsWith("answered");
    }

    /** The first frame from the adapter that tcpdump on the host side sees during `action`. */
    async function capturedDuring(action: () => Promise<unknown>): Promise<string> {
      const args = ["-n", "-e", "-l", "-c", "1", "-i", hostLink.name, "ether", "src", ADAPTER_MAC];
      const tcpdump = sandbox.spawn(hostNamespace, "tcpdump", args);
      let stdout = "";
      let stderr = "";
      tcpdump.stdout?.setEncoding("utf8").on("data", (text: string) => {
        stdout += text;
      });
      tcpdump.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      const exited = new Promise((resolve) => tcpdump.once("exit", resolve));
      await waitFor("tcpdump to listen", () => stderr.includes("listening on"));
      await action();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      tcpdump.kill("SIGKILL");
      return stdout;
    }

    async function adapterKnowsHostMac(): Promise<boolean> {
      const { stdout } = await sandbox.ip(adapterNamespace, ["neigh", "show", HOST_IP]);
      return stdout.includes("lladdr");
    }

    it.each(["nftables", "iptables"] as const)("%s", async (firewall) => {
      expect(await hostAnswers()).toBe(true);
      const protection: HostProtection = await install(hostNamespace, hostLink, firewall);
      try {
        let answered: boolean | undefined;
        const seen = await capturedDuring(async () => {
          answered = await hostAnswers();
        });
        expect(answered).toBe(false);
        expect(seen).toContain(`${ADAPTER_MAC} >`);
        // nftables drops ARP too; iptables cannot, so the host still tells the adapter its MAC.
        expect(await adapterKnowsHostMac()).toBe(firewall === "iptables");
      } finally {
        expect(await protection.remove()).toEqual({ ok: true });
      }
      expect(await hostAnswers()).toBe(true);
    });
  });
});

/** Someone else's tables, including an ingress chain on the very same interface. */
function unrelatedNftTables(device: string): string {
  return `
table inet someone_else {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 198.51.100.7 counter accept comment "not ours"
  }
}
table netdev someone_else_ingress {
  chain ingress {
    type filter hook ingress device "${device}" priority 0; policy accept;
    ether saddr 02:00:00:00:00:99 counter
  }
}
`;
}

function unrelatedXtablesRules(source: string): string[][] {
  return [
    ["-w", "-A", "INPUT", "-s", source, "-j", "ACCEPT"],
    ["-w", "-N", "SOMEONE_ELSE"],
    ["-w", "-A", "SOMEONE_ELSE", "-s", source, "-j", "RETURN"],
    ["-w", "-A", "FORWARD", "-j", "SOMEONE_ELSE"],
  ];
}

/** Prints "answered" if the host's TCP stack replies at all (connected or refused). */
const KNOCK = `
const socket = require("node:net").connect({ host: process.argv[1], port: 9, timeout: 1500 });
const done = (word) => { console.log(word); process.exit(0); };
socket.on("connect", () => done("answered"));
socket.on("timeout", () => done("silent"));
socket.on("error", (e) => done(e.code === "ECONNREFUSED" ? "answered" : "silent " + e.code));
`;

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
