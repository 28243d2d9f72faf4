/*
 * Runs the bridge's worker process and keeps it running: starts it once both interfaces are
 * up, starts a new one when it dies (cap aborts it when an interface goes down; the adapter
 * rebooting only drops the carrier, which the worker survives), and sums the counters of all
 * of them. The adapter's address learned by one worker is handed to the next, so ARP for it
 * keeps crossing.
 *
 *   waiting ──both interfaces up──► starting ──"ready"──► running
 *      ▲                               │                    │
 *      └── retry delay ◄── "failed" (retry) / worker exit ◄─┘
 *   "failed" (permanent: permissions, not Ethernet) ──► failed, no more tries
 */

import type { BridgeCounters } from "../core/bridge/bridgeCore.js";
import {
  addCounters,
  type BridgeState,
  type BridgeStatus,
  ZERO_COUNTERS,
} from "../core/bridge/bridgeStatus.js";
import { formatMac } from "../core/capture/bpfFilter.js";
import type { Frame } from "../core/capture/frame.js";
import type { InterfaceState } from "../io/interfaceState.js";
import type { WorkerConfig, WorkerMessage } from "./workerProtocol.js";

/** The worker process as the supervisor uses it (a real fork, or a test double). */
export interface WorkerProcess {
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Called once; `lastError` is the worker's last line on stderr, if any. */
  onExit(listener: (code: number | null, signal: string | null, lastError: string) => void): void;
  /** Asks it to close its captures and exit. */
  stop(): void;
  kill(): void;
}

export interface BridgeSupervisorOptions {
  readonly externalInterface: string;
  readonly internalInterface: string;
  readonly adapterMac: Uint8Array;
  readonly rewriteDhcpDestination: boolean;
  readonly log: { info(text: string): void; warn(text: string): void; error(text: string): void };
  readonly startWorker: (config: WorkerConfig) => WorkerProcess;
  readonly interfaceState: (name: string) => InterfaceState;
  /**
   * Every change of state (`stateChanged` true), and every counters report of the worker
   * (false), which may also bring a newly learned address.
   */
  readonly onStatus?: (status: BridgeStatus, stateChanged: boolean) => void;
  /** The caller-id capture run by the worker (see WorkerConfig.sniffer), and its frames. */
  readonly sniffer?: { readonly interfaceName: string; readonly filter: string };
  readonly onFrame?: (frame: Frame) => void;
  /** How often the worker reports its counters; default 1 s. */
  readonly statusIntervalMs?: number;
  /** First wait before trying again; doubles while the worker keeps dying young. Default 1 s. */
  readonly retryDelayMs?: number;
  /** The adapter's address as an earlier run learned it, handed to the first worker. */
  readonly adapterIpv4?: string | null;
}

const MAX_RETRY_DELAY_MS = 30_000;
/** A worker that ran this long counts as healthy: the next retry waits the shortest delay. */
const HEALTHY_AFTER_MS = 10_000;
const STOP_GRACE_MS = 2000;

export class BridgeSupervisor {
  private state: BridgeState = "waiting";
  private detail = "";
  private banked: BridgeCounters = ZERO_COUNTERS;
  private current: BridgeCounters = ZERO_COUNTERS;
  private adapterIpv4: string | null = null;
  private restarts = 0;
  private worker: WorkerProcess | null = null;
  private workerStartedAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private stopping = false;
  private exited: (() => void) | null = null;

  constructor(private readonly options: BridgeSupervisorOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.adapterIpv4 = options.adapterIpv4 ?? null;
  }

  get status(): BridgeStatus {
    return {
      state: this.state,
      detail: this.detail,
      counters: addCounters(this.banked, this.current),
      adapterIpv4: this.adapterIpv4,
      restarts: this.restarts,
    };
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

  private attempt(): void {
    this.retryTimer = null;
    if (this.stopping) return;
    const { externalInterface, internalInterface } = this.options;
    for (const name of [externalInterface, internalInterface]) {
      const state = this.options.interfaceState(name);
      if (state !== "up") {
        this.setState("waiting", state === "down" ? `${name} is down` : `${name} does not exist`);
        this.retryLater(this.options.retryDelayMs ?? 1000);
        return;
      }
    }
    this.setState("starting", "");
    const worker = this.options.startWorker({
      externalInterface,
      internalInterface,
      adapterMac: formatMac(this.options.adapterMac),
      rewriteDhcpDestination: this.options.rewriteDhcpDestination,
      statusIntervalMs: this.options.statusIntervalMs ?? 1000,
      adapterIpv4: this.adapterIpv4,
      sniffer: this.options.sniffer ?? null,
    });
    this.worker = worker;
    this.workerStartedAt = Date.now();
    let permanentFailure = false;
    let wasReady = false;
    worker.onMessage((message) => {
      switch (message.type) {
        case "ready":
          wasReady = true;
          this.options.log.info(
            `bridging ${externalInterface} <-> ${internalInterface} for ${formatMac(this.options.adapterMac)}`,
          );
          this.setState("running", "");
          break;
        case "counters":
          this.current = message.counters;
          if (message.adapterIpv4 !== null) this.adapterIpv4 = message.adapterIpv4;
          this.options.onStatus?.(this.status, false);
          break;
        case "frame":
          this.options.onFrame?.(message.frame);
          break;
        case "failed":
          permanentFailure = message.failure === "permanent";
          if (permanentFailure) this.options.log.error(message.message);
          else this.options.log.warn(`${message.message}; trying again`);
          this.setState(permanentFailure ? "failed" : "waiting", message.message);
          break;
      }
    });
    worker.onExit((code, signal, lastError) => {
      this.worker = null;
      this.banked = addCounters(this.banked, this.current);
      this.current = ZERO_COUNTERS;
      if (this.stopping) {
        this.exited?.();
        return;
      }
      if (permanentFailure) return;
      const young = Date.now() - this.workerStartedAt < HEALTHY_AFTER_MS;
      this.retryDelayMs = young
        ? Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS)
        : (this.options.retryDelayMs ?? 1000);
      if (wasReady) {
        this.restarts++;
        this.options.log.warn(
          `the bridge's worker stopped (${exitReason(code, signal, lastError)}); starting it again once both interfaces are up`,
        );
        this.setState("waiting", "restarting");
      }
      this.retryLater(this.retryDelayMs);
    });
  }

  private retryLater(delayMs: number): void {
    if (this.stopping || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => this.attempt(), delayMs);
  }

  private setState(state: BridgeState, detail: string): void {
    const changed = state !== this.state || detail !== this.detail;
    this.state = state;
    this.detail = detail;
    if (changed && state === "waiting" && detail !== "restarting") {
      this.options.log.warn(`waiting: ${detail}`);
    }
    if (changed) this.options.onStatus?.(this.status, true);
  }
}

function exitReason(code: number | null, signal: string | null, lastError: string): string {
  // cap asserts in its poll callback when the socket reports an error: the interface went down.
  if (signal === "SIGABRT" && lastError.includes("cb_packets")) return "an interface went down";
  const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
  return lastError === "" ? how : `${how}: ${lastError}`;
}
