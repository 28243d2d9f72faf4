/**
 * Starts the bridge worker (bridgeWorker.ts/.js beside this file) as a child process with an
 * IPC channel. From the compiled program it runs dist/bridge/bridgeWorker.js; from source
 * (tests, `tsx`) the .ts file, through tsx's loader.
 */

import { fork } from "node:child_process";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerProcess } from "./bridgeSupervisor.js";
import { asWorkerMessage, type WorkerConfig } from "./workerProtocol.js";

const here = fileURLToPath(import.meta.url);
const extension = extname(here);
const WORKER_FILE = join(dirname(here), `bridgeWorker${extension}`);

/** Keeps the last few lines a worker wrote to stderr: the reason it died is usually there. */
const STDERR_TAIL = 4096;

export function forkBridgeWorker(config: WorkerConfig): WorkerProcess {
  const execArgv = extension === ".ts" ? ["--import", import.meta.resolve("tsx")] : [];
  const child = fork(WORKER_FILE, [JSON.stringify(config)], {
    execArgv,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    // Structured clone: the caller-id frames travel as Uint8Arrays, not as JSON.
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  return {
    onMessage(listener) {
      child.on("message", (value) => {
        const message = asWorkerMessage(value);
        if (message !== null) listener(message);
      });
    },
    onExit(listener) {
      let reported = false;
      const report = (code: number | null, signal: string | null) => {
        if (reported) return;
        reported = true;
        listener(code, signal, lastMeaningfulLine(stderr));
      };
      child.on("exit", report);
      // fork failed (no such file, out of processes): no "exit" follows.
      child.on("error", (error) => {
        stderr += `\n${error.message}`;
        if (child.exitCode === null && child.signalCode === null && child.pid === undefined) {
          report(null, null);
        }
      });
    },
    stop() {
      if (child.connected) child.send({ type: "stop" });
      else child.kill("SIGTERM");
    },
    kill() {
      child.kill("SIGKILL");
    },
  };
}

/** libpcap warns about interfaces without an IPv4 address; that is not why a worker died. */
function lastMeaningfulLine(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("Warning:"));
  return lines.at(-1) ?? "";
}
