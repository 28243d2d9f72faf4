/**
 * Benchmark (a report, not a timed test): from packet arrival to the Home Assistant frames
 * leaving the process — `fire_event` (voip_callerid_call) and `call_service` (tts.speak) — for
 * 1,000 incoming calls whose callers are in the phonebook, through the daemon's own wiring
 * (pipeline, resolver, call log in SQLite, MQTT to a real mosquitto, the websocket client),
 * timed where the websocket client hands each frame to the socket. Then the daemon itself,
 * as a process of its own, replays the same 1,000 calls, and its resident memory is read from
 * /proc while it runs.
 *
 *   npm run bench:daemon
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import WebSocket from "ws";
import type { Options } from "../src/config/schema.js";
import { validateOptions } from "../src/config/validateOptions.js";
import { LINKTYPE } from "../src/core/capture/frame.js";
import { REAL_ADAPTERS } from "../src/daemon/adapters.js";
import { VirtualClock } from "../src/daemon/clock.js";
import { composeDaemon } from "../src/daemon/compose.js";
import { createLogger } from "../src/io/logger.js";
import { DAEMON_NODE_FLAGS, MEMORY_ENVIRONMENT } from "../src/nodeFlags.js";
import { FAKE_HA_TOKEN, startFakeHomeAssistant } from "../test/support/fakeHomeAssistant.js";
import { preciseNow } from "../test/support/fakeHomeAssistantCommands.js";
import { udpFrame } from "../test/support/frameBuilder.js";
import { startMosquitto } from "../test/support/mosquitto.js";
import { PcapFileWriter } from "../test/support/pcapWriter.js";
import { percentile } from "./statistics.js";

/** When each websocket frame left for Home Assistant, recorded at the socket. */
const sent: { at: number; text: string }[] = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
  if (
    typeof data === "string" &&
    (data.includes('"fire_event"') || data.includes('"call_service"'))
  ) {
    sent.push({ at: preciseNow(), text: data });
  }
  return (send as (...args: unknown[]) => void).call(this, data, ...rest);
} as typeof WebSocket.prototype.send;
const sentAfter = (from: number, ...parts: string[]) =>
  sent.find((s) => s.at >= from && parts.every((part) => s.text.includes(part)));

const CALLS = 1000;
const number = (i: number) =>
  `044 ${String(2_000_000 + i).replace(/(\d{3})(\d{2})(\d{2})/, "$1 $2 $3")}`;
const frame = (text: string, at: number, fromCa: boolean) => ({
  linkType: LINKTYPE.ETHERNET,
  data: udpFrame({
    src: fromCa ? "192.0.2.1" : "192.0.2.10",
    dst: fromCa ? "192.0.2.10" : "192.0.2.1",
    srcPort: fromCa ? 2727 : 2427,
    dstPort: fromCa ? 2427 : 2727,
    payload: text,
  }),
  timestampMs: at,
  originalLength: 0,
});

