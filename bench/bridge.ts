/**
 * Benchmark (a report, not a timed test): the user-space MAC bridge (`voip-callerid bridge`,
 * libpcap in a worker process) against the kernel's own bridge, on the same three network
 * namespaces joined by veth pairs:
 *
 *   isp (172.16.0.1/12) ── ext [host] int ── ata (172.16.5.20/12, MAC 00:90:f8:00:00:01)
 *
 * Each bridge in turn joins ext and int in "host" (ours, then — stopped first — the kernel's,
 * `ip link add … type bridge`, the physical limit of this machine), and is measured for
 *   1. forwarding rate: the highest rate of 60-byte frames (18-byte UDP payloads) from isp to
 *      ata that crosses with at most 0.1 % loss, by bisection over 1.5-second trials counted
 *      by a receiver in ata (a rate the generator cannot exceed without loss is a lower bound,
 *      marked generator-bound: so it is for the kernel bridge, whose work is done on the
 *      sender's CPU); the bridge's own counters then say whether frames were lost before its
 *      worker saw them (capture ring) or after;
 *   2. round-trip time at VoIP load: two 50-packet/s streams of 172-byte payloads (an RTP
 *      G.711 packet every 20 ms) from isp to a reflector in ata, which sends each one back
 *      through the bridge, so every sample crosses it twice; p50 / p99 over 20 s (2,000
 *      samples).
 * Traffic comes from a small C program (bench/bridge/udpload.c: sendmmsg / recvmmsg), compiled
 * at start with `cc -O2`, because a Node sender is slower than what it would measure. Other
 * load on the machine skews every number here; the report says how busy it was before start.
 *
 *   npm run bench:bridge      (builds first; needs root, a C compiler, iproute2 and ethtool)
 *   BENCH_BRIDGE_PROGRAM=/elsewhere/dist/main.js npx tsx bench/bridge.ts   (another build)
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { BridgeCounters } from "../src/core/bridge/bridgeCore.js";
import type { BridgeStatus } from "../src/core/bridge/bridgeStatus.js";
import { type Link, NetworkSandbox, runChecked } from "../test/support/netns.js";
import {
  childrenOf,
  compileHelper,
  cpuSeconds,
  lineReader,
  machineBusyOver,
  machineTicks,
  stopProcess,
  sum,
  withTimeout,
} from "./bridge/processes.js";
import { percentile } from "./statistics.js";

const ISP = { ip: "172.16.0.1", cidr: "172.16.0.1/12", mac: "02:00:00:00:0a:01" };
const ATA = { ip: "172.16.5.20", cidr: "172.16.5.20/12", mac: "00:90:f8:00:00:01" };
const COUNT_PORT = 9000;
const REFLECT_PORT = 9001;
/** 14 Ethernet + 20 IPv4 + 8 UDP + 18 = 60 bytes, the shortest frame without padding. */
const SMALL_PAYLOAD = 18;
const TRIAL_SECONDS = 1.5;
/** What a trial may lose and still pass: one frame in a thousand. */
const LOSS_TOLERANCE = 0.001;
/** Bisection stops when the failing rate is within this factor of the passing one. */
const PRECISION = 1.02;
const MAX_TRIALS = 14;
/** Below this the search gives up: a bridge that cannot forward it is broken, not slow. */
const MIN_RATE = 1000;
const RTP = { flows: 2, ppsPerFlow: 50, payload: 172, seconds: 20 };
/** The program whose bridge is measured: this checkout's build unless told otherwise. */
const PROGRAM = process.env.BENCH_BRIDGE_PROGRAM ?? "dist/main.js";
/** The bridge's status interval (--status-interval), in seconds. */
const STATUS_SECONDS = 1;

