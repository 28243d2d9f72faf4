/**
 * Soak benchmark (a report, not a timed test): the built daemon (`dist/main.js run`) capturing
 * live MGCP over real UDP on a veth between two network namespaces of its own, with a real
 * mosquitto and the Home Assistant stand-in (events and tts.speak), while its resident memory
 * is read from /proc every few seconds:
 *
 *   1. a burst: 1,000 calls in one second, peak memory until they settle;
 *   2. the soak: 10,000 calls at 20 calls/s (about 8.5 minutes), memory curve and peak.
 *
 * Each call rings one of ten configured lines with a caller id (every other caller is in the
 * phonebook) and stops ringing 250 ms later (a missed call). Needs root (namespaces).
 *
 * The daemon is started as addon/run.sh starts it (src/nodeFlags.ts); its capture is a tcpdump
 * process. Both are reported: each one's RSS, and `together`, the physical pages of both
 * counted once (both map the C library, for one; residentMemory.ts).
 *
 *   npm run bench:soak        SOAK_CALLS=… SOAK_RATE=… BURST_CALLS=… to change the figures,
 *                             DAEMON_NODE_FLAGS="…" to start the daemon with other node flags
 *                             instead ("" for none), SOAK_HEAP_SNAPSHOT=1 (with
 *                             --heapsnapshot-signal=SIGUSR2) for a heap snapshot of the daemon
 *                             at the soak's end
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { validateOptions } from "../src/config/validateOptions.js";
import { DAEMON_NODE_FLAGS, MEMORY_ENVIRONMENT } from "../src/nodeFlags.js";
import { FAKE_HA_TOKEN, startFakeHomeAssistant } from "../test/support/fakeHomeAssistant.js";
import { startMosquitto } from "../test/support/mosquitto.js";
import { type Link, NetworkSandbox } from "../test/support/netns.js";
import { type ResidentMemory, residentMemory } from "./residentMemory.js";

const SOAK_CALLS = Number(process.env.SOAK_CALLS ?? 10_000);
const SOAK_RATE = Number(process.env.SOAK_RATE ?? 20);
const BURST_CALLS = Number(process.env.BURST_CALLS ?? 1000);
/** Calls a second in the burst: unpaced, a veth drops what passes its 1000-packet backlog. */
const BURST_RATE = Number(process.env.BURST_RATE ?? 1000);
const SAMPLE_EVERY_MS = 5000;
const LINES = 10;
const CA_IP = "192.0.2.1";
const ADAPTER_IP = "192.0.2.10";
const ADAPTER_MAC = "00:90:f8:00:00:10";

const number = (i: number) => `044${String(2_000_000 + (i % 1_000_000)).padStart(7, "0")}`;

/**
 * Runs in the call agent's namespace: sends `calls` calls at `rate` per second (0: at once),
 * each a ring with caller id and, 250 ms later, the ring's end; prints "done" at the end.
 */
const SENDER = `
const dgram = require("node:dgram");
const [calls, rate, lines, first] = JSON.parse(process.argv[1]);
const socket = dgram.createSocket("udp4");
const number = (i) => "044" + String(2000000 + (i % 1000000)).padStart(7, "0");
const send = (text) => new Promise((done) => socket.send(text, 2427, "${ADAPTER_IP}", done));
const sleep = (ms) => new Promise((done) => setTimeout(done, Math.max(0, ms)));
socket.bind(2727, async () => {
  const start = Date.now();
  const stops = [];
  for (let i = 0; i < calls; i++) {
    const call = first + i;
    const line = "aaln/" + (1 + (call % lines)) + "@mta.example";
    if (rate > 0) await sleep(start + (i * 1000) / rate - Date.now());
    await send("RQNT " + (100000 + call) + " " + line + " MGCP 1.0\\nX: 1\\nR: L/hd(N)\\nS: L/rg,L/ci(12/05/19/00,\\"" + number(call) + "\\",)\\n");
    const stop = () => send("RQNT " + (600000 + call) + " " + line + " MGCP 1.0\\nX: 2\\nR: L/hd(N)\\nS: \\n");
    if (rate > 0) stops.push(sleep(250).then(stop));
    else await stop();
  }
  await Promise.all(stops);
  socket.close();
  console.log("done");
});`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const mb = (kb: number) => (kb / 1024).toFixed(0);