async function main(): Promise<void> {
  const broker = await startMosquitto();
  const ha = await startFakeHomeAssistant();
  const dir = mkdtempSync("/tmp/voip-callerid-bench-daemon-");
  try {
    const validated = validateOptions({
      directory: {
        online_lookup: false,
        phonebook: Array.from({ length: CALLS }, (_, i) => ({
          number: number(i),
          name: `Kontakt ${i}`,
        })),
      },
      announce: { tts_entity: "tts.piper", media_players: ["media_player.kitchen"], repeat: 1 },
      mqtt: { url: broker.url },
      homeassistant: { url: ha.url, token: FAKE_HA_TOKEN },
      data_dir: dir,
      log_level: "warning",
    });
    if (!validated.ok) throw new Error(validated.problems.join("; "));
    const options: Options = validated.options;
    const log = createLogger("warning");
    const start = Date.parse("2026-11-29T08:00:00Z");
    const clock = new VirtualClock(start);
    const app = await composeDaemon({
      options,
      env: {},
      log,
      clock,
      version: "bench",
      timeZone: "Europe/Zurich",
      stateFolder: dir,
      adapters: REAL_ADAPTERS,
    });
    await app.start();
    await app.ready(5000);
    const flow = app;

    const capture = new PcapFileWriter(`${dir}/calls.pcap`);
    const toEvent: number[] = [];
    const toSpeak: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const at = start + i * 60_000; // a call a minute: each announcement has the speakers to itself
      const line = "aaln/1@mta.example";
      const ring = frame(
        `RQNT ${1000 + i} ${line} MGCP 1.0\nX: 1\nR: L/hd(N)\nS: L/rg,L/ci(11/29/09/00,"${number(i).replaceAll(" ", "")}",)\n`,
        at,
        true,
      );
      clock.advanceTo(at);
      const arrival = preciseNow();
      flow.handleFrame(ring);
      const name = `Kontakt ${i}`;
      await ha.waitFor(
        () =>
          ha.serviceCalls.find(
            (c) => c.service === "speak" && c.serviceData?.message === `Anruf von ${name}`,
          ),
        5000,
        "tts.speak",
      );
      const event = sentAfter(arrival, '"fire_event"', '"ringing"', `"${name}"`);
      const speak = sentAfter(arrival, '"speak"', `Anruf von ${name}`);
      if (!event || !speak) throw new Error(`call ${i}: frames not sent`);
      toEvent.push(event.at - arrival);
      toSpeak.push(speak.at - arrival);
      capture.write({ data: ring.data, timestampMs: at });
      // The caller hangs up: the ring stops (missed), so the line is free for the next call.
      clock.advanceTo(at + 20_000);
      const stop = frame(
        `RQNT ${5000 + i} ${line} MGCP 1.0\nX: 2\nR: L/hd(N)\nS: \n`,
        at + 20_000,
        true,
      );
      capture.write({ data: stop.data, timestampMs: at + 20_000 });
      flow.handleFrame(stop);
    }
    capture.close();
    await app.idle();
    await app.stop();
    const f = (ms: number) => ms.toFixed(2);
    console.log(
      `${CALLS} incoming calls with phonebook hits: pipeline → resolver → call log → Home Assistant websocket (+ announcer, MQTT)`,
    );
    console.log(
      `packet → fire_event frame sent:  p50 ${f(percentile(toEvent, 0.5))} ms  p99 ${f(percentile(toEvent, 0.99))} ms  max ${f(Math.max(...toEvent))} ms  (target p99 ≤ 5 ms)`,
    );
    console.log(
      `packet → tts.speak frame sent:   p50 ${f(percentile(toSpeak, 0.5))} ms  p99 ${f(percentile(toSpeak, 0.99))} ms  max ${f(Math.max(...toSpeak))} ms  (target p99 ≤ 5 ms)`,
    );

    // The daemon as the add-on runs it (addon/run.sh's node flags), on the same calls, with its
    // memory read from /proc.
    writeFileSync(`${dir}/options.json`, JSON.stringify({ ...options, data_dir: `${dir}/daemon` }));
    const peak = await daemonPeakMemory([
      ...DAEMON_NODE_FLAGS,
      "dist/main.js",
      "run",
      "--config",
      `${dir}/options.json`,
      "--replay",
      `${dir}/calls.pcap`,
      "--speed",
      "0",
    ]);
    console.log(
      `voip-callerid run --replay (the same ${CALLS} calls): peak resident memory ${(peak.peakKb / 1024).toFixed(0)} MB, at the end ${(peak.lastKb / 1024).toFixed(0)} MB (target ≤ 80 MB); ${ha.firedEvents.length} events in all`,
    );
  } finally {
    await ha.stop();
    await broker.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the daemon and samples VmHWM (peak) and VmRSS from /proc until it exits. */
function daemonPeakMemory(args: string[]): Promise<{ peakKb: number; lastKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "ignore", "inherit"],
      // TZ as the Supervisor sets it for every add-on (the household's zone).
      env: { TZ: "Europe/Zurich", ...process.env, ...MEMORY_ENVIRONMENT },
    });
    let peakKb = 0;
    let lastKb = 0;
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        lastKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? lastKb);
      } catch {
        // The process has just exited.
      }
    }, 10);
    child.on("exit", (code) => {
      clearInterval(sample);
      if (code === 0) resolve({ peakKb, lastKb });
      else reject(new Error(`the daemon exited with ${code}`));
    });
  });
}

await main();
