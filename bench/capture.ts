/**
 * Benchmark (a report, not a timed test): what capturing in a process of its own costs.
 * Since the capture survives its interface going away, its frames come from tcpdump writing
 * pcap to a pipe (capture/startCapture.ts, capture/tcpdumpCapture.ts) instead of from cap in the
 * program itself. This sends MGCP datagrams from a call agent's network namespace over a veth
 * pair to the interface captured here, and measures both ways of capturing, the compiled
 * program's own modules:
 *
 *   in-process  openLiveCapture in this process (how 0.1 captured)
 *   tcpdump     startCapture: tcpdump -w -, its pcap read here chunk by chunk
 *
 * Every frame is fed to the real CallerIdPipeline (MGCP parsed), and tcpdump captures the
 * same traffic on the same interface side by side, as the peer whose count is the reference:
 *   1. latency at a signalling load: 1,000 datagrams at 200/s, each carrying its send time
 *      (CLOCK_MONOTONIC, the same clock in every process here), to the moment the pipeline
 *      has parsed it: p50 / p99 / max;
 *   2. a burst: BENCH_CAPTURE_PACKETS (default 20,000) datagrams at BENCH_CAPTURE_RATE per
 *      second (default 10,000, 0 = as fast as the sender goes; beyond what the receiving
 *      kernel queues, about 1,000 frames, datagrams are lost before any capture sees them, so
 *      tcpdump's count is the reference, not the number sent): parsed / sent, tcpdump's count,
 *      the ratio of ours to tcpdump's, and the rate from the first to the last frame parsed.
 * Three rounds, the two ways taking turns; the medians close the report, with the capturing
 * tcpdump's resident memory (VmHWM, its peak) after each burst. Other load on the machine skews
 * every number; the report says how busy it was before.
 *
 *   npm run bench:capture      (builds first; needs root, iproute2 and tcpdump)
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CaptureSettings, RunningCapture } from "../src/capture/startCapture.js";
import type { Frame } from "../src/core/capture/frame.js";
import { CallerIdPipeline } from "../src/core/pipeline.js";
import type { LiveCaptureOptions, LiveCaptureResult } from "../src/io/liveCapture.js";
import { NetworkSandbox } from "../test/support/netns.js";
import { childPids } from "../test/support/processes.js";
import { machineBusyOver } from "./bridge/processes.js";
import { median, percentile } from "./statistics.js";

const CA = { ip: "192.0.2.1", cidr: "192.0.2.1/24" };
const ATA = { ip: "192.0.2.10", mac: "00:90:f8:00:00:10" };
const FILTER = "udp port 2427";
const PROJECT_ROOT = fileURLToPath(new URL("../", import.meta.url));
const BURST = Number(process.env.BENCH_CAPTURE_PACKETS ?? 20_000);
const BURST_RATE = Number(process.env.BENCH_CAPTURE_RATE ?? 10_000);
const ROUNDS = 3;
const PACED = { count: 1000, perSecond: 200 };

/**
 * argv: count, per second (0: as fast as it goes). Each datagram is an MGCP NTFY whose
 * transaction id is its number and whose last line carries its send time in ns.
 */
const SENDER = `
const socket = require("node:dgram").createSocket("udp4");
const [count, perSecond] = process.argv.slice(1).map(Number);
const gap = perSecond > 0 ? 1e9 / perSecond : 0;
socket.bind(2727, async () => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (gap > 0) while (Number(process.hrtime.bigint() - start) < i * gap) await new Promise(setImmediate);
    const text = "NTFY " + (1000 + i) + " aaln/1@ata.example MGCP 1.0\\nX: 1\\nO: L/hd\\n; sent " + process.hrtime.bigint() + "\\n";
    await new Promise((done) => socket.send(text, 2427, "${ATA.ip}", done));
  }
  socket.close();
});`;

type Way = "in-process" | "tcpdump";

interface Trial {
  readonly sent: number;
  readonly parsed: number;
  readonly tcpdump: number;
  readonly latenciesMs: number[];
  readonly rate: number;
  /** VmHWM of the capturing tcpdump (not the peer), kB; 0 for the in-process way. */
  readonly captureKb: number;
}

const built = (path: string) => pathToFileURL(join(PROJECT_ROOT, "dist", path)).href;
const { openLiveCapture } = (await import(built("io/liveCapture.js"))) as {
  openLiveCapture: (options: LiveCaptureOptions) => LiveCaptureResult;
};
const { startCapture } = (await import(built("capture/startCapture.js"))) as {
  startCapture: (settings: CaptureSettings) => RunningCapture;
};

const decoder = new TextDecoder();

/** Captures on `name` the chosen way; every frame goes through the pipeline. */
async function capture(way: Way, name: string, onFrame: (frame: Frame) => void) {
  if (way === "in-process") {
    const opened = openLiveCapture({ interfaceName: name, filter: FILTER, onFrame });
    if (!opened.ok) throw new Error(opened.message);
    return { stop: async () => opened.handle.close() };
  }
  const running = startCapture({
    interfaceName: name,
    filter: () => FILTER,
    onFrame,
    log: { info: () => {}, warn: console.warn, error: console.error },
  });
  const first = await running.settled;
  if (first.state !== "capturing") throw new Error(`tcpdump: ${first.state} ${first.detail}`);
  return { stop: () => running.stop() };
}

async function tcpdump(sandbox: NetworkSandbox, name: string) {
  const child: ChildProcess = sandbox.spawn(null, "tcpdump", [
    "-i",
    name,
    "-n",
    "--immediate-mode",
    "-w",
    "/dev/null",
    ...FILTER.split(" "),
  ]);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  while (!stderr.includes("listening on")) await sleep(20);
  return async () => {
    const closed = new Promise((resolve) => child.once("close", resolve));
    child.kill("SIGINT");
    await closed;
    return Number(/(\d+) packets? captured/.exec(stderr)?.[1] ?? Number.NaN);
  };
}

