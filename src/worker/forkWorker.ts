/**
 * Starts a worker program (a .ts/.js file beside its caller) as a child process with an IPC
 * channel, as WorkerSupervisor uses it. From the compiled program it runs the .js file; from
 * source (tests, `tsx`) the .ts file, through tsx's loader; either way with the node flags
 * for a small resident memory (nodeFlags.ts).
 */

import { fork } from "node:child_process";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MEMORY_ENVIRONMENT, WORKER_NODE_FLAGS } from "../nodeFlags.js";
import type { WorkerProcess } from "./workerSupervisor.js";

/** Keeps the last few lines a worker wrote to stderr: the reason it died is usually there. */
const STDERR_TAIL = 4096;

/**
 * `besideUrl`: import.meta.url of a module in the worker's folder; `name`: the worker's file
 * name without extension. `config` is handed to it as JSON in its first argument; messages
 * that `parseMessage` does not recognise are dropped (never trusted).
 */
export function forkWorker<M>(
  besideUrl: string,
  name: string,
  config: unknown,
  parseMessage: (value: unknown) => M | null,
  nodeFlags: readonly string[] = WORKER_NODE_FLAGS,
): WorkerProcess<M> {
  const beside = fileURLToPath(besideUrl);
  const extension = extname(beside);
  const execArgv = [
    ...nodeFlags,
    ...(extension === ".ts" ? ["--import", import.meta.resolve("tsx")] : []),
  ];
  const child = fork(join(dirname(beside), `${name}${extension}`), [JSON.stringify(config)], {
    execArgv,
    env: { ...process.env, ...MEMORY_ENVIRONMENT },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    // Structured clone: captured frames travel as Uint8Arrays, not as JSON.
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  return {
    onMessage(listener) {
      child.on("message", (value) => {
        const message = parseMessage(value);
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
