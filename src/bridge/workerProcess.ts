/** Starts the bridge worker (bridgeWorker.ts/.js beside this file); see worker/forkWorker.ts. */

import { forkWorker } from "../worker/forkWorker.js";
import type { WorkerProcess } from "./bridgeSupervisor.js";
import { asWorkerMessage, type WorkerConfig } from "./workerProtocol.js";

export function forkBridgeWorker(config: WorkerConfig): WorkerProcess {
  return forkWorker(import.meta.url, "bridgeWorker", config, asWorkerMessage);
}
