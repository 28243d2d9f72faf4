/*
 * The caller-id capture's process: Debian's tcpdump, writing pcap to its stdout, as the
 * WorkerProcess that WorkerSupervisor keeps running (startCapture.ts). A node process of its
 * own cost ~48 MB resident; tcpdump costs ~8 MB, drops root to the user `tcpdump` by itself,
 * and dies alone when its interface goes down or away.
 *
 * The one adapter around the tcpdump program; what its output means is in tcpdumpOutput.ts.
 *
 *   spawn ─► stdout: pcap header (link type checked) ─► records ─► "frames", one per chunk
 *        └─► stderr: "listening on …" ─► "ready"; an error line ─► "failed" or just the exit
 *
 * The BPF filter depends on the link type, known for sure only from the pcap header. The filter
 * is chosen for the expected link type; when the header says another one with another filter,
 * this tcpdump is stopped and the next start (the supervisor's retry) uses what was learned.
 */

import { spawn } from "node:child_process";
import { interfaceState, interfaceType } from "../io/interfaceState.js";
import {
  INTERFACE_LOST,
  type WorkerFailure,
  type WorkerProcess,
} from "../worker/workerSupervisor.js";
import type { CaptureWorkerConfig, CaptureWorkerMessage } from "./captureProtocol.js";
import {
  ANY_DEVICE,
  checkLinkType,
  classifyTcpdumpLine,
  expectedLinkType,
  PcapStream,
  TCPDUMP_MISSING,
  tcpdumpArguments,
} from "./tcpdumpOutput.js";

/**
 * How often the interface is looked at while tcpdump runs (a sysfs read). tcpdump ends by itself
 * when its interface disappears, but captures on through a down interface, silently.
 */
const INTERFACE_POLL_MS = 250;

/** Longest stderr line kept: tcpdump's are short; anything longer is cut, not accumulated. */
const MAX_LINE = 1024;

type ExitListener = (code: number | null, signal: string | null, lastError: string) => void;

/**
 * Starts tcpdump captures, remembering per interface the link type a capture turned out to
 * deliver, so that a start after a surprise begins with the right filter.
 */
export function tcpdumpCaptures(
  program = "tcpdump",
): (config: CaptureWorkerConfig) => WorkerProcess<CaptureWorkerMessage> {
  const learned = new Map<string, number>();
  return (config) =>
    startTcpdump(program, config, learned.get(config.interfaceName), (linkType) =>
      learned.set(config.interfaceName, linkType),
    );
}

