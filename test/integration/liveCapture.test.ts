/**
 * openLiveCapture against real traffic: a "phone" in its own network namespace sends MGCP over
 * a veth pair; this process captures on the other end, in its own namespace.
 *
 * The phone's frames go to CALL_AGENT_MAC, which no interface here owns, so the kernel on this
 * side drops them as "other host" right after the capture taps have seen them: nothing is
 * routed, and this side needs no IP address. (That is also how a mirror port looks.)
 *
 * Untagged traffic comes from a real UDP socket in the namespace. Tagged traffic is injected
 * as hand-built frames, because the CI kernel has no 8021q module for VLAN sub-interfaces;
 * the receiving kernel treats both alike (it moves the outer tag into packet metadata before
 * any capture sees the frame, just as for a frame from a VLAN sub-interface).
 */
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { buildCaptureFilter } from "../../src/core/capture/bpfFilter.js";
import { type Frame, LINKTYPE } from "../../src/core/capture/frame.js";
import {
  type LiveCaptureHandle,
  type LiveCaptureOptions,
  listInterfaces,
  openLiveCapture,
} from "../../src/io/liveCapture.js";
import { builtModule } from "../support/cli.js";
import {
  type Link,
  listLinks,
  listNamespaces,
  NetworkSandbox,
  removeStaleSandboxes,
  runCommand,
} from "../support/netns.js";
import { describeIfRoot } from "../support/root.js";

// MACs from the RFC 7042 documentation range, addresses from TEST-NET-1 (RFC 5737). The
// 192.0.2.x addresses exist only inside the phone's namespace.
const PHONE_MAC = "00:00:5e:00:53:02";
const CALL_AGENT_MAC = "00:00:5e:00:53:01";
const PHONE_IP = "192.0.2.2";
const CALL_AGENT_IP = "192.0.2.1";
const FAKE_NOW = 1_700_000_000_123.25;

const MGCP_PORTS = [2427, 2727];
const mgcpFilter = (linkType: number) => buildCaptureFilter({ udpPorts: MGCP_PORTS, linkType });

interface CapturedFrame {
  readonly linkType: number;
  readonly data: Uint8Array;
  readonly timestampMs: number;
  readonly originalLength: number;
}

/** Just enough Ethernet / 802.1Q / IPv4 / UDP to check what arrived. */
function decodeUdp(frame: Uint8Array) {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const vlans: number[] = [];
  let offset = 12;
  let etherType = view.getUint16(offset);
  while (etherType === 0x8100 || etherType === 0x88a8) {
    vlans.push(view.getUint16(offset + 2) & 0x0fff);
    offset += 4;
    etherType = view.getUint16(offset);
  }
  const ip = offset + 2;
  if (etherType !== 0x0800 || view.getUint8(ip + 9) !== 17) return null;
  const udp = ip + (view.getUint8(ip) & 0x0f) * 4;
  const dotted = (at: number) => Array.from(frame.subarray(at, at + 4)).join(".");
  return {
    vlans,
    src: dotted(ip + 12),
    dst: dotted(ip + 16),
    dstPort: view.getUint16(udp + 2),
    payload: frame.subarray(udp + 8, udp + view.getUint16(udp + 4)),
  };
}

function mgcpText(transactionId: number): Uint8Array {
  return new TextEncoder().encode(
    `RQNT ${transactionId} aaln/1@phone.example MGCP 1.0\r\nX: 0123456789AB\r\nR: hd\r\n`,
  );
}

type VlanTag = [tpid: number, vlanId: number];