interface Trial {
  /** Rate asked of the generator (0: flat out). */
  readonly target: number;
  /** Rate the generator actually sent at. */
  readonly offered: number;
  readonly sent: number;
  readonly received: number;
  readonly loss: number;
  /** The bridge worker's CPU time over the trial, as a share of one core; null: kernel. */
  readonly workerCpu: number | null;
  /** Busy share of all cores, from /proc/stat (softirq included). */
  readonly machineBusy: number;
}

interface Forwarding {
  readonly rate: number;
  /** The generator could not send faster, and the bridge lost nothing even then. */
  readonly generatorBound: boolean;
  readonly atRate: Trial;
  readonly flatOut: Trial;
  readonly trials: readonly Trial[];
}

interface Latency {
  /** Round-trip times, ms. */
  readonly rtts: number[];
  readonly sent: number;
  readonly received: number;
}

interface Measured {
  readonly forwarding: Forwarding;
  readonly latency: Latency;
}

/** The project's bridge, running; `status` is its latest JSON status line. */
interface OurBridge {
  readonly child: ChildProcess;
  readonly workerPid: number;
  status(): BridgeStatus;
}

const thousands = (n: number) => Math.round(n).toLocaleString("en-US");
const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %`;

class Bench {
  constructor(
    /** Where the generator and the prober run. */
    private readonly isp: string,
    private readonly udpload: string,
    private readonly counterTotal: () => Promise<number>,
  ) {}

  /** One trial: `rate` datagrams a second (0: flat out) for TRIAL_SECONDS, isp → ata. */
  async trial(rate: number, workerPid: number | null): Promise<Trial> {
    const before = await this.counterTotal();
    const cpuBefore = workerPid === null ? 0 : cpuSeconds(workerPid);
    const [busyBefore, totalBefore] = machineTicks();
    const wallBefore = performance.now();
    const blast = await runChecked(
      "ip",
      [
        ...["netns", "exec", this.isp, this.udpload, "blast", ATA.ip, String(COUNT_PORT)],
        ...[String(SMALL_PAYLOAD), String(Math.round(rate)), String(TRIAL_SECONDS)],
      ],
      { timeoutMs: 30_000 },
    );
    const wall = (performance.now() - wallBefore) / 1000;
    const cpu = workerPid === null ? null : (cpuSeconds(workerPid) - cpuBefore) / wall;
    const [busyAfter, totalAfter] = machineTicks();
    // Whatever still waits in a capture ring or a socket crosses within this.
    await sleep(300);
    const received = (await this.counterTotal()) - before;
    const match = /sent (\d+) ns (\d+)/.exec(blast.stdout);
    if (match === null) throw new Error(`unexpected generator output: ${blast.stdout}`);
    const sent = Number(match[1]);
    return {
      target: rate,
      offered: sent / (Number(match[2]) / 1e9),
      sent,
      received,
      loss: sent === 0 ? 0 : Math.max(0, sent - received) / sent,
      workerCpu: cpu,
      machineBusy: (busyAfter - busyBefore) / Math.max(1, totalAfter - totalBefore),
    };
  }

  /**
   * The highest rate that passes, by bisection between 0 (passes) and the generator flat out
   * (fails, unless the bridge keeps up with the generator). The last passing rate is tried
   * once more, and lowered by 5 % until it passes again, so one lucky trial cannot set it.
   */
  async forwarding(workerPid: number | null): Promise<Forwarding> {
    const trials: Trial[] = [];
    const run = async (rate: number) => {
      const t = await this.trial(rate, workerPid);
      trials.push(t);
      const cpu = t.workerCpu === null ? "" : `, worker CPU ${percent(t.workerCpu)}`;
      console.log(
        `    ${t.target === 0 ? "flat out" : `${thousands(t.target)} pps`}: sent ${thousands(t.offered)} pps, loss ${percent(t.loss)}${cpu}, machine ${percent(t.machineBusy)} busy`,
      );
      return t;
    };
    const flatOut = await run(0);
    if (flatOut.loss <= LOSS_TOLERANCE) {
      return { rate: flatOut.offered, generatorBound: true, atRate: flatOut, flatOut, trials };
    }
    let low: Trial | null = null;
    let high = flatOut.offered;
    // What crossed while flooded is a good first guess at what crosses without loss.
    let next = (flatOut.received / flatOut.sent) * flatOut.offered * 0.9;
    while (
      trials.length < MAX_TRIALS &&
      (low === null ? next >= MIN_RATE : high / low.offered > PRECISION)
    ) {
      const t = await run(next);
      // A target the generator fell short of is judged at the rate it did send.
      if (t.loss <= LOSS_TOLERANCE) low = t;
      else high = Math.min(high, t.offered);
      next = ((low?.offered ?? 0) + high) / 2;
    }
    for (let confirm = 0; low !== null && confirm < 4; confirm++) {
      const t = await run(low.offered);
      if (t.loss <= LOSS_TOLERANCE) {
        return { rate: t.offered, generatorBound: false, atRate: t, flatOut, trials };
      }
      low = { ...low, offered: low.offered * 0.95 };
    }
    throw new Error(`no rate from ${thousands(MIN_RATE)} pps up crosses without loss`);
  }

  async latency(): Promise<Latency> {
    const result = await runChecked(
      "ip",
      [
        ...["netns", "exec", this.isp, this.udpload, "rtt", ATA.ip, String(REFLECT_PORT)],
        ...[String(RTP.flows), String(RTP.ppsPerFlow), String(RTP.payload), String(RTP.seconds)],
      ],
      { timeoutMs: (RTP.seconds + 30) * 1000 },
    );
    const lines = result.stdout.trim().split("\n");
    const summary = /sent (\d+) received (\d+)/.exec(lines.pop() ?? "");
    if (summary === null) throw new Error(`unexpected prober output: ${result.stdout.slice(-200)}`);
    return {
      rtts: lines.map((line) => Number(line) / 1e6),
      sent: Number(summary[1]),
      received: Number(summary[2]),
    };
  }

  /** Both measurements; `between` runs after the forwarding search, before the round trips. */
  async measure(
    workerPid: number | null,
    between?: (forwarding: Forwarding) => Promise<void>,
  ): Promise<Measured> {
    console.log("  forwarding (60-byte frames, isp → ata):");
    const forwarding = await this.forwarding(workerPid);
    await between?.(forwarding);
    console.log(
      `  round trip (${RTP.flows} × ${RTP.ppsPerFlow} pps, ${RTP.payload}-byte payloads, ${RTP.seconds} s) …`,
    );
    const latency = await this.latency();
    return { forwarding, latency };
  }
}

async function startOurBridge(
  sandbox: NetworkSandbox,
  host: string,
  external: Link,
  internal: Link,
): Promise<OurBridge> {
  const child = sandbox.spawn(
    host,
    process.execPath,
    [
      ...[PROGRAM, "bridge", "--external", external.name, "--internal", internal.name],
      ...["--mac", ATA.mac, "--no-protect-host", "--json", "--status-interval"],
      String(STATUS_SECONDS),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  let latest: BridgeStatus | null = null;
  let settled: (error?: Error) => void = () => {};
  const running = new Promise<void>((resolve, reject) => {
    settled = (error) => (error === undefined ? resolve() : reject(error));
  });
  if (child.stdout === null) throw new Error("bridge has no stdout pipe");
  createInterface({ input: child.stdout }).on("line", (line) => {
    latest = JSON.parse(line) as BridgeStatus;
    if (latest.state === "running") settled();
    if (latest.state === "failed") settled(new Error(`bridge failed: ${latest.detail}`));
  });
  child.on("exit", (code) => settled(new Error(`bridge exited (${code}): ${stderr}`)));
  await withTimeout(running, 20_000, () => `bridge to run (stderr: ${stderr})`);
  // The bridge process forks one worker, which does the forwarding.
  const [workerPid] = childrenOf(child.pid ?? -1);
  if (workerPid === undefined) throw new Error("bridge worker process not found");
  return {
    child,
    workerPid,
    status: () => {
      if (latest === null) throw new Error("no status from the bridge");
      return latest;
    },
  };
}

/**
 * Where the frames of the forwarding trials were lost: before the worker saw them (its
 * capture ring overflowed: libpcap drops silently) or after (sending, or on the way to ata).
 */
function lossReport(forwarding: Forwarding, counters: BridgeCounters): string {
  const sent = sum(forwarding.trials.map((t) => t.sent));
  const received = sum(forwarding.trials.map((t) => t.received));
  const seen = counters.toInternal + counters.dropped;
  return `  where frames went, all ${forwarding.trials.length} trials: ${thousands(sent)} sent, ${thousands(seen)} reached the bridge worker (${thousands(sent - seen)} lost before it, in the capture ring), ${thousands(counters.toInternal)} forwarded, ${thousands(received)} received in ata`;
}

function table(ours: Measured, kernel: Measured): string {
  const ms = (value: number) => value.toFixed(3);
  const rtt = (m: Measured, p: number) => ms(percentile(m.latency.rtts, p));
  const rate = (m: Measured) =>
    `${thousands(m.forwarding.rate)}${m.forwarding.generatorBound ? " (generator-bound)" : ""}`;
  const flooded = (t: Trial) =>
    `${thousands(t.offered)} / ${thousands((t.received / t.sent) * t.offered)}`;
  const rows: [string, string, string][] = [
    ["", "voip-callerid bridge", "kernel bridge"],
    ["loss-free forwarding, pps (≤ 0.1 % loss)", rate(ours), rate(kernel)],
    [
      "  flooded: generator sent / crossed, pps",
      flooded(ours.forwarding.flatOut),
      flooded(kernel.forwarding.flatOut),
    ],
    ["  at that rate: bridge worker CPU", percent(ours.forwarding.atRate.workerCpu ?? 0), "-"],
    [
      "  at that rate: machine busy (all cores)",
      percent(ours.forwarding.atRate.machineBusy),
      percent(kernel.forwarding.atRate.machineBusy),
    ],
    ["  trials", String(ours.forwarding.trials.length), String(kernel.forwarding.trials.length)],
    ["round trip p50, ms", rtt(ours, 0.5), rtt(kernel, 0.5)],
    ["round trip p99, ms", rtt(ours, 0.99), rtt(kernel, 0.99)],
    [
      "round trip max, ms",
      ms(Math.max(...ours.latency.rtts)),
      ms(Math.max(...kernel.latency.rtts)),
    ],
    [
      "  probes answered / sent",
      `${ours.latency.received} / ${ours.latency.sent}`,
      `${kernel.latency.received} / ${kernel.latency.sent}`,
    ],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  return rows
    .map(([a, b, c]) =>
      [a.padEnd(widths[0] ?? 0), b.padStart(widths[1] ?? 0), c.padStart(widths[2] ?? 0)]
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root: it builds network namespaces");
  const cpuList = cpus();
  console.log(
    `machine: ${cpuList.length} cores (${cpuList[0]?.model.trim() ?? "?"}), Linux ${release()}, Node ${process.version}`,
  );
  const background = await machineBusyOver(1000);
  console.log(
    `before start: ${percent(background)} of all cores busy${background > 0.1 ? " — WARNING: other load skews these results" : ""}`,
  );
  console.log(
    `topology: isp ${ISP.ip} ── veth ── ext [host] int ── veth ── ata ${ATA.ip} (${ATA.mac})`,
  );

  const dir = mkdtempSync(join(tmpdir(), "voip-callerid-bench-bridge-"));
  const sandbox = await NetworkSandbox.create("vcb");
  try {
    const udpload = compileHelper(dir);
    const isp = await sandbox.addNamespace();
    const host = await sandbox.addNamespace();
    const ata = await sandbox.addNamespace();
    // No IPv6: router solicitations and DAD would be frames nobody here asked for.
    for (const ns of [isp, host, ata]) {
      await sandbox.setSysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
      await sandbox.setSysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
    }
    const [ispEnd, external] = await sandbox.addVethPair({ namespace: isp, peerNamespace: host });
    const [internal, ataEnd] = await sandbox.addVethPair({ namespace: host, peerNamespace: ata });
    await sandbox.setMac(ispEnd, ISP.mac);
    await sandbox.setMac(ataEnd, ATA.mac);
    await sandbox.addAddress(ispEnd, ISP.cidr);
    await sandbox.addAddress(ataEnd, ATA.cidr);
    // A veth hands the kernel's UDP frames over with the checksum still to fill in
    // (CHECKSUM_PARTIAL); a user-space bridge passes them on unfilled, and the receiver drops
    // them. A real wire never carries such frames, so the endpoints fill them in themselves.
    for (const end of [ispEnd, ataEnd]) {
      const namespace = end.namespace ?? "";
      await runChecked("ip", ["netns", "exec", namespace, "ethtool", "-K", end.name, "tx", "off"]);
    }
    for (const link of [ispEnd, external, internal, ataEnd]) await sandbox.setUp(link);
    // Static neighbours: no ARP crossing the bridge, in either run.
    await sandbox.addNeighbor(ispEnd, ATA.ip, ATA.mac);
    await sandbox.addNeighbor(ataEnd, ISP.ip, ISP.mac);

    const counter = sandbox.spawn(ata, udpload, ["count", String(COUNT_PORT)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    sandbox.spawn(ata, udpload, ["reflect", String(REFLECT_PORT)], { stdio: "inherit" });
    const counterLine = lineReader(counter);
    const counterTotal = async () => {
      counter.stdin?.write("?\n");
      return Number(await withTimeout(counterLine(), 5000, () => "the counter to answer"));
    };
    await counterTotal(); // it is listening
    const bench = new Bench(isp, udpload, counterTotal);

    console.log(`voip-callerid bridge (${PROGRAM} bridge, in host):`);
    const started = await startOurBridge(sandbox, host, external, internal);
    let ours: Measured;
    try {
      ours = await bench.measure(started.workerPid, async (forwarding) => {
        // By then a status line counts every frame of the forwarding trials: the worker
        // reports every interval, and the command prints every interval.
        await sleep(STATUS_SECONDS * 2000 + 500);
        console.log(lossReport(forwarding, started.status().counters));
      });
    } finally {
      await stopProcess(started.child);
    }

    console.log("kernel bridge (ip link add … type bridge, in host):");
    const bridge = sandbox.newName();
    await sandbox.ip(host, ["link", "add", bridge, "type", "bridge"]);
    await sandbox.ip(host, ["link", "set", external.name, "master", bridge]);
    await sandbox.ip(host, ["link", "set", internal.name, "master", bridge]);
    await sandbox.ip(host, ["link", "set", bridge, "up"]);
    await sleep(200);
    let kernel: Measured;
    try {
      kernel = await bench.measure(null);
    } finally {
      await sandbox.ip(host, ["link", "delete", bridge]);
    }

    console.log("");
    console.log(table(ours, kernel));
    console.log("");
    const share = ours.forwarding.rate / kernel.forwarding.rate;
    console.log(
      `forwarding: ${thousands(ours.forwarding.rate)} pps (kernel bridge ${thousands(kernel.forwarding.rate)} pps${kernel.forwarding.generatorBound ? ", generator-bound: at least that" : ""}, ${(share * 100).toFixed(0)} %; target ≥ 50 %)`,
    );
    const added = (p: number) =>
      (percentile(ours.latency.rtts, p) - percentile(kernel.latency.rtts, p)).toFixed(3);
    console.log(
      `added latency (round trip, ours − kernel): p50 ${added(0.5)} ms, p99 ${added(0.99)} ms (target p99 ≤ 0.5 ms)`,
    );
  } finally {
    await sandbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
