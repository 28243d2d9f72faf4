/**
 * The add-on's daemon with `bridge.enabled` in the namespaces of bridgeLab.ts: it starts the
 * bridge from its options, reads the caller id on the bridge's external port, survives that
 * port going down, and remembers the adapter's address across restarts, so that the ISP can
 * reach a quiet adapter at once. The steps build on each other and run in order.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BridgeLab } from "../support/bridgeLab.js";
import { ADAPTER_MAC, type ProcessWatcher, waitUntil } from "../support/bridgeTopology.js";
import { HANS_MUSTER_DIRECTORY_YAML } from "../support/phonebookFixtures.js";
import { describeIfRoot } from "../support/root.js";

describeIfRoot("the daemon's MAC bridge", () => {
  let lab: BridgeLab;
  let config: string;
  let daemon: ProcessWatcher | null = null;
  const log = () => (daemon === null ? "" : daemon.stderr + daemon.lines.join("\n"));
  const calls = () => log().match(/ringing: Hans Muster/g)?.length ?? 0;

  beforeAll(async () => {
    lab = await BridgeLab.create("vbd");
    const { external, internal } = lab.net;
    config = join(lab.folder, "options.yaml");
    writeFileSync(
      config,
      `capture:
  interface: ${external.name}
  adapter_mac: "${ADAPTER_MAC}"
  protocols: [mgcp]
bridge:
  enabled: true
  external_interface: ${external.name}
  internal_interface: ${internal.name}
${HANS_MUSTER_DIRECTORY_YAML}data_dir: ${join(lab.folder, "data")}
`,
    );
    await lab.startDhcpServer("172.16.5.10-172.16.5.50");
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
  });

  async function startDaemon() {
    daemon = lab.spawnProgram(["run", "--config", config]);
    await waitUntil(
      () => log().includes("bridging") && log().includes("listening on"),
      "the daemon's bridge",
      20_000,
    );
  }

  it("starts the bridge from its options: the adapter gets its lease and the call is reported", async () => {
    await startDaemon();
    expect(log()).toContain(`listening on ${lab.net.external.name} in the bridge`);
    expect(await lab.ruleListing()).toContain(`ether saddr ${ADAPTER_MAC} drop`);

    expect(await lab.requestLease(lab.net.ata, lab.net.ataLink.name, 10)).toBe(true);
    lab.adapterAddress = await lab.ipv4Of(lab.net.ata, lab.net.ataLink.name);
    expect(await lab.ring()).toBe("answered");
    await waitUntil(() => calls() === 1, "the call in the daemon's log");
    expect(log()).toMatch(/incoming call \S+ ringing: Hans Muster — "Anruf von Hans Muster/);
  }, 60_000);

  it("keeps reading the caller id when the port goes down and comes back", async () => {
    const { net } = lab;
    await lab.sandbox.ip(net.host, ["link", "set", net.external.name, "down"]);
    await waitUntil(() => log().includes(`waiting: ${net.external.name} is down`), "waiting");
    await lab.sandbox.ip(net.host, ["link", "set", net.external.name, "up"]);
    await waitUntil(() => (log().match(/bridging /g)?.length ?? 0) >= 2, "bridging again", 15_000);
    // The ISP must ask for the adapter's address again; the new worker knows it.
    await lab.sandbox.ip(net.isp, ["neigh", "flush", "dev", net.ispLink.name]);
    expect(await lab.ring("aaln/2")).toBe("answered"); // the second line: a call of its own
    await waitUntil(() => calls() === 2, "the second call in the daemon's log");
    expect(daemon?.child.exitCode).toBeNull();
  }, 40_000);

  it("stops cleanly: the rule comes out and nothing crosses any more", async () => {
    expect(await daemon?.stop()).toBe(0);
    expect(log()).toContain("host protection removed");
    expect(await lab.ruleListing()).toBe("");
    expect(await lab.ring()).toBe("no answer");
  }, 30_000);

  it("remembers the adapter's address, so after a restart the ISP reaches the quiet adapter at once", async () => {
    const saved = JSON.parse(readFileSync(join(lab.folder, "data", "bridge.json"), "utf8"));
    expect(saved).toEqual({ adapter_mac: ADAPTER_MAC, adapter_ipv4: lab.adapterAddress });
    // Forgotten on the ISP's side: its next packet needs a broadcast ARP request, which only
    // crosses for the adapter's known address. The adapter has said nothing since.
    await lab.sandbox.ip(lab.net.isp, ["neigh", "flush", "dev", lab.net.ispLink.name]);
    await startDaemon();
    expect(await lab.ring("aaln/3")).toBe("answered");
    expect(await daemon?.stop()).toBe(0);
  }, 40_000);
});