/** Ethernet (+ tags) / IPv4 / UDP from the phone to the call agent; UDP checksum 0 (none). */
function phoneFrame(tags: VlanTag[], dstPort: number, payload: Uint8Array): Uint8Array {
  const udpLength = 8 + payload.length;
  const frame = new Uint8Array(14 + tags.length * 4 + 20 + udpLength);
  const view = new DataView(frame.buffer);
  frame.set(macBytes(CALL_AGENT_MAC), 0);
  frame.set(macBytes(PHONE_MAC), 6);
  let offset = 12;
  for (const [tpid, vlanId] of tags) {
    view.setUint16(offset, tpid);
    view.setUint16(offset + 2, vlanId);
    offset += 4;
  }
  view.setUint16(offset, 0x0800);
  const ip = offset + 2;
  view.setUint8(ip, 0x45);
  view.setUint16(ip + 2, 20 + udpLength);
  view.setUint8(ip + 8, 64);
  view.setUint8(ip + 9, 17);
  frame.set(PHONE_IP.split(".").map(Number), ip + 12);
  frame.set(CALL_AGENT_IP.split(".").map(Number), ip + 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += view.getUint16(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint16(ip + 10, ~sum & 0xffff);
  view.setUint16(ip + 20, 40000);
  view.setUint16(ip + 22, dstPort);
  view.setUint16(ip + 24, udpLength);
  frame.set(payload, ip + 28);
  return frame;
}

function macBytes(mac: string): number[] {
  return mac.split(":").map((hex) => Number.parseInt(hex, 16));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Sends the datagrams in order, from one process inside the namespace. */
const SEND_SCRIPT = `
const socket = require("node:dgram").createSocket("udp4");
(async () => {
  for (const [host, port, base64] of JSON.parse(process.argv[1])) {
    await new Promise((resolve, reject) =>
      socket.send(Buffer.from(base64, "base64"), port, host, (e) => (e ? reject(e) : resolve())));
  }
  socket.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

describeIfRoot("live capture (cap) on a veth pair", () => {
  let sandbox: NetworkSandbox | undefined;
  let phoneNamespace = "";
  let host: Link = { name: "", namespace: null };
  const openHandles: LiveCaptureHandle[] = [];

  let phone: Link = { name: "", namespace: null };

  beforeAll(async () => {
    const box = await NetworkSandbox.create("vci");
    sandbox = box;
    phoneNamespace = await box.addNamespace();
    [host, phone] = await box.addVethPair({ peerNamespace: phoneNamespace });
    await box.setMac(phone, PHONE_MAC);
    await box.addAddress(phone, `${PHONE_IP}/30`);
    await box.addNeighbor(phone, CALL_AGENT_IP, CALL_AGENT_MAC);
    await box.setUp(host);
    await box.setUp(phone);
  });

  afterEach(() => {
    for (const handle of openHandles.splice(0)) handle.close();
  });

  afterAll(async () => {
    await sandbox?.cleanup();
  });

  function capture(options: Partial<LiveCaptureOptions> = {}) {
    const frames: CapturedFrame[] = [];
    const opened = openLiveCapture({
      interfaceName: host.name,
      filter: mgcpFilter,
      now: () => FAKE_NOW,
      // The frame is only valid during the callback: keep a copy.
      // Kept as delivered: each frame must be its own copy, untouched by the packets after it.
      onFrame: (frame: Frame) => frames.push(frame),
      ...options,
    });
    if (!opened.ok) throw new Error(`${opened.reason}: ${opened.message}`);
    openHandles.push(opened.handle);
    return { handle: opened.handle, frames };
  }

  async function send(datagrams: [host: string, port: number, payload: Uint8Array][]) {
    const encoded = datagrams.map(([to, port, bytes]) => [
      to,
      port,
      Buffer.from(bytes).toString("base64"),
    ]);
    const args = ["-e", SEND_SCRIPT, JSON.stringify(encoded)];
    const result = await sandbox?.exec(phoneNamespace, process.execPath, args);
    expect(result?.stderr).toBe("");
    expect(result?.code).toBe(0);
  }

  it("delivers MGCP to port 2427 with the exact UDP payload, stamped by the injected clock", async () => {
    const { handle, frames } = capture();
    expect(handle.linkType).toBe(LINKTYPE.ETHERNET);
    expect(handle.interfaceName).toBe(host.name);
    expect(handle.filter).toBe(mgcpFilter(LINKTYPE.ETHERNET));

    const payload = mgcpText(1001);
    await send([[CALL_AGENT_IP, 2427, payload]]);
    await waitFor("the MGCP frame", () => frames.length >= 1);

    const [frame] = frames;
    expect(frame?.linkType).toBe(LINKTYPE.ETHERNET);
    expect(frame?.timestampMs).toBe(FAKE_NOW);
    expect(frame?.originalLength).toBe(frame?.data.length);
    const udp = decodeUdp(frame?.data ?? new Uint8Array());
    expect(udp).toMatchObject({ vlans: [], src: PHONE_IP, dst: CALL_AGENT_IP, dstPort: 2427 });
    expect(Array.from(udp?.payload ?? [])).toEqual(Array.from(payload));
    expect(handle.stats()).toEqual({ frames: 1, truncated: 0 });
  });

  it("does not deliver UDP to other ports (the filter runs in the kernel)", async () => {
    const { frames } = capture();
    // Same socket, same veth, in order: once the marker is here, the 9999 one was not let in.
    await send([
      [CALL_AGENT_IP, 9999, mgcpText(1)],
      [CALL_AGENT_IP, 2727, mgcpText(1002)],
    ]);
    await waitFor("the marker frame", () => frames.length >= 1);
    expect(frames.map((frame) => decodeUdp(frame.data)?.dstPort)).toEqual([2727]);
  });

  it("delivers every fragment of a datagram larger than the MTU", async () => {
    const { frames } = capture();
    const payload = new Uint8Array(3000).map((_, index) => index % 251);
    await send([[CALL_AGENT_IP, 2427, payload]]);
    // 3008 bytes of UDP over a 1500-byte MTU: 1480 + 1480 + 48.
    await waitFor("three fragments", () => frames.length >= 3);
    const fragmentOffsets = frames.map((frame) => new DataView(frame.data.buffer).getUint16(20));
    expect(fragmentOffsets.map((field) => field & 0x1fff)).toEqual([0, 185, 370]);
  });

  it("delivers 802.1Q-tagged MGCP to a capture on the untagged parent", async () => {
    const { frames } = capture();
    const payload = mgcpText(1003);
    await sandbox?.injectFrames(phone, [phoneFrame([[0x8100, 7]], 2427, payload)]);
    await waitFor("the tagged frame", () => frames.length >= 1);
    const udp = decodeUdp(frames[0]?.data ?? new Uint8Array());
    expect(udp).toMatchObject({ vlans: [7], src: PHONE_IP, dstPort: 2427 });
    expect(Array.from(udp?.payload ?? [])).toEqual(Array.from(payload));
  });

  it("delivers QinQ (802.1ad 100 + 802.1Q 8) MGCP and fragments, not other ports", async () => {
    const { frames } = capture();
    const qinq: VlanTag[] = [
      [0x88a8, 100],
      [0x8100, 8],
    ];
    const payload = mgcpText(1004);
    const fragment = phoneFrame(qinq, 2727, mgcpText(3));
    // Turn it into a non-first fragment: offset 185 (x 8 bytes), so no UDP header to match.
    new DataView(fragment.buffer).setUint16(14 + 8 + 6, 185);
    await sandbox?.injectFrames(phone, [
      phoneFrame(qinq, 9999, mgcpText(2)),
      fragment,
      phoneFrame(qinq, 2427, payload),
    ]);
    await waitFor("the double-tagged frames", () => frames.length >= 2);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.data).toEqual(fragment);
    const udp = decodeUdp(frames[1]?.data ?? new Uint8Array());
    expect(udp).toMatchObject({ vlans: [100, 8], src: PHONE_IP, dstPort: 2427 });
    expect(Array.from(udp?.payload ?? [])).toEqual(Array.from(payload));
  });

  it("with a MAC restriction, delivers only that MAC's frames, tagged too", async () => {
    const phoneOnly = capture({
      filter: (linkType) => buildCaptureFilter({ udpPorts: [2427], mac: PHONE_MAC, linkType }),
    });
    const otherOnly = capture({
      filter: (linkType) =>
        buildCaptureFilter({ udpPorts: [2427], mac: "00:00:5e:00:53:99", linkType }),
    });
    await sandbox?.injectFrames(phone, [phoneFrame([[0x8100, 7]], 2427, mgcpText(1005))]);
    await waitFor("the phone's frame", () => phoneOnly.frames.length >= 1);
    // Both sockets saw the frame at the same moment; give the other one time to misbehave.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(otherOnly.frames).toHaveLength(0);
  });

  it("cuts frames to snapLength and counts them as truncated", async () => {
    const { handle, frames } = capture({ snapLength: 64 });
    const payload = new Uint8Array(300).fill(0x41);
    await send([[CALL_AGENT_IP, 2427, payload]]);
    await waitFor("the long frame", () => frames.length >= 1);
    expect(frames[0]?.data.length).toBe(64);
    expect(frames[0]?.originalLength).toBeGreaterThan(64);
    expect(handle.stats()).toEqual({ frames: 1, truncated: 1 });
  });

  it("delivers nothing after close(), which may be called twice", async () => {
    const closed = capture();
    const witness = capture();
    closed.handle.close();
    closed.handle.close();
    await send([[CALL_AGENT_IP, 2427, mgcpText(1006)]]);
    await waitFor("the witness frame", () => witness.frames.length >= 1);
    expect(closed.frames).toHaveLength(0);
    expect(closed.handle.stats().frames).toBe(0);
  });

  it("captures on the any device (Linux cooked) with a filter built for its link type", async () => {
    const { handle, frames } = capture({ interfaceName: "any" });
    expect(handle.linkType).toBe(LINKTYPE.LINUX_SLL);
    expect(handle.filter).not.toContain("vlan");
    const payload = mgcpText(1007);
    await send([[CALL_AGENT_IP, 2427, payload]]);
    const endsWithPayload = (frame: CapturedFrame) =>
      Buffer.from(frame.data).subarray(-payload.length).equals(payload);
    await waitFor("the frame on any", () => frames.some(endsWithPayload));
    expect(frames.find(endsWithPayload)?.linkType).toBe(LINKTYPE.LINUX_SLL);
  });

  it("reports an unknown interface with the available ones", () => {
    const missing = sandbox?.newName() ?? "missing0";
    const result = openLiveCapture({ interfaceName: missing, filter: "udp", onFrame: () => {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe("no-such-interface");
    expect(result.message).toMatch(new RegExp(`^unknown interface ${missing}; available: `));
    expect(result.message).toContain(host.name);
    expect(result.message).toContain("lo");
    expect(listInterfaces()).toContain(host.name);
  });

  it("reports a filter libpcap cannot compile as bad-filter", () => {
    const result = openLiveCapture({
      interfaceName: host.name,
      filter: "udp port ((2427",
      bufferSize: 64 * 1024,
      onFrame: () => {},
    });
    expect(result).toMatchObject({ ok: false, reason: "bad-filter" });
    if (!result.ok) expect(result.message).toContain("udp port ((2427");
  });

  it("reports a filter builder that rejects the link type as bad-filter", () => {
    const result = openLiveCapture({
      interfaceName: "any",
      filter: (linkType) => buildCaptureFilter({ udpPorts: [2427], mac: PHONE_MAC, linkType }),
      onFrame: () => {},
    });
    expect(result).toMatchObject({ ok: false, reason: "bad-filter" });
    if (!result.ok) expect(result.message).toMatch(/MAC restriction needs an Ethernet interface/);
  });

  it("reports missing privileges as permission, naming the capabilities", async () => {
    // The same call from an unprivileged child process (uid/gid 65534, no capabilities).
    const module = pathToFileURL(builtModule("io/liveCapture.js")).href;
    const script = `import("${module}").then(({ openLiveCapture }) => {
      const result = openLiveCapture({ interfaceName: "lo", filter: "udp", onFrame() {} });
      process.stdout.write(JSON.stringify(result));
    });`;
    const result = await runCommand("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      "-e",
      script,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const failure = JSON.parse(result.stdout) as { reason: string; message: string };
    expect(failure.reason).toBe("permission");
    expect(failure.message).toMatch(/needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities/);
  });

  it("removes what a crashed earlier run left behind (its PID is gone)", async () => {
    const exited = await runCommand("sh", ["-c", "echo $$"]);
    const deadTag = `vci${exited.stdout.trim()}z`;
    await runCommand("ip", ["netns", "add", `${deadTag}-0`]);
    await runCommand("ip", ["link", "add", `${deadTag}-1`, "type", "veth", "peer", `${deadTag}-2`]);
    const removed = await removeStaleSandboxes("vci");
    expect(removed).toEqual(expect.arrayContaining([`${deadTag}-0`, `${deadTag}-1`]));
    expect(await listNamespaces()).not.toContain(`${deadTag}-0`);
    expect(await listLinks()).not.toContain(`${deadTag}-1`);
    expect(await listLinks()).toContain(host.name); // ours: alive
  });

  it("removes every namespace and interface it created", async () => {
    if (sandbox === undefined) throw new Error("sandbox was not created");
    await sandbox.cleanup();
    expect(await sandbox.leftovers()).toEqual({ namespaces: [], links: [] });
    expect(listInterfaces().filter((name) => name.startsWith(sandbox?.tag ?? "?"))).toEqual([]);
  });
});
