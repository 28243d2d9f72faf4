/*
 * Runs a capture worker process and keeps it running. cap aborts the whole process when an
 * interface it captures on goes down or away (an assertion in its native poll callback), so
 * whatever captures runs in a worker of its own, and this supervisor, in the main process,
 * starts it once its interfaces are up and starts a new one when it dies. The MAC bridge and
 * the caller-id capture each have one.
 *
 *   waiting ──interfaces up──► starting ──"ready"──► running
 *      ▲                          │                    │
 *      └── retry delay ◄── "failed" (retry) / worker exit ◄─┘
 *   "failed" (permanent: permissions, a link type or filter that will not change) ──► failed
 *
 * Interfaces are polled in sysfs (cheap); a worker that keeps dying young while its interfaces
 * are up is retried after a doubling delay, so a crash loop does not spin.
 */

import type { InterfaceState } from "../io/interfaceState.js";

export type WorkerFailure = "retry" | "permanent";

/** What every worker says about itself; the rest of its messages are its owner's business. */
export type LifecycleMessage =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly failure: WorkerFailure; readonly message: string };

/**
 * The `lastError` of a worker that knows it stopped because its interface went down or away
 * (the caller-id capture's tcpdump says so on stderr); the log then says just that.
 */
export const INTERFACE_LOST = "interface lost";

/** The worker process as the supervisor uses it (a real fork, tcpdump, or a test double). */
export interface WorkerProcess<M> {
  onMessage(listener: (message: M) => void): void;
  /** Called once; `lastError` is the worker's last line on stderr, if any. */
  onExit(listener: (code: number | null, signal: string | null, lastError: string) => void): void;
  /** Asks it to close its captures and exit. */
  stop(): void;
  kill(): void;
}

export type SupervisedState = "waiting" | "starting" | "running" | "failed" | "stopped";

export interface WorkerLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface WorkerSupervisorOptions<M extends { readonly type: string }> {
  /** How the log names the worker, e.g. "the bridge's worker". */
  readonly workerName: string;
  /** Interfaces that must be up before a worker starts ("any" needs none). */
  readonly interfaces: readonly string[];
  readonly interfaceState: (name: string) => InterfaceState;
  /** Called for every start, so that it can hand the new worker what the last one learned. */
  readonly startWorker: () => WorkerProcess<M>;
  readonly log: WorkerLog;
  /** The worker's own messages (all but "failed"), "ready" included, in order. */
  readonly onMessage?: (message: M) => void;
  /** A worker is gone (before the state changes), e.g. to bank its counters. */
  readonly onWorkerExit?: () => void;
  /** Every change of state or detail. */
  readonly onStateChange?: () => void;
  /** First wait before trying again; doubles while the worker keeps dying young. Default 1 s. */
  readonly retryDelayMs?: number;
  /** How often interfaces are checked while waiting for them; default retryDelayMs. */
  readonly pollMs?: number;
  /** What the supervisor says about a worker stopped by cap's abort; default "an interface went down". */
  readonly interfaceLostText?: string;
}

const MAX_RETRY_DELAY_MS = 30_000;
/** A worker that ran this long counts as healthy: the next retry waits the shortest delay. */
const HEALTHY_AFTER_MS = 10_000;
const STOP_GRACE_MS = 2000;
const RESTARTING = "restarting";

export class WorkerSupervisor<M extends { readonly type: string }> {
  private currentState: SupervisedState = "waiting";
  private currentDetail = "";
  private restartCount = 0;
  private worker: WorkerProcess<M> | null = null;
  private workerStartedAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private stopping = false;
  private exited: (() => void) | null = null;

  constructor(private readonly options: WorkerSupervisorOptions<M>) {
    this.retryDelayMs = this.baseDelayMs;
  }

  get state(): SupervisedState {
    return this.currentState;
  }

  /** Why it waits or failed, in words; "" otherwise. */
  get detail(): string {
    return this.currentDetail;
  }

  /** How often the worker was started again after it stopped unexpectedly. */
  get restarts(): number {
    return this.restartCount;
  }

