/**
 * Home Assistant's entities over MQTT discovery: a view of the household (the lines' states)
 * and of the diagnostics, and the event entity for each call event. The broker is the one
 * configured (mqtt.url), else the one the Supervisor offers.
 */
import { join } from "node:path";
import type { Options } from "../../config/schema.js";
import type { Diagnostics } from "../../core/discovery/entityStates.js";
import { RECENT_CALLS_COUNT, type RecentCall } from "../../core/discovery/recentCalls.js";
import { callsInMonth, MONTH_LOOKBACK_MS } from "../../core/nuisance/monthCount.js";
import { supervisorToken } from "../../io/supervisor.js";
// The publisher's own bookkeeping (discovery topics), in the file the household migrates its
// lines from; the lines are the household's.
import { LEGACY_STATE_FILE as MQTT_STATE_FILE } from "../household.js";
import type { DaemonDiagnostics, OutputContext, OutputDefinition } from "./output.js";

export const mqttEntities: OutputDefinition = {
  name: "mqtt",
  logName: "mqtt",
  enabled: ({ options, env }) =>
    options.mqtt.url || supervisorToken(env)
      ? true
      : "MQTT entities are off: no broker configured (mqtt.url)",
  async create(context) {
    const broker = await brokerOf(context);
    if ("off" in broker) return broker;
    const { options, adapters, log, household, stateFolder, version } = context;
    const stateFile = join(stateFolder, MQTT_STATE_FILE);
    const writer = adapters.stateWriter(stateFile, 500, (error) =>
      log.warn(`cannot save the entities' state: ${error.message}`),
    );
    const mqtt = adapters.mqtt(
      {
        ...broker,
        discoveryPrefix: options.mqtt.discovery_prefix,
        baseTopic: options.mqtt.base_topic,
        swVersion: version,
      },
      household,
      {
        load: () => {
          const read = adapters.readState(stateFile);
          return read.ok ? read.value : undefined;
        },
        save: (state) => writer.save(state),
      },
      { info: (m) => log.info(m), warn: (m) => log.warn(m), debug: (f) => log.debug(f) },
    );
    const recentCalls = () => mqtt.publishRecentCalls(recentCallsOf(context));
    return {
      name: "mqtt",
      start: async () => {
        await mqtt.start();
        recentCalls();
      },
      stop: async () => {
        await mqtt.stop();
        await writer.flush();
      },
      handleCall: (report) => {
        mqtt.publishCall(report);
        recentCalls();
      },
      publishDiagnostics: (d) =>
        mqtt.publishDiagnostics(diagnosticsOf(d, nuisanceCallsThisMonth(context))),
    };
  },
};

/** The broker's URL and login: from the options, else from the Supervisor. */
async function brokerOf(
  context: OutputContext,
): Promise<{ url: string; username?: string; password?: string } | { off: string }> {
  let { url, username, password }: Options["mqtt"] = context.options.mqtt;
  const token = supervisorToken(context.env);
  if (!url && token) {
    const service = await context.adapters.fetchMqttService(token);
    if (!service.ok)
      return { off: `MQTT entities are off: the Supervisor offers no broker (${service.message})` };
    ({ url } = service.service);
    username ||= service.service.username;
    password ||= service.service.password;
  }
  return { url, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** The Recent calls sensor's list: the call log's newest calls (the call at hand is in it). */
function recentCallsOf({ callLog }: OutputContext): RecentCall[] {
  return callLog.recent({ limit: RECENT_CALLS_COUNT }).map((row) => ({
    time: row.started_at,
    name: row.name,
    number_display: row.number_display,
    type: row.outcome,
    line: row.line_name,
  }));
}

/** From the call log, so that the count survives a restart. */
function nuisanceCallsThisMonth({ callLog, clock, timeZone }: OutputContext): number {
  const now = clock.now();
  const since = new Date(now - MONTH_LOOKBACK_MS).toISOString();
  return callsInMonth(callLog.nuisanceCallTimes(since), now, timeZone);
}

/** The add-on device's diagnostic sensors, from the daemon's counters. */
function diagnosticsOf(d: DaemonDiagnostics, nuisanceCalls: number): Diagnostics {
  return {
    lastPacketAgeS: d.lastPacketAgeS,
    packets: d.stats.frames,
    parseErrors: d.stats.errors.total,
    mgcpMessages: d.stats.mgcpMessages,
    callEvents: d.stats.callEvents,
    searchChQuotaUsed: d.directory.quotaUsed,
    nuisanceCallsThisMonth: nuisanceCalls,
    directoryProblem: d.directory.lastProblem,
    bridge: d.bridge,
    capture: d.capture,
  };
}