async function trial(
  sandbox: NetworkSandbox,
  namespace: string,
  name: string,
  way: Way,
  count: number,
  perSecond: number,
): Promise<Trial> {
  const pipeline = new CallerIdPipeline();
  const latenciesMs: number[] = [];
  let firstAt = 0n;
  let lastAt = 0n;
  const running = await capture(way, name, (frame) => {
    pipeline.handleFrame(frame);
    const now = process.hrtime.bigint();
    if (firstAt === 0n) firstAt = now;
    lastAt = now;
    const sentAt = /; sent (\d+)/.exec(decoder.decode(frame.data))?.[1];
    if (sentAt !== undefined) latenciesMs.push(Number(now - BigInt(sentAt)) / 1e6);
  });
  const stopTcpdump = await tcpdump(sandbox, name);
  const sent = await sandbox.exec(namespace, process.execPath, [
    "-e",
    SENDER,
    String(count),
    String(perSecond),
  ]);
  if (sent.code !== 0) throw new Error(`sender: ${sent.stderr}`);
  // Whatever is still in flight: until nothing new has come for half a second.
  for (let seen = -1; seen !== latenciesMs.length; ) {
    seen = latenciesMs.length;
    await sleep(500);
  }
  const captureKb = way === "tcpdump" ? capturingTcpdumpPeakKb() : 0;
  await running.stop();
  const tcpdumpCount = await stopTcpdump();
  const seconds = Number(lastAt - firstAt) / 1e9;
  return {
    sent: count,
    parsed: pipeline.stats.mgcpMessages,
    tcpdump: tcpdumpCount,
    latenciesMs,
    rate: seconds > 0 ? (latenciesMs.length - 1) / seconds : 0,
    captureKb,
  };
}

/** VmHWM of this process's child that writes pcap to its stdout (`-w -`): the capture's tcpdump. */
function capturingTcpdumpPeakKb(): number {
  for (const pid of childPids(process.pid)) {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv[0]?.endsWith("tcpdump") && argv.includes("-w") && argv.includes("-")) {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
  }
  return 0;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const capturing = (mb: number) => (mb > 0 ? `; capturing tcpdump ${mb.toFixed(1)} MB VmHWM` : "");

interface Figures {
  p50: number;
  p99: number;
  burstRate: number;
  ratio: number;
  captureMb: number;
}

async function measure(
  sandbox: NetworkSandbox,
  callAgent: string,
  name: string,
  way: Way,
): Promise<Figures> {
  const paced = await trial(sandbox, callAgent, name, way, PACED.count, PACED.perSecond);
  const l = paced.latenciesMs;
  const figures = {
    p50: percentile(l, 0.5),
    p99: percentile(l, 0.99),
    burstRate: 0,
    ratio: 0,
    captureMb: 0,
  };
  console.log(
    `${way.padEnd(10)} ${PACED.count} at ${PACED.perSecond}/s: latency p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)}, max ${ms(Math.max(...l))}; parsed ${paced.parsed}/${paced.sent}, tcpdump ${paced.tcpdump}`,
  );
  const burst = await trial(sandbox, callAgent, name, way, BURST, BURST_RATE);
  figures.burstRate = burst.rate;
  figures.ratio = burst.parsed / burst.tcpdump;
  figures.captureMb = burst.captureKb / 1024;
  console.log(
    `${way.padEnd(10)} ${BURST} at ${BURST_RATE || "max"}/s: parsed ${burst.parsed}/${burst.sent} at ${Math.round(burst.rate)}/s, tcpdump ${burst.tcpdump}, ours/tcpdump ${figures.ratio.toFixed(4)}${capturing(figures.captureMb)}; latency p50 ${ms(percentile(burst.latenciesMs, 0.5))}, p99 ${ms(percentile(burst.latenciesMs, 0.99))}`,
  );
  return figures;
}

async function main(): Promise<void> {
  const busy = await machineBusyOver(1000);
  console.log(
    `capture benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), Linux ${release()}, Node ${process.version}; machine ${(busy * 100).toFixed(0)} % busy before start`,
  );
  const sandbox = await NetworkSandbox.create("vbc");
  try {
    const callAgent = await sandbox.addNamespace();
    const [here, peer] = await sandbox.addVethPair({ peerNamespace: callAgent });
    await sandbox.setMac(here, ATA.mac);
    await sandbox.addAddress(peer, CA.cidr);
    await sandbox.addNeighbor(peer, ATA.ip, ATA.mac);
    await sandbox.setUp(peer);
    await sandbox.setUp(here);
    const results: Record<Way, Figures[]> = { "in-process": [], tcpdump: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      for (const way of ["in-process", "tcpdump"] as const) {
        results[way].push(await measure(sandbox, callAgent, here.name, way));
      }
    }
    console.log(`medians of ${ROUNDS} rounds:`);
    for (const way of ["in-process", "tcpdump"] as const) {
      const of = (key: keyof Figures) => median(results[way].map((figures) => figures[key]));
      console.log(
        `${way.padEnd(10)} latency p50 ${ms(of("p50"))}, p99 ${ms(of("p99"))}; burst ${Math.round(of("burstRate"))}/s, ours/tcpdump ${of("ratio").toFixed(4)}${capturing(of("captureMb"))}`,
      );
    }
  } finally {
    await sandbox.cleanup();
  }
}

await main();
