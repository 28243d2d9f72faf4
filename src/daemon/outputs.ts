/**
 * Builds everything a call report goes to, from the options: the resolver (phonebook, cache,
 * search.ch), the call log, MQTT entities, Home Assistant events and logbook, the announcer,
 * and the console. An output that is not configured is simply absent.
 */
import { join } from "node:path";
import { resolverSettings } from "../config/resolverSettings.js";
import type { Options } from "../config/schema.js";
import type { BridgeStatus } from "../core/bridge/bridgeStatus.js";
import type { CaptureStatus } from "../core/capture/captureStatus.js";
import { DirectoryCache } from "../core/caller/directoryCache.js";
import type { CountryCode } from "../core/caller/numbers.js";
import { CallerResolver, type DirectoryDiagnostics } from "../core/caller/resolveCaller.js";
import { AnnouncementQueue, localMinutesOfDay } from "../core/outputs/announcer.js";
import { callEventData } from "../core/outputs/callReport.js";
import { logbookServiceCall } from "../core/outputs/homeAssistantCalls.js";
import type { PipelineStats } from "../core/pipeline.js";
import { openCallLog } from "../io/callLog.js";
import { createHomeAssistantOutput } from "../io/homeAssistant.js";
import { homeAssistantSettings } from "../io/homeAssistantSocket.js";
import { createDebouncedJsonWriter, readJsonFile } from "../io/jsonFile.js";
import type { Logger } from "../io/logger.js";
import { createMqttOutput } from "../io/mqttPublisher.js";
import { stateFolder } from "../io/optionsFile.js";
import { openPhonebook } from "../io/phonebookFiles.js";
import { createSearchChClient } from "../io/searchChClient.js";
import { runSpeakCommand } from "../io/speakCommand.js";
import { fetchMqttService, supervisorToken } from "../io/supervisor.js";
import { AnnouncerRunner } from "./announcerRunner.js";
import type { CallOutput } from "./callRouter.js";
import type { Clock } from "./clock.js";
import { consoleOutput } from "./consoleOutput.js";

/** The call side's counters; the daemon adds the bridge's status to them. */
export interface CallDiagnostics {
  readonly stats: Readonly<PipelineStats>;
  readonly lastPacketAgeS: number | null;
  readonly directory: DirectoryDiagnostics;
}

export interface DaemonDiagnostics extends CallDiagnostics {
  readonly bridge: BridgeStatus;
  readonly capture: CaptureStatus;
}

