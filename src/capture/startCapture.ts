/**
 * The caller-id capture as `listen` and the daemon use it: tcpdump capturing on the interface
 * (tcpdumpCapture.ts), kept running by a WorkerSupervisor. It waits for the
 * interface to exist and be up, starts again by itself when the interface goes down or away
 * and comes back, and says what it is doing (CaptureStatus). Frames reach `onFrame` with the
 * time and link type they were captured with, so the pipeline is the same as in-process.
 *
 * An interface that does not exist is waited for, not refused: a USB adapter may be plugged
 * in later. The log names the interfaces there are, so a typo shows.
 */

import type { CaptureState, CaptureStatus } from "../core/capture/captureStatus.js";
import type { Frame } from "../core/capture/frame.js";
import {
  type InterfaceState,
  interfaceNames,
  interfaceState as sysfsInterfaceState,
} from "../io/interfaceState.js";
import {
  type SupervisedState,
  type WorkerLog,
  type WorkerProcess,
  WorkerSupervisor,
} from "../worker/workerSupervisor.js";
import {
  type CaptureWorkerConfig,
  type CaptureWorkerMessage,
  filtersByLinkType,
} from "./captureProtocol.js";
import { FrameBacklog } from "./frameBacklog.js";
import { tcpdumpCaptures } from "./tcpdumpCapture.js";
import { ANY_DEVICE } from "./tcpdumpOutput.js";

export interface CaptureSettings {
  readonly interfaceName: string;
  /** The BPF filter for the interface's link type; throwing refuses it, with that message. */
  readonly filter: (linkType: number) => string;
  readonly onFrame: (frame: Frame) => void;
  readonly log: WorkerLog;
  /** Every change of state. */
  readonly onStatus?: (status: CaptureStatus) => void;
  /** First wait before starting a tcpdump that died young again (doubling); default 1 s. */
  readonly retryDelayMs?: number;
  /** How often a missing or down interface is looked at; default 250 ms (a sysfs read). */
  readonly pollMs?: number;
  /** Test doubles; default tcpdump and sysfs. */
  readonly startWorker?: (config: CaptureWorkerConfig) => WorkerProcess<CaptureWorkerMessage>;
  readonly interfaceState?: (name: string) => InterfaceState;
  readonly interfaceNames?: () => string[];
}

export interface RunningCapture {
  readonly status: CaptureStatus;
  /** The filter tcpdump applies, once one has opened the interface; null before. */
  readonly filter: string | null;
  /**
   * Resolves with the first status that is not "starting": capturing, waiting (the interface
   * is not there yet, or tcpdump asks for a retry) or failed (retrying cannot help).
   */
  readonly settled: Promise<CaptureStatus>;
  /** Idempotent; resolves once tcpdump is gone. */
  stop(): Promise<void>;
}

const DEFAULT_POLL_MS = 250;

const STATE: Record<SupervisedState, CaptureState> = {
  waiting: "waiting",
  starting: "starting",
  running: "capturing",
  failed: "failed",
  stopped: "stopped",
};

export function startCapture(settings: CaptureSettings): RunningCapture {
  const { interfaceName, log } = settings;
  const config: CaptureWorkerConfig = {
    interfaceName,
    filters: filtersByLinkType(settings.filter),
  };
  const startWorker = settings.startWorker ?? tcpdumpCaptures();
  const listNames = settings.interfaceNames ?? interfaceNames;
  let filter: string | null = null;
  let readyCount = 0;
  let settle: (status: CaptureStatus) => void = () => {};
  const settled = new Promise<CaptureStatus>((resolve) => {
    settle = resolve;
  });
  let namedTheOthers = false;
  const backlog = new FrameBacklog({
    deliver: settings.onFrame,
    onDropped: (count) =>
      log.warn(`${count} frames dropped: the program did not keep up with the capture`),
  });

  const supervisor: WorkerSupervisor<CaptureWorkerMessage> = new WorkerSupervisor({
    workerName: `the capture on ${interfaceName}`,
    interfaces: interfaceName === ANY_DEVICE ? [] : [interfaceName],
    interfaceState: settings.interfaceState ?? ((name) => sysfsInterfaceState(name)),
    log,
    retryDelayMs: settings.retryDelayMs ?? 1000,
    pollMs: settings.pollMs ?? DEFAULT_POLL_MS,
    interfaceLostText: `${interfaceName} went down or away`,
    startWorker: () => startWorker(config),
    onMessage: (message) => {
      if (message.type === "frames") {
        backlog.push(message.frames);
      } else if (message.type === "ready") {
        filter = message.filter;
        readyCount++;
        log.info(
          readyCount === 1
            ? `listening on ${interfaceName} (filter: ${message.filter})`
            : `resumed: listening on ${interfaceName} again`,
        );
      }
    },
    onStateChange: () => {
      const current = status();
      if (current.state === "waiting" && current.detail === `${interfaceName} does not exist`) {
        // Once: the list does not change what the user should check.
        if (!namedTheOthers) log.info(`interfaces here: ${listNames().join(", ") || "none"}`);
        namedTheOthers = true;
      }
      if (current.state !== "starting") settle(current);
      settings.onStatus?.(current);
    },
  });

  const status = (): CaptureStatus => ({
    state: STATE[supervisor.state],
    interfaceName,
    detail: supervisor.detail,
    restarts: supervisor.restarts,
    inBridge: false,
  });

  // On the next turn, so that the caller holds the handle before the first status arrives.
  setImmediate(() => supervisor.start());
  let stopped: Promise<void> | null = null;
  return {
    get status() {
      return status();
    },
    get filter() {
      return filter;
    },
    settled,
    stop: () => {
      backlog.close();
      stopped ??= supervisor.stop();
      return stopped;
    },
  };
}
