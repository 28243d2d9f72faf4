/*
 * Runs the bridge's worker process through a WorkerSupervisor (worker/workerSupervisor.ts:
 * started once both interfaces are up, started again when it dies; the adapter rebooting
 * only drops the carrier, which the worker survives), and sums the counters of all of them.
 * The adapter's address learned by one worker is handed to the next, so ARP for it keeps
 * crossing.
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
import {
  type WorkerProcess as AnyWorkerProcess,
  WorkerSupervisor,
} from "../worker/workerSupervisor.js";
import type { WorkerConfig, WorkerMessage } from "./workerProtocol.js";

/** The bridge's worker process as the supervisor uses it (a real fork, or a test double). */
export type WorkerProcess = AnyWorkerProcess<WorkerMessage>;

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

export class BridgeSupervisor {
  private banked: BridgeCounters = ZERO_COUNTERS;
  private current: BridgeCounters = ZERO_COUNTERS;
  private adapterIpv4: string | null = null;
  private readonly supervisor: WorkerSupervisor<WorkerMessage>;

  constructor(private readonly options: BridgeSupervisorOptions) {
    this.adapterIpv4 = options.adapterIpv4 ?? null;
    const { externalInterface, internalInterface } = options;
    this.supervisor = new WorkerSupervisor<WorkerMessage>({
      workerName: "the bridge's worker",
      interfaces: [externalInterface, internalInterface],
      interfaceState: options.interfaceState,
      log: options.log,
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      startWorker: () =>
        options.startWorker({
          externalInterface,
          internalInterface,
          adapterMac: formatMac(options.adapterMac),
          rewriteDhcpDestination: options.rewriteDhcpDestination,
          statusIntervalMs: options.statusIntervalMs ?? 1000,
          adapterIpv4: this.adapterIpv4,
          sniffer: options.sniffer ?? null,
        }),
      onMessage: (message) => this.handle(message),
      onWorkerExit: () => {
        this.banked = addCounters(this.banked, this.current);
        this.current = ZERO_COUNTERS;
      },
      onStateChange: () => options.onStatus?.(this.status, true),
    });
  }

  get status(): BridgeStatus {
    return {
      state: this.supervisor.state satisfies BridgeState,
      detail: this.supervisor.detail,
      counters: addCounters(this.banked, this.current),
      adapterIpv4: this.adapterIpv4,
      restarts: this.supervisor.restarts,
    };
  }

  start(): void {
    this.supervisor.start();
  }

  /** Stops the worker (SIGKILL if it does not exit within 2 s); resolves once it is gone. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  private handle(message: WorkerMessage): void {
    switch (message.type) {
      case "ready":
        this.options.log.info(
          `bridging ${this.options.externalInterface} <-> ${this.options.internalInterface} for ${formatMac(this.options.adapterMac)}`,
        );
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
        break;
    }
  }
}