export interface BuiltOutputs {
  readonly resolver: CallerResolver;
  readonly callOutputs: CallOutput[];
  publishDiagnostics(diagnostics: DaemonDiagnostics): void;
  /** Resolves once Home Assistant is connected (when configured), or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** Resolves when announcements and Home Assistant deliveries are done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function buildOutputs(context: {
  options: Options;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  version: string;
  country: CountryCode;
}): Promise<BuiltOutputs> {
  const { options, env, log, clock, country } = context;
  const { directory, announce } = options;
  const dataDir = stateFolder(options.data_dir);
  const stoppers: (() => Promise<void> | void)[] = [];

  const phonebook = await openPhonebook({
    files: directory.phonebook_files,
    entries: directory.phonebook,
    country,
    onProblem: (problem) => log.child("phonebook").warn(problem.message),
    onReload: (book) => log.child("phonebook").info(`phonebook reloaded: ${book.size} numbers`),
  });
  stoppers.push(() => phonebook.close());

  const cacheFile = join(dataDir, "directory-cache.json");
  const cache = new DirectoryCache(directory.cache_days_hit, directory.cache_days_miss);
  const saved = readJsonFile(cacheFile);
  if (saved.ok) cache.restore(saved.value);
  else if (saved.reason !== "missing")
    log.warn(`${saved.message}; starting with an empty directory cache`);
  const directoryLog = log.child("directory");
  const cacheWriter = createDebouncedJsonWriter(cacheFile, 1000, (error) =>
    directoryLog.warn(`cannot save the directory cache: ${error.message}`),
  );
  stoppers.push(() => cacheWriter.flush());
  const resolver = new CallerResolver(resolverSettings(options), {
    phonebook: () => phonebook.current(),
    cache,
    saveCache: () => cacheWriter.save(cache.toState(Date.now())),
    directory: directory.online_lookup
      ? createSearchChClient({
          baseUrl: directory.search_ch_url,
          lang: announce.language,
          timeoutMs: directory.lookup_timeout_ms,
          ...(directory.search_ch_key ? { key: directory.search_ch_key } : {}),
        })
      : null,
    now: Date.now,
    warn: (message) => directoryLog.warn(message),
  });

  const callLog = openCallLog(join(dataDir, "calls.sqlite"), {
    retentionDays: options.call_log_days,
  });
  const pruned = callLog.prune(Date.now());
  if (pruned > 0)
    log.info(`call log: ${pruned} calls older than ${options.call_log_days} days removed`);
  stoppers.push(() => callLog.close());
  // The call log first: a call is on record before anyone is told of it.
  const callOutputs: CallOutput[] = [
    { name: "call log", handle: (report) => callLog.record(report) },
  ];

  const built = await mqttOutput(options, env, log, context.version, dataDir);
  const mqtt = built?.output ?? null;
  if (built && mqtt) {
    await mqtt.start();
    stoppers.push(async () => {
      await mqtt.stop();
      await built.flushState();
    });
  }

  const haSettings = homeAssistantSettings(options.homeassistant, env);
  const ha =
    "error" in haSettings
      ? null
      : createHomeAssistantOutput(haSettings, log.child("homeassistant"), () => clock.now());
  if ("error" in haSettings)
    log.info(`Home Assistant events and announcements are off: ${haSettings.error}`);
  const deliveries = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    deliveries.add(promise);
    void promise.finally(() => deliveries.delete(promise));
  };
  if (ha) {
    ha.start();
    stoppers.push(() => ha.stop());
    callOutputs.push({
      name: "home assistant",
      handle: (report) => {
        track(ha.fireEvent("voip_callerid_call", callEventData(report)));
        const logbook = logbookServiceCall(report, announce.language);
        if (logbook) track(ha.callService(logbook, { notAfter: clock.now() + 3_600_000 }));
      },
    });
  }

  let announcer: AnnouncerRunner | null = null;
  if (announce.enabled) {
    const queue = new AnnouncementQueue({
      repeat: announce.repeat,
      repeatDelayMs: announce.repeat_delay_s * 1000,
      quietHoursStart: announce.quiet_hours_start,
      quietHoursEnd: announce.quiet_hours_end,
      knownCallersOnly: announce.known_callers_only,
      minutesOfDay: localMinutesOfDay,
    });
    announcer = new AnnouncerRunner(
      queue,
      clock,
      {
        ...(ha ? { callService: (call, notAfter) => ha.callService(call, { notAfter }) } : {}),
        tts: {
          ttsEntity: announce.tts_entity,
          ttsService: announce.tts_service,
          mediaPlayers: announce.media_players,
        },
        ...(announce.command.length > 0
          ? { command: (text: string) => runSpeakCommand(announce.command, text) }
          : {}),
      },
      (line) => mqtt?.announcementsEnabled(line) ?? true,
      log.child("announce"),
    );
    const runner = announcer;
    stoppers.push(() => runner.stop());
    callOutputs.push(runner);
  }
  // MQTT after Home Assistant and the announcer: it is the slowest (state kept on disk), and
  // the ring's path to the speakers should not wait for it.
  if (mqtt) callOutputs.push({ name: "mqtt", handle: (report) => mqtt.publishCall(report) });
  // With no other output configured, the console is the output: every call and its sentence.
  callOutputs.push(consoleOutput(log.child("calls"), !mqtt && !ha));

  return {
    resolver,
    callOutputs,
    publishDiagnostics: (d) =>
      mqtt?.publishDiagnostics({
        lastPacketAgeS: d.lastPacketAgeS,
        packets: d.stats.frames,
        parseErrors: d.stats.errors.total,
        mgcpMessages: d.stats.mgcpMessages,
        callEvents: d.stats.callEvents,
        searchChQuotaUsed: d.directory.quotaUsed,
        directoryProblem: d.directory.lastProblem,
        bridge: d.bridge,
        capture: d.capture,
      }),
    ready: (timeoutMs) =>
      new Promise<void>((resolve) => {
        if (!ha || ha.connected) return resolve();
        const timer = setTimeout(resolve, timeoutMs);
        ha.onStatus((status) => {
          if (status !== "connected") return;
          clearTimeout(timer);
          resolve();
        });
      }),
    idle: async () => {
      await announcer?.idle();
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    },
    stop: async () => {
      for (const stop of stoppers.reverse()) await stop();
    },
  };
}

async function mqttOutput(
  options: Options,
  env: NodeJS.ProcessEnv,
  log: Logger,
  version: string,
  dataDir: string,
) {
  const mqttLog = log.child("mqtt");
  let { url, username, password } = options.mqtt;
  const token = supervisorToken(env);
  if (!url && token) {
    const service = await fetchMqttService(token);
    if (!service.ok) {
      mqttLog.info(`MQTT entities are off: the Supervisor offers no broker (${service.message})`);
      return null;
    }
    ({ url } = service.service);
    username ||= service.service.username;
    password ||= service.service.password;
  }
  if (!url) {
    mqttLog.info("MQTT entities are off: no broker configured (mqtt.url)");
    return null;
  }
  const stateFile = join(dataDir, "mqtt-state.json");
  const writer = createDebouncedJsonWriter(stateFile, 500, (error) =>
    mqttLog.warn(`cannot save the entities' state: ${error.message}`),
  );
  const output = createMqttOutput(
    {
      url,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      discoveryPrefix: options.mqtt.discovery_prefix,
      baseTopic: options.mqtt.base_topic,
      swVersion: version,
    },
    {
      load: () => {
        const read = readJsonFile(stateFile);
        return read.ok ? read.value : undefined;
      },
      save: (state) => writer.save(state),
    },
    { info: (m) => mqttLog.info(m), warn: (m) => mqttLog.warn(m), debug: (f) => mqttLog.debug(f) },
  );
  return { output, flushState: () => writer.flush() };
}