/** One line of figures: each process's RSS, their sum, and both counted once. */
function describe(m: ResidentMemory): string {
  return (
    `daemon ${mb(m.main).padStart(3)} MB + tcpdump ${mb(m.children).padStart(3)} MB = ` +
    `${mb(m.main + m.children).padStart(3)} MB RSS; together ${mb(m.together).padStart(3)} MB`
  );
}

/** The highest figures seen: the daemon's VmHWM, the highest samples of the rest. */
class Peaks {
  #capture = 0;
  #sum = 0;
  #together = 0;
  #daemon = 0;
  add(m: ResidentMemory): void {
    this.#daemon = Math.max(this.#daemon, m.peak);
    this.#capture = Math.max(this.#capture, m.children);
    this.#sum = Math.max(this.#sum, m.main + m.children);
    this.#together = Math.max(this.#together, m.together);
  }
  describe(): string {
    return (
      `daemon ${mb(this.#daemon)} MB (VmHWM), tcpdump ${mb(this.#capture)} MB, ` +
      `sum ${mb(this.#sum)} MB RSS; together ${mb(this.#together)} MB (highest samples)`
    );
  }
}

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

function startDaemon(config: string): Daemon {
  const given = process.env.DAEMON_NODE_FLAGS;
  const flags = given === undefined ? DAEMON_NODE_FLAGS : given.split(" ").filter((f) => f !== "");
  const child = spawn(process.execPath, [...flags, "dist/main.js", "run", "--config", config], {
    stdio: ["ignore", "pipe", "pipe"],
    // TZ as the Supervisor sets it for every add-on (the household's zone).
    env: { TZ: "Europe/Zurich", ...process.env, ...MEMORY_ENVIRONMENT },
  });
  // The log (stdout and stderr), kept to its last lines: the daemon's own memory is measured.
  let stderr = "";
  const keep = (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return {
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(8000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** The first lines of the daemon's log worth a look, if any. */
function printProblems(title: string, daemon: Daemon): void {
  const problems = daemon
    .stderr()
    .split("\n")
    .filter((line) => /ERROR|WARN|stopping/.test(line));
  if (problems.length > 0) console.log(`${title}:\n${problems.slice(0, 20).join("\n")}`);
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench:soak needs root (network namespaces)");
  const sandbox = await NetworkSandbox.create("vcs");
  const broker = await startMosquitto();
  const ha = await startFakeHomeAssistant();
  const dir = mkdtempSync("/tmp/voip-callerid-bench-soak-");
  let daemon: Daemon | null = null;
  try {
    // The daemon stays in this namespace (where mosquitto and the stand-in listen on
    // loopback) and captures on its leg of the veth; the call agent is in its own namespace.
    const callAgent = await sandbox.addNamespace();
    const [adapterLink, caLink] = (await sandbox.addVethPair({ peerNamespace: callAgent })) as [
      Link,
      Link,
    ];
    await sandbox.addAddress(adapterLink, `${ADAPTER_IP}/24`);
    await sandbox.addAddress(caLink, `${CA_IP}/24`);
    await sandbox.setUp(adapterLink);
    await sandbox.setUp(caLink);
    // A burst sent before ARP has answered would mostly die in the neighbour queue, unseen.
    await sandbox.setMac(adapterLink, ADAPTER_MAC);
    await sandbox.addNeighbor(caLink, ADAPTER_IP, ADAPTER_MAC);

    const options = {
      capture: { interface: adapterLink.name },
      lines: Array.from({ length: LINES }, (_, i) => ({
        id: `aaln/${i + 1}@mta.example`,
        name: `Line ${i + 1}`,
      })),
      directory: {
        online_lookup: false,
        phonebook: Array.from({ length: 500 }, (_, i) => ({
          number: number(2 * i),
          name: `Kontakt ${2 * i}`,
        })),
      },
      announce: { tts_entity: "tts.piper", media_players: ["media_player.kitchen"], repeat: 1 },
      mqtt: { url: broker.url },
      homeassistant: { url: ha.url, token: FAKE_HA_TOKEN },
      data_dir: `${dir}/data`,
      log_level: process.env.SOAK_LOG ?? "warning",
    };
    const validated = validateOptions(options);
    if (!validated.ok) throw new Error(validated.problems.join("; "));
    const config = `${dir}/options.json`;
    writeFileSync(config, JSON.stringify(options));

    const send = async (calls: number, rate: number, first: number) => {
      const sent = await sandbox.exec(
        callAgent,
        process.execPath,
        ["-e", SENDER, JSON.stringify([calls, rate, LINES, first])],
        { timeoutMs: (rate > 0 ? (calls / rate) * 1000 : 60_000) + 60_000 },
      );
      if (sent.code !== 0 || !sent.stdout.includes("done")) {
        throw new Error(`sender failed: ${sent.stderr}`);
      }
    };
    const ringing = () =>
      ha.firedEvents.filter(
        (e) => e.eventType === "voip_callerid_call" && e.data.type === "ringing",
      ).length;
    const whenStarted = async () => {
      await until(() => ha.connections.length > 0, "the daemon's connection to HA", 30_000);
      await sleep(3000); // tcpdump opens its interface
    };

    // 1. The burst, in a daemon of its own.
    daemon = startDaemon(config);
    await whenStarted();
    const pid = daemon.child.pid as number;
    const before = residentMemory(pid);
    console.log(`idle after start: ${describe(before)}`);
    const burstStart = ringing();
    const burstPeaks = new Peaks();
    const burstSampler = setInterval(() => burstPeaks.add(residentMemory(pid)), 500);
    await send(BURST_CALLS, BURST_RATE, 0);
    await until(() => ringing() - burstStart >= BURST_CALLS, "the burst's events", 120_000).catch(
      (error: Error) => console.log(`burst: ${error.message} (${ringing() - burstStart} events)`),
    );
    await sleep(3000);
    clearInterval(burstSampler);
    const afterBurst = residentMemory(pid);
    burstPeaks.add(afterBurst);
    console.log(
      `burst of ${BURST_CALLS} calls at ${BURST_RATE}/s: ${ringing() - burstStart} ringing events at Home Assistant\n` +
        `  peak   ${burstPeaks.describe()}\n  after  ${describe(afterBurst)}  (target ≤ 80 MB)`,
    );
    await daemon.stop();
    printProblems("burst daemon's log", daemon);

    // 2. The soak, in a fresh daemon.
    ha.clearRecords();
    daemon = startDaemon(config);
    await whenStarted();
    const soakPid = daemon.child.pid as number;
    const startedAt = Date.now();
    const soakStart = ringing();
    const soakPeaks = new Peaks();
    const sample = () => {
      const now = residentMemory(soakPid);
      soakPeaks.add(now);
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
      console.log(
        `${seconds} s ${String(ringing() - soakStart).padStart(6)} calls  ${describe(now)}`,
      );
    };
    sample();
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    await send(SOAK_CALLS, SOAK_RATE, BURST_CALLS);
    await until(() => ringing() - soakStart >= SOAK_CALLS, "the soak's events", 60_000).catch(
      (error: Error) => console.log(`soak: ${error.message}`),
    );
    await sleep(SAMPLE_EVERY_MS);
    clearInterval(sampler);
    sample();
    const end = residentMemory(soakPid);
    soakPeaks.add(end);
    if (process.env.SOAK_HEAP_SNAPSHOT) {
      // Needs DAEMON_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2; written to the working folder.
      daemon.child.kill("SIGUSR2");
      await sleep(15_000);
    }
    console.log(
      `soak of ${SOAK_CALLS} calls at ${SOAK_RATE}/s: ${ringing() - soakStart} ringing events\n` +
        `  peak   ${soakPeaks.describe()}\n  end    ${describe(end)}  (target ≤ 80 MB)`,
    );
    await daemon.stop();
    printProblems("daemon warnings/errors", daemon);
  } finally {
    await daemon?.stop(); // also when a step failed: no daemon outlives the benchmark
    await ha.stop();
    await broker.kill();
    await sandbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
