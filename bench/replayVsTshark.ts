/**
 * Benchmark (a report, not a timed test): caller-id extraction from a ≥ 1,000,000-packet
 * capture — mostly RTP, with MGCP calls mixed in — by `voip-callerid replay`, against
 * `tshark -r FILE -Y mgcp -T fields -e mgcp.param.signalreq` on the same file, in one run.
 *
 *   npm run bench     builds first; BENCH_PACKETS=2000000 for a larger capture,
 *                     BENCH_KEEP=path.pcap to keep the generated capture there
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { udpFrame } from "../test/support/frameBuilder.js";
import { writeMixedCapture } from "./mixedCapture.js";
import { median, timed } from "./statistics.js";

const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const CALL_EVERY = 5_000; // packets between the starts of two calls
const RUNS = 3;
const T0 = Date.parse("2026-03-14T18:00:00Z");

const GW = { ip: "192.0.2.10", mac: "00:90:f8:00:00:10" };
const CA = { ip: "192.0.2.1", mac: "02:00:5e:00:00:01" };
const FAR = { ip: "198.51.100.20", mac: "02:00:5e:00:00:01" };

function callMessages(n: number): { from: "ca" | "gw"; text: string }[] {
  const line = `aaln/${1 + (n % 2)}@mta-1.example`;
  const number = `0441${String(100000 + n).padStart(6, "0")}`;
  const tx = 10_000 + n * 10;
  return [
    {
      from: "ca",
      text: `RQNT ${tx} ${line} MGCP 1.0\nX: ${tx}\nR: L/hd(N)\nS: L/rg,L/ci(03/14/19/00,"${number}","Caller ${n}")\n`,
    },
    { from: "gw", text: `200 ${tx} OK\n` },
    { from: "gw", text: `NTFY ${tx + 1} ${line} MGCP 1.0\nX: ${tx}\nO: L/hd\n` },
    { from: "ca", text: `200 ${tx + 1} OK\n` },
    { from: "ca", text: `RQNT ${tx + 2} ${line} MGCP 1.0\nX: ${tx + 2}\nR: L/hu(N)\nS: \n` },
    { from: "gw", text: `200 ${tx + 2} OK\n` },
    { from: "gw", text: `NTFY ${tx + 3} ${line} MGCP 1.0\nX: ${tx + 2}\nO: L/hu\n` },
    { from: "ca", text: `200 ${tx + 3} OK\n` },
    { from: "ca", text: `DLCX ${tx + 4} ${line} MGCP 1.0\nC: ${n.toString(16)}\n` },
    {
      from: "gw",
      text: `250 ${tx + 4} OK\nP: PS=1000, OS=160000, PR=1000, OR=160000, PL=0, JI=10, LA=20\n`,
    },
  ];
}

/** Writes the capture; returns how many calls (each one caller id) it holds. */
function generate(path: string): number {
  return writeMixedCapture(path, {
    packets: PACKETS,
    callEvery: CALL_EVERY,
    t0: T0,
    adapter: GW,
    farEnd: FAR,
    callFrames: (n) =>
      callMessages(n).map(({ from, text }) => {
        const [src, dst] = from === "ca" ? [CA, GW] : [GW, CA];
        const [srcPort, dstPort] = from === "ca" ? [2727, 2427] : [2427, 2727];
        return udpFrame({
          src: src.ip,
          dst: dst.ip,
          srcPort,
          dstPort,
          payload: text,
          srcMac: src.mac,
          dstMac: dst.mac,
        });
      }),
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "voip-callerid-bench-"));
  const file = process.env.BENCH_KEEP ?? join(dir, "mixed.pcap");
  try {
    const generated = timed(() => generate(file));
    const sizeMb = statSync(file).size / 1e6;
    console.log(
      `capture: ${PACKETS.toLocaleString("en")} packets, ${sizeMb.toFixed(0)} MB, ${generated.value} calls (written in ${(generated.ms / 1000).toFixed(1)} s)`,
    );

    // In-process, in a fresh process of its own: throughput and memory of the built code.
    const child = spawnSync(process.execPath, ["bench/replayInProcess.mjs", file, String(RUNS)], {
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`in-process replay failed: ${child.stderr}`);
    const runs = JSON.parse(child.stdout) as {
      ms: number;
      frames: number;
      ringing: number;
      rssBefore: number;
      rssPeak: number;
      rssAfter: number;
    }[];
    const inProcess = runs.map((r) => r.ms);
    const ringing = runs[0]?.ringing ?? 0;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    const first = runs[0];
    const last = runs.at(-1);

    // Whole processes, as a user runs them: our CLI and tshark on the same file.
    const cli = [];
    let cliEvents = 0;
    for (let run = 0; run < RUNS; run++) {
      const { ms, value } = timed(() =>
        spawnSync(process.execPath, ["dist/main.js", "replay", file], {
          encoding: "utf8",
          maxBuffer: 1 << 28,
        }),
      );
      if (value.status !== 0) throw new Error(`replay failed: ${value.stderr}`);
      cliEvents = value.stdout.split("\n").filter((l) => l.includes('"type":"ringing"')).length;
      cli.push(ms);
    }
    const tshark = timed(() =>
      spawnSync(
        "tshark",
        ["-r", file, "-Y", "mgcp", "-T", "fields", "-e", "mgcp.param.signalreq"],
        { encoding: "utf8", maxBuffer: 1 << 28 },
      ),
    );
    if (tshark.value.status !== 0) throw new Error(`tshark failed: ${tshark.value.stderr}`);
    const tsharkCallerIds = tshark.value.stdout.split("\n").filter((l) => l.includes("ci(")).length;

    const ourMs = median(inProcess);
    const cliMs = median(cli);
    console.log(
      `replay (in-process, median of ${RUNS}): ${ourMs.toFixed(0)} ms, ${(((PACKETS / ourMs) * 1000) / 1e6).toFixed(2)} M packets/s, ${ringing} caller ids`,
    );
    if (first && last) {
      console.log(
        `replay resident memory: ${mb(first.rssBefore)} MB before the first run, peak ${mb(first.rssPeak)} MB during it ` +
          `(growth ${mb(first.rssPeak - first.rssBefore)} MB, target < 10 MB); ${mb(last.rssAfter)} MB after run ${runs.length} ` +
          `(growth over all ${runs.length} runs ${mb(last.rssAfter - first.rssBefore)} MB)`,
      );
    }
    console.log(
      `voip-callerid replay (whole process, median of ${RUNS}): ${cliMs.toFixed(0)} ms, ${cliEvents} caller ids`,
    );
    console.log(
      `tshark -Y mgcp -e mgcp.param.signalreq (whole process): ${tshark.ms.toFixed(0)} ms, ${tsharkCallerIds} signal lists with ci(`,
    );
    console.log(
      `ratio tshark / voip-callerid: ${(tshark.ms / cliMs).toFixed(1)}x whole process, ${(tshark.ms / ourMs).toFixed(1)}x in-process (target >= 20x)`,
    );
    if (cliEvents !== generated.value || tsharkCallerIds !== generated.value) {
      console.log(
        `WARNING: caller ids differ: generated ${generated.value}, replay ${cliEvents}, tshark ${tsharkCallerIds}`,
      );
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
