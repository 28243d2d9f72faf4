/**
 * The worker's half of WorkerSupervisor's protocol, shared by every capture worker: report over
 * the IPC channel, say why it cannot capture, and stop on a "stop" message, SIGTERM or SIGINT,
 * or when the parent goes away, so a worker never outlives the program that started it.
 */

import type { LiveCaptureFailureReason } from "../io/liveCapture.js";
import type { LifecycleMessage, WorkerFailure } from "./workerSupervisor.js";

/**
 * Sends a message to the supervisor; nothing when the channel is gone. `sent` is called once
 * the message has left for the parent (or could not).
 */
export function report(message: unknown, sent?: () => void): void {
  if (process.connected && process.send !== undefined) process.send(message, undefined, {}, sent);
  else sent?.();
}

/** Reports why the worker cannot capture and ends it; only some reasons are worth a retry. */
export function failWorker(message: string, reason: LiveCaptureFailureReason | "config"): void {
  // An interface that is missing or down now may come (back); permissions, a link type we
  // cannot decode or a filter libpcap refuses will not change by waiting.
  const failure: WorkerFailure =
    reason === "no-such-interface" || reason === "other" ? "retry" : "permanent";
  report({ type: "failed", failure, message } satisfies LifecycleMessage);
  leaveWorker(2);
}

/** Ends the worker once its captures are closed: nothing else keeps its loop alive. */
export function leaveWorker(exitCode: number): void {
  process.exitCode = exitCode;
  if (process.connected) process.disconnect();
}

/** Calls `stop` once, on the supervisor's "stop", SIGTERM, SIGINT or the parent's end. */
export function onStopRequest(stop: () => void): void {
  let stopping = false;
  const once = () => {
    if (stopping) return;
    stopping = true;
    stop();
  };
  process.on("message", (message: { type?: unknown } | null) => {
    if (message?.type === "stop") once();
  });
  process.on("SIGTERM", once);
  process.on("SIGINT", once);
  process.on("disconnect", once);
}

/**
 * A worker's configuration from the JSON text of its first argument: the value when `isConfig`
 * accepts it, else a message saying what is wrong.
 */
export function parseConfigArgument<T>(
  text: string | undefined,
  workerName: string,
  isConfig: (value: Record<string, unknown>) => boolean,
): T | string {
  let value: unknown;
  try {
    value = JSON.parse(text ?? "");
  } catch {
    return `the ${workerName} needs its configuration as JSON in its first argument`;
  }
  return typeof value === "object" && value !== null && isConfig(value as Record<string, unknown>)
    ? (value as T)
    : `the ${workerName}'s configuration is incomplete`;
}

/** The configuration handed in the first argument, or null after saying why it is unusable. */
export function workerConfig<T>(
  workerName: string,
  parse: (text: string | undefined) => T | string,
): T | null {
  const config = parse(process.argv[2]);
  if (typeof config !== "string") return config;
  process.stderr.write(`voip-callerid ${workerName}: ${config}\n`);
  process.exitCode = 2;
  return null;
}