  start(): void {
    this.attempt();
  }

  /** Stops the worker (SIGKILL if it does not exit within 2 s); resolves once it is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const worker = this.worker;
    if (worker !== null) {
      const gone = new Promise<void>((resolve) => {
        this.exited = resolve;
      });
      worker.stop();
      const timer = setTimeout(() => worker.kill(), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    }
    this.setState("stopped", "");
  }

  private get baseDelayMs(): number {
    return this.options.retryDelayMs ?? 1000;
  }

  /** Why a worker cannot start now ("eth1 is down"), or null when every interface is up. */
  private interfaceProblem(): string | null {
    for (const name of this.options.interfaces) {
      const state = this.options.interfaceState(name);
      if (state === "down") return `${name} is down`;
      if (state === "missing") return `${name} does not exist`;
    }
    return null;
  }

  private attempt(): void {
    this.retryTimer = null;
    if (this.stopping) return;
    const problem = this.interfaceProblem();
    if (problem !== null) {
      this.setState("waiting", problem);
      this.retryLater(this.options.pollMs ?? this.baseDelayMs);
      return;
    }
    this.setState("starting", "");
    const worker = this.options.startWorker();
    this.worker = worker;
    this.workerStartedAt = Date.now();
    let permanentFailure = false;
    let wasReady = false;
    worker.onMessage((message) => {
      if (isFailed(message)) {
        permanentFailure = message.failure === "permanent";
        if (permanentFailure) this.options.log.error(message.message);
        else this.options.log.warn(`${message.message}; trying again`);
        this.setState(permanentFailure ? "failed" : "waiting", message.message);
        return;
      }
      if (message.type === "ready") wasReady = true;
      this.options.onMessage?.(message);
      if (message.type === "ready") this.setState("running", "");
    });
    worker.onExit((code, signal, lastError) => {
      this.worker = null;
      this.options.onWorkerExit?.();
      if (this.stopping) {
        this.exited?.();
        return;
      }
      if (permanentFailure) return;
      // Gone with its interface: no crash loop to slow down, just wait for the interface.
      const interfaceGone = this.interfaceProblem() !== null;
      if (!interfaceGone) {
        const young = Date.now() - this.workerStartedAt < HEALTHY_AFTER_MS;
        this.retryDelayMs = young
          ? Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS)
          : this.baseDelayMs;
      }
      if (wasReady) {
        this.restartCount++;
        const reason = exitReason(code, signal, lastError, this.options.interfaceLostText);
        this.options.log.warn(
          `${this.options.workerName} stopped (${reason}); starting it again${this.onceUp()}`,
        );
        this.setState("waiting", RESTARTING);
      }
      this.retryLater(
        interfaceGone ? (this.options.pollMs ?? this.baseDelayMs) : this.retryDelayMs,
      );
    });
  }

  private onceUp(): string {
    const names = this.options.interfaces;
    if (names.length === 0) return "";
    return names.length === 1 ? ` once ${names[0]} is up` : " once both interfaces are up";
  }

  private retryLater(delayMs: number): void {
    if (this.stopping || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => this.attempt(), delayMs);
  }

  private setState(state: SupervisedState, detail: string): void {
    const changed = state !== this.currentState || detail !== this.currentDetail;
    this.currentState = state;
    this.currentDetail = detail;
    if (changed && state === "waiting" && detail !== RESTARTING) {
      this.options.log.warn(`waiting: ${detail}`);
    }
    if (changed) this.options.onStateChange?.();
  }
}

function isFailed(message: { readonly type: string }): message is LifecycleMessage & {
  type: "failed";
} {
  return message.type === "failed";
}

function exitReason(
  code: number | null,
  signal: string | null,
  lastError: string,
  interfaceLostText = "an interface went down",
): string {
  // cap asserts in its poll callback when the socket reports an error: the interface went down.
  if (lastError === INTERFACE_LOST) return interfaceLostText;
  if (signal === "SIGABRT" && lastError.includes("cb_packets")) return interfaceLostText;
  const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
  return lastError === "" ? how : `${how}: ${lastError}`;
}
