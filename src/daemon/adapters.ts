/**
 * The daemon's edges to the world, as one object the composition takes: files, SQLite, the
 * phonebook watcher, search.ch, Home Assistant's websocket, the MQTT broker, the Supervisor
 * and the speak command. Tests hand in fakes for some of them (ha-js-websocket's injectable
 * `createSocket` is the model).
 */
import type { CallLog } from "../io/callLog.js";
import { openCallLog } from "../io/callLog.js";
import { createHomeAssistantOutput } from "../io/homeAssistant.js";
import type { HomeAssistantSettings } from "../io/homeAssistantSocket.js";
import {
  createDebouncedJsonWriter,
  type JsonReadResult,
  readJsonFile,
  writeJsonFileAtomic,
} from "../io/jsonFile.js";
import type { Logger } from "../io/logger.js";
import { createMqttOutput } from "../io/mqttPublisher.js";
import { openNuisanceFiles } from "../io/nuisanceFiles.js";
import { openPhonebook } from "../io/phonebookFiles.js";
import { createSearchChClient } from "../io/searchChClient.js";
import { type CommandOutcome, runSpeakCommand } from "../io/speakCommand.js";
import { fetchIngressPort, fetchMqttService } from "../io/supervisor.js";
import { createTellowsClient } from "../io/tellowsClient.js";
import type { CallerDirectoryDeps } from "./callerDirectory.js";
import type { Clock } from "./clock.js";
import type { NuisanceDirectoryDeps } from "./nuisanceDirectory.js";
import type { HomeAssistantClient } from "./outputs/output.js";

export interface StateWriter {
  save(value: unknown): void;
  flush(): Promise<void>;
}

export interface DaemonAdapters {
  readonly openPhonebook: CallerDirectoryDeps["openPhonebook"];
  readonly openNuisanceFiles: NuisanceDirectoryDeps["openFiles"];
  readonly createTellows: NuisanceDirectoryDeps["createTellows"];
  readonly createSearchCh: CallerDirectoryDeps["createSearchCh"];
  readonly readState: (path: string) => JsonReadResult;
  /** A state file written a moment after the last change (off the ring's path). */
  readonly stateWriter: (path: string, delayMs: number, onError: (e: Error) => void) => StateWriter;
  /** A state file written now, before going on. */
  readonly writeStateNow: (path: string, value: unknown) => void;
  readonly openCallLog: (path: string, settings: { retentionDays: number }) => CallLog;
  /** The connection wakes its deliveries on `clock` (a replay's virtual clock included). */
  readonly homeAssistant: (
    settings: HomeAssistantSettings,
    log: Logger,
    clock: Clock,
  ) => HomeAssistantClient;
  readonly mqtt: typeof createMqttOutput;
  readonly fetchMqttService: (
    token: string,
  ) => Promise<
    | { ok: true; service: { url: string; username: string; password: string } }
    | { ok: false; message: string }
  >;
  readonly speak: (argv: readonly string[], text: string) => Promise<CommandOutcome>;
  /** The panel's port under the Supervisor (its ingress proxy's choice). */
  readonly fetchIngressPort: (
    token: string,
  ) => Promise<{ ok: true; port: number } | { ok: false; message: string }>;
}

export const REAL_ADAPTERS: DaemonAdapters = {
  openPhonebook,
  openNuisanceFiles,
  createTellows: createTellowsClient,
  createSearchCh: createSearchChClient,
  readState: readJsonFile,
  stateWriter: createDebouncedJsonWriter,
  writeStateNow: writeJsonFileAtomic,
  openCallLog,
  homeAssistant: createHomeAssistantOutput,
  mqtt: createMqttOutput,
  fetchMqttService: (token) => fetchMqttService(token),
  speak: (argv, text) => runSpeakCommand(argv, text),
  fetchIngressPort: (token) => fetchIngressPort(token),
};
