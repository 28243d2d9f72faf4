/**
 * Benchmark (a report, not a timed test): resident memory of the built program replaying a
 * large capture file, for `replay FILE` and for the daemon's `run --replay FILE --speed 0`
 * (without Home Assistant or MQTT: the memory in question is the file's). The capture is
 * generated into /tmp — MGCP calls among RTP-sized filler datagrams, as a long capture of a
 * home's line looks — and deleted afterwards.
 *
 *   npm run bench:replay-memory            (REPLAY_MB=500 by default; target ≤ 80 MB)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { DAEMON_NODE_FLAGS, MEMORY_ENVIRONMENT } from "../src/nodeFlags.js";
import { udpFrame } from "../test/support/frameBuilder.js";
import { PcapFileWriter } from "../test/support/pcapWriter.js";

const TARGET_MB = Number(process.env.REPLAY_MB ?? 500);
/** A call every this many filler frames. */
const FILLER_PER_CALL = 2000;

const mgcp = (text: string, at: number) => ({
  data: udpFrame({
    src: "192.0.2.1",
    dst: "192.0.2.10",
    srcPort: 2727,
    dstPort: 2427,
    payload: text,
  }),
  timestampMs: at,
});

/** Writes the capture; returns its number of calls. */
function writeCapture(path: string): number {
  const writer = new PcapFileWriter(path);
  const filler = udpFrame({
    src: "192.0.2.10",
    dst: "198.51.100.7",
    srcPort: 16384,
    dstPort: 20000,
    payload: "x".repeat(172), // a 20 ms G.711 RTP packet's size
  });
  const start = Date.parse("2026-11-29T08:00:00Z");
  let at = start;
  let bytes = 24;
  let calls = 0;
  const line = "aaln/1@mta.example";
  while (bytes < TARGET_MB * 1e6) {
    const number = `0441${String(calls % 1_000_000).padStart(6, "0")}`;
    const ring = mgcp(
      `RQNT ${1000 + calls} ${line} MGCP 1.0\nX: 1\nR: L/hd(N)\nS: L/rg,L/ci(11/29/09/00,"${number}",)\n`,
      at,
    );
    writer.write(ring);
    bytes += 16 + ring.data.length;
    for (let i = 0; i < FILLER_PER_CALL; i += 1) {
      at += 20;
      writer.write({ data: filler, timestampMs: at });
      bytes += 16 + filler.length;
    }
    const stop = mgcp(`RQNT ${500_000 + calls} ${line} MGCP 1.0\nX: 2\nR: L/hd(N)\nS: \n`, at);
    writer.write(stop);
    bytes += 16 + stop.data.length;
    at += 1000;
    calls += 1;
  }
  writer.close();
  return calls;
}

/** Runs the built program; samples VmHWM (peak) and VmRSS every 10 ms until it exits. */
function residentMemory(args: string[]): Promise<{ peakMb: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Started as addon/run.sh starts the add-on (src/nodeFlags.ts), with TZ as the Supervisor
    // sets it.
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, "dist/main.js", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { TZ: "Europe/Zurich", ...process.env, ...MEMORY_ENVIRONMENT },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // The process has just exited.
      }
    }, 10);
    child.on("exit", (code) => {
      clearInterval(sample);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ peakMb: peakKb / 1024, seconds });
      else reject(new Error(`${args[0]} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync("/tmp/voip-callerid-bench-replay-");
  try {
    const capture = `${dir}/large.pcap`;
    const calls = writeCapture(capture);
    const sizeMb = statSync(capture).size / 1e6;
    console.log(`capture: ${sizeMb.toFixed(0)} MB, ${calls} calls among RTP-sized filler`);

    const replay = await residentMemory(["replay", capture]);
    console.log(
      `replay FILE:               peak resident ${replay.peakMb.toFixed(0)} MB in ${replay.seconds.toFixed(0)} s (target ≤ 80 MB)`,
    );

    writeFileSync(
      `${dir}/options.json`,
      JSON.stringify({ data_dir: `${dir}/data`, log_level: "warning" }),
    );
    const run = await residentMemory([
      "run",
      "--config",
      `${dir}/options.json`,
      "--replay",
      capture,
      "--speed",
      "0",
    ]);
    console.log(
      `run --replay FILE --speed 0: peak resident ${run.peakMb.toFixed(0)} MB in ${run.seconds.toFixed(0)} s (target ≤ 80 MB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
