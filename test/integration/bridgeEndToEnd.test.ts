/**
 * The MAC bridge end to end, proven the way the seed's author proved it — the adapter gets its
 * address from the ISP and the phone rings — in network namespaces (bridgeTopology.ts): Debian's
 * dnsmasq as the ISP's DHCP server, serving only the adapter's MAC prefix; udhcpc as the
 * adapter's DHCP client; a call agent sending MGCP over real UDP; `voip-callerid bridge` in
 * the host namespace with its host-protection rule; `voip-callerid listen` on the host's
 * external port as the sniffer. The steps build on each other and run in order.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { BridgeLab, parseStatus } from "../support/bridgeLab.js";
import {
  ADAPTER_MAC,
  type BridgeTopology,
  LAN_MAC,
  macBytes,
  ProcessWatcher,
  sniff,
  TCP_SINK,
  TCP_SOURCE,
  waitUntil,
} from "../support/bridgeTopology.js";
import type { NetworkSandbox } from "../support/netns.js";
import { describeIfRoot } from "../support/root.js";

describeIfRoot("MAC bridge end to end", () => {
  let lab: BridgeLab;
  let sandbox: NetworkSandbox;
  let net: BridgeTopology;
  let bridge: ProcessWatcher | null = null;

  beforeAll(async () => {
    lab = await BridgeLab.create("vbe");
    ({ sandbox, net } = lab);
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
  });

  const startBridge = () => lab.startBridge();
  const ring = (endpoint?: string) => lab.ring(endpoint);
  const ruleListing = () => lab.ruleListing();
  const offloads = (link: string) => lab.offloads(link);
  const requestLease = (namespace: string, link: string, tries: number) =>
    lab.requestLease(namespace, link, tries);
  const ipv4Of = (namespace: string, link: string) => lab.ipv4Of(namespace, link);

  const latestStatus = () => parseStatus(bridge?.lines.at(-1) ?? "{}");

  it("passes the adapter's DHCP to the ISP and the lease back; the other LAN machine gets none", async () => {
    await lab.startDhcpServer("172.16.5.10-172.16.5.50");
    // Real NICs merge received TCP segments (GRO); veths do not unless asked to.
    for (const link of [net.external, net.internal]) {
      await sandbox.exec(net.host, "ethtool", ["-K", link.name, "gro", "on"]);
    }
    bridge = await startBridge();
    for (const link of [net.external, net.internal]) {
      expect(await offloads(link.name)).toEqual({ gro: "off", gso: "off", tso: "off" });
    }
    // Whatever the other machine sends must not reach the ISP: watch the ISP's port for it.
    const spy = await sniff(
      sandbox,
      net.isp,
      net.ispLink.name,
      `ether src ${LAN_MAC} or ether src ${ADAPTER_MAC}`,
    );

    expect(await requestLease(net.ata, net.ataLink.name, 10)).toBe(true);
    lab.adapterAddress = await ipv4Of(net.ata, net.ataLink.name);
    expect(lab.adapterAddress).toMatch(/^172\.16\.5\.\d+$/);
    expect(lab.dhcpLog).toContain(
      `DHCPACK(${net.ispLink.name}) ${lab.adapterAddress} ${ADAPTER_MAC}`,
    );

    expect(await requestLease(net.lan, net.lanLink.name, 3)).toBe(false);
    expect(await ipv4Of(net.lan, net.lanLink.name)).toBe("");
    await spy.stop();
    // The capture saw the adapter's frames, and not one of the other machine's.
    expect(spy.lines.some((line) => line.includes(`${ADAPTER_MAC} > `))).toBe(true);
    expect(spy.lines.filter((line) => line.includes(LAN_MAC))).toEqual([]);
    expect(lab.dhcpLog).not.toContain(LAN_MAC);

    await bridge.waitForLine(
      (line) => parseStatus(line).adapterIpv4 === lab.adapterAddress,
      "the bridge learning the adapter's address",
    );
    const { counters } = latestStatus();
    expect(counters.toExternal).toBeGreaterThan(0);
    expect(counters.toInternal).toBeGreaterThan(0);
    expect(counters.rewritten).toBe(0); // dnsmasq answered by unicast
  }, 60_000);

  it("answers ARP for the adapter's address from the ISP side", async () => {
    await sandbox.ip(net.isp, ["neigh", "flush", "dev", net.ispLink.name]);
    const ping = await sandbox.exec(net.isp, "ping", ["-c", "1", "-W", "2", lab.adapterAddress]);
    expect(ping.code).toBe(0);
    const neighbour = await sandbox.ip(net.isp, ["neigh", "show", lab.adapterAddress]);
    expect(neighbour.stdout).toContain(`lladdr ${ADAPTER_MAC}`);
  });

  it("carries a bulk TCP transfer whole and quickly (no merged frames to pass on)", async () => {
    const size = 4 * 1024 * 1024;
    const server = new ProcessWatcher(
      sandbox.spawn(net.ata, process.execPath, ["-e", TCP_SOURCE, String(size)]),
    );
    await server.waitForLine((line) => line === "ready", "the adapter's TCP server");
    const started = performance.now();
    const client = await sandbox.exec(
      net.isp,
      process.execPath,
      ["-e", TCP_SINK, lab.adapterAddress],
      {
        timeoutMs: 20_000,
      },
    );
    expect(client.stdout.trim()).toBe(String(size));
    expect(performance.now() - started).toBeLessThan(10_000);
    await server.stop();
  }, 30_000);

  it("carries the call agent's RQNT to the adapter, and the sniffer on the ISP side reports the call", async () => {
    const listen = lab.spawnProgram([
      ...["listen", "--interface", net.external.name, "--no-sip", "--adapter-mac", ADAPTER_MAC],
    ]);
    await waitUntil(() => listen.stderr.includes("listening on"), "listen");
    expect(await ring()).toBe("answered");
    const ringing = JSON.parse(
      await listen.waitForLine((line) => line.includes('"ringing"'), "the sniffer's ringing event"),
    );
    expect(ringing).toMatchObject({
      type: "ringing",
      line: "aaln/1@ata.example",
      number: "0441234567",
      name: "Hans Muster",
    });
    expect(await listen.stop()).toBe(0);
  }, 30_000);

  it("keeps the host out of the adapter's traffic while it runs, and no longer once stopped", async () => {
    expect(await ruleListing()).toContain(`ether saddr ${ADAPTER_MAC} drop`);
    // The host's own LAN address does not answer the adapter (ARP is dropped too).
    await sandbox.ip(net.ata, ["addr", "add", "192.168.77.2/24", "dev", net.ataLink.name]);
    const blocked = await sandbox.exec(net.ata, "ping", ["-c", "1", "-W", "1", "192.168.77.1"]);
    expect(blocked.code).not.toBe(0);

    expect(await bridge?.stop()).toBe(0);
    expect(latestStatus().state).toBe("stopped");
    expect(await ruleListing()).toBe("");
    expect(await offloads(net.external.name)).toEqual({ gro: "on", gso: "on", tso: "on" });
    expect(await ring()).toBe("no answer");
    const reachable = await sandbox.exec(net.ata, "ping", ["-c", "1", "-W", "2", "192.168.77.1"]);
    expect(reachable.code).toBe(0);
    await sandbox.ip(net.ata, ["addr", "del", "192.168.77.2/24", "dev", net.ataLink.name]);
  }, 30_000);

  it("restores the path when started again", async () => {
    bridge = await startBridge();
    expect(await ruleListing()).toContain(`ether saddr ${ADAPTER_MAC} drop`);
    expect(await ring()).toBe("answered");
  }, 30_000);

  it("under a broadcast storm passes each frame meant for the adapter once, echoes none, and no other", async () => {
    const ispMac = /link\/ether ([0-9a-f:]{17})/.exec(
      (await sandbox.ip(net.isp, ["link", "show", net.ispLink.name])).stdout,
    )?.[1] as string;
    /** Request number `n` names a sender address of its own, so a duplicate would show. */
    const arpRequest = (target: string, n: number) => {
      const frame = new Uint8Array(42);
      frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...macBytes(ispMac), 0x08, 0x06]);
      frame.set([0, 1, 8, 0, 6, 4, 0, 1, ...macBytes(ispMac), 172, 16, 10 + (n >> 8), n & 255], 14);
      frame.set(target.split(".").map(Number), 38);
      return frame;
    };
    const storm = 3000;
    const forAdapter = Array.from({ length: storm }, (_, n) => arpRequest(lab.adapterAddress, n));
    const forOthers = Array.from({ length: storm }, (_, n) => arpRequest(`172.16.9.${n % 250}`, n));
    const atAdapter = await sniff(
      sandbox,
      net.ata,
      net.ataLink.name,
      `arp and ether src ${ispMac}`,
    );
    const echoes = await sniff(
      sandbox,
      net.isp,
      net.ispLink.name,
      `inbound and ether src ${ispMac}`,
    );
    const before = latestStatus().counters;
    // In bursts of 1000 back to back (the frames travel on the command line, which has a limit).
    const frames = [...forOthers, ...forAdapter];
    for (let start = 0; start < frames.length; start += 1000) {
      await sandbox.injectFrames(net.ispLink, frames.slice(start, start + 1000));
    }
    // Settled: the counters stopped moving. (veth's receive backlog, 1000 frames, overflows
    // under such bursts before the bridge sees them; what the bridge saw is what counts here.)
    let settled = "";
    await bridge?.waitForLine(
      (line) => {
        const counters = JSON.stringify(parseStatus(line).counters);
        const same = counters === settled;
        settled = counters;
        return same;
      },
      "the storm settling",
      15_000,
      (bridge?.lines.length ?? 1) - 1,
    );
    await atAdapter.stop();
    await echoes.stop();
    const crossed = latestStatus().counters.toInternal - before.toInternal;
    expect(crossed).toBeGreaterThan(storm / 10);
    // None arrived twice, none for another address. (Under a burst like this the kernel's
    // queues on the way to the adapter drop some as well, so fewer may arrive than crossed.)
    const requests = atAdapter.lines.filter((line) => line.includes("Request who-has"));
    const senders = requests.map((line) => /tell (\S+),/.exec(line)?.[1]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThanOrEqual(crossed);
    expect(new Set(senders).size).toBe(requests.length);
    expect(requests.every((line) => line.includes(`who-has ${lab.adapterAddress} `))).toBe(true);
    // Nothing the ISP side sent came back to it.
    expect(echoes.lines.filter((line) => line.includes(ispMac))).toEqual([]);
    expect(latestStatus().counters.dropped).toBeGreaterThan(before.dropped);
  }, 60_000);

  it("keeps bridging when an interface goes down and comes back", async () => {
    const mark = bridge?.lines.length ?? 0;
    await sandbox.ip(net.host, ["link", "set", net.internal.name, "down"]);
    await bridge?.waitForLine(
      (line) => parseStatus(line).detail === `${net.internal.name} is down`,
      "waiting for the internal interface",
      10_000,
      mark,
    );
    expect(await ring()).toBe("no answer");
    await sandbox.ip(net.host, ["link", "set", net.internal.name, "up"]);
    await bridge?.waitForLine(
      (line) => parseStatus(line).state === "running" && parseStatus(line).restarts === 1,
      "running again",
      15_000,
      mark,
    );
    expect(await ring()).toBe("answered");
  }, 40_000);

  it("re-learns the adapter after it reboots into a new lease, sent by broadcast and re-addressed", async () => {
    // The seed's ISP: its DHCP replies go to ff:ff:ff:ff:ff:ff.
    await lab.startDhcpServer("172.16.6.10-172.16.6.50", ["--dhcp-broadcast"]);
    // The reboot: link down and up, no address, a new DHCP exchange.
    await sandbox.ip(net.ata, ["-4", "addr", "flush", "dev", net.ataLink.name]);
    await sandbox.ip(net.ata, ["link", "set", net.ataLink.name, "down"]);
    await sandbox.ip(net.ata, ["link", "set", net.ataLink.name, "up"]);
    // Watched from after the reboot: a capture ends when its interface goes down.
    const replies = await sniff(sandbox, net.ata, net.ataLink.name, "udp dst port 68");
    expect(await requestLease(net.ata, net.ataLink.name, 10)).toBe(true);
    lab.adapterAddress = await ipv4Of(net.ata, net.ataLink.name);
    expect(lab.adapterAddress).toMatch(/^172\.16\.6\.\d+$/);
    await replies.stop();
    // Every reply reached the adapter addressed to its own MAC, not to the broadcast address.
    const seen = replies.lines.filter((line) => line.includes("> "));
    expect(seen.length).toBeGreaterThan(0);
    for (const line of seen) expect(line).toContain(`> ${ADAPTER_MAC}`);

    await bridge?.waitForLine(
      (line) => parseStatus(line).adapterIpv4 === lab.adapterAddress,
      "the bridge learning the new address",
    );
    expect(latestStatus().counters.rewritten).toBeGreaterThan(0);
    await sandbox.ip(net.isp, ["neigh", "flush", "dev", net.ispLink.name]);
    expect(await ring()).toBe("answered");
    expect(await bridge?.stop()).toBe(0);
    expect(await ruleListing()).toBe("");
  }, 60_000);
});