function startTcpdump(
  program: string,
  config: CaptureWorkerConfig,
  learned: number | undefined,
  learn: (linkType: number) => void,
): WorkerProcess<CaptureWorkerMessage> {
  const { interfaceName, filters } = config;
  let messageListener: (message: CaptureWorkerMessage) => void = () => {};
  let exitListener: ExitListener = () => {};
  // Every event below comes after startTcpdump returned, so the listeners are attached.
  const say = (message: CaptureWorkerMessage) => messageListener(message);

  const linkType = expectedLinkType(interfaceName, interfaceType(interfaceName), learned);
  const entry = filters.find((candidate) => candidate.linkType === linkType);
  if (entry === undefined || "problem" in entry) {
    const message = entry?.problem ?? `no capture filter for link type ${linkType}`;
    return settledWorker({ type: "failed", failure: "permanent", message });
  }
  const filter = entry.filter;
  const child = spawn(program, tcpdumpArguments(interfaceName, linkType, filter), {
    stdio: ["ignore", "pipe", "pipe"],
  });

  let headerChecked = false;
  let listeningLine = false;
  let ready = false;
  let lastError = "";
  let interfaceLost = false;
  let done = false;
  const fail = (failure: WorkerFailure, message: string) => {
    if (done) return;
    done = true;
    say({ type: "failed", failure, message });
    end("SIGTERM");
  };
  const becomeReady = () => {
    if (ready || !headerChecked) return;
    ready = true;
    say({ type: "ready", linkType, filter });
  };

  const stdout = new PcapStream();
  child.stdout.on("data", (chunk: Buffer) => {
    if (done) return;
    const { headerLinkType, frames, error } = stdout.push(chunk);
    if (headerLinkType !== undefined) {
      if (headerLinkType === null) return fail("retry", "tcpdump wrote no pcap header");
      const check = checkLinkType(interfaceName, filters, filter, headerLinkType);
      if (check.kind === "refused") return fail("permanent", check.message);
      if (check.kind === "restart") {
        learn(headerLinkType);
        done = true;
        end("SIGTERM");
        return;
      }
      headerChecked = true;
      if (listeningLine) becomeReady();
    }
    if (error !== null) return fail("retry", `tcpdump's output: ${error.code} ${error.detail}`);
    if (frames.length === 0) return;
    // Frames show the capture is on, even if the "listening on" line is still in the pipe.
    becomeReady();
    say({ type: "frames", frames });
  });

  let partial = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = (lines.pop() ?? "").slice(-MAX_LINE);
    for (const line of lines) {
      const meaning = classifyTcpdumpLine(line.slice(0, MAX_LINE), interfaceName, filter);
      if (meaning.kind === "listening") {
        listeningLine = true;
        becomeReady();
      } else if (meaning.kind === "failed") {
        fail(meaning.failure, meaning.message);
      } else if (meaning.kind !== "noise") {
        lastError = line.trim();
        if (meaning.kind === "interface-lost") interfaceLost = true;
      }
    }
  });

  const watch =
    interfaceName === ANY_DEVICE
      ? null
      : setInterval(() => {
          if (interfaceState(interfaceName) === "up") return;
          interfaceLost = true;
          done = true;
          end("SIGTERM");
        }, INTERFACE_POLL_MS);

  let exited = false;
  const reportExit = (code: number | null, signal: string | null) => {
    if (watch !== null) clearInterval(watch);
    if (exited) return;
    exited = true;
    exitListener(code, signal, interfaceLost ? INTERFACE_LOST : lastError);
  };
  // "close": after stdout and stderr are read to their end, so their last lines count.
  child.on("close", reportExit);
  /**
   * Signals tcpdump. It runs as its own user once it captures, so only a process with
   * CAP_KILL may signal it (Docker gives every container that one). Without it, our ends of
   * its pipes are closed instead: it dies of SIGPIPE at its next packet, and it counts as gone
   * now, so that the program never waits for it.
   */
  function end(signal: NodeJS.Signals): void {
    if (child.kill(signal) || child.exitCode !== null || child.signalCode !== null) return;
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref(); // nor does the program wait for it to exit
    reportExit(null, signal);
  }
  child.on("error", (error: NodeJS.ErrnoException) => {
    if (child.pid !== undefined) return;
    // Not started: no "close" follows an ENOENT or EACCES from exec.
    if (error.code === "ENOENT") fail("permanent", TCPDUMP_MISSING);
    else fail("permanent", `cannot start tcpdump: ${error.message}`);
    setImmediate(() => reportExit(null, null));
  });

  return {
    onMessage(listener) {
      messageListener = listener;
    },
    onExit(listener) {
      exitListener = listener;
    },
    stop() {
      end("SIGTERM");
    },
    kill() {
      end("SIGKILL");
    },
  };
}

/** A capture refused before tcpdump is started: it says why, then is gone. */
function settledWorker(message: CaptureWorkerMessage): WorkerProcess<CaptureWorkerMessage> {
  let exitListener: ExitListener = () => {};
  let exited = false;
  const exit = () =>
    setImmediate(() => {
      if (!exited) exitListener(null, null, "");
      exited = true;
    });
  return {
    onMessage(listener) {
      setImmediate(() => {
        // Stopped before it could say why: the supervisor no longer listens.
        if (exited) return;
        listener(message);
        exit();
      });
    },
    onExit(listener) {
      exitListener = listener;
    },
    stop: exit,
    kill() {},
  };
}
