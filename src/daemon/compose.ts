/**
 * The composition of the running add-on: from the options and the adapters to an App.
 *
 *   caller directory (phonebook, cache, search.ch) ─► call log ─► household ─► Home Assistant
 *   connection ─► outputs (outputs/index.ts: Home Assistant events, announcer, MQTT, console)
 *
 * The daemon (runDaemon.ts) and the in-process tests build the app here; tests pass fakes
 * for the adapters that would need Home Assistant or a broker.
 */
import { join } from "node:path";
import type { CountryCode } from "../core/caller/numbers.js";
import { serializeHousehold } from "../core/household/householdFile.js";
import { type HouseholdRules, MAX_LEARNED_LINES } from "../core/household/learnedLines.js";
import { isConfiguredLine } from "../core/outputs/lines.js";
import { homeAssistantSettings } from "../io/homeAssistantSocket.js";
import { openHouseholdMarks } from "../io/householdMarks.js";
import { type Adapter, type App, createApp } from "./app.js";
import { openCallerDirectory } from "./callerDirectory.js";
import { createHousehold, HOUSEHOLD_FILE, loadHousehold } from "./household.js";
import { openNuisanceDirectory } from "./nuisanceDirectory.js";
import { OUTPUTS } from "./outputs/index.js";
import type { OutputContext, OutputDefinition, OutputUnit } from "./outputs/output.js";

/** What the outputs are given too (their context), with the daemon's own log. */
export interface Composition
  extends Pick<
    OutputContext,
    "options" | "env" | "log" | "clock" | "version" | "timeZone" | "stateFolder" | "adapters"
  > {
  /** The outputs to consider; every one the daemon knows unless a test says otherwise. */
  readonly outputs?: readonly OutputDefinition[];
}

export async function composeDaemon(c: Composition): Promise<App> {
  const { options, log, adapters, stateFolder } = c;
  const parts: Adapter[] = [];

  const directory = await openCallerDirectory(options, {
    openPhonebook: adapters.openPhonebook,
    createSearchCh: adapters.createSearchCh,
    readState: adapters.readState,
    stateWriter: (path) =>
      adapters.stateWriter(path, 1000, (error) =>
        log.child("directory").warn(`cannot save the directory cache: ${error.message}`),
      ),
    now: Date.now,
    timeZone: c.timeZone,
    stateFolder,
    phonebookLog: log.child("phonebook"),
    directoryLog: log.child("directory"),
  });
  parts.push({ name: "caller directory", stop: () => directory.close() });

  const callLog = adapters.openCallLog(join(stateFolder, "calls.sqlite"), {
    retentionDays: options.call_log_days,
  });
  const pruned = callLog.prune(Date.now());
  if (pruned > 0)
    log.info(`call log: ${pruned} calls older than ${options.call_log_days} days removed`);
  parts.push({ name: "call log", stop: () => callLog.close() });

  const household = openHousehold(c);
  parts.push({ name: "household", stop: () => household.flush() });

  const marks = openHouseholdMarks({
    folder: stateFolder,
    // validateOptions has checked that libphonenumber knows the country.
    country: options.directory.country as CountryCode,
    now: Date.now,
    warn: (message) => log.child("nuisance").warn(message),
  });
  const nuisance = await openNuisanceDirectory(options, {
    openFiles: adapters.openNuisanceFiles,
    createTellows: adapters.createTellows,
    now: Date.now,
    marks,
    log: log.child("nuisance"),
  });
  parts.push({ name: "nuisance lists", stop: () => nuisance.close() });
  const judgeNuisance: OutputContext["judgeNuisance"] = (party) => nuisance.judge(party);

  const homeAssistant = openHomeAssistant(c);
  if (homeAssistant) parts.push(homeAssistant.lifecycle);
  const outputs = await createOutputs(c, {
    household: household.household,
    homeAssistant: homeAssistant?.client ?? null,
    callLog,
    directory,
    marks,
    judgeNuisance,
  });

  return createApp({
    options,
    clock: c.clock,
    log,
    resolver: directory.resolver,
    nuisance: judgeNuisance,
    journal: callLog,
    household: household.household,
    adapters: parts,
    outputs,
  });
}

/** The Home Assistant connection the outputs share, when the options or the Supervisor give one. */
function openHomeAssistant(c: Composition) {
  const settings = homeAssistantSettings(c.options.homeassistant, c.env);
  if ("error" in settings) {
    c.log.info(`Home Assistant events and announcements are off: ${settings.error}`);
    return null;
  }
  const client = c.adapters.homeAssistant(settings, c.log.child("homeassistant"), c.clock);
  const lifecycle: Adapter = {
    name: "home assistant connection",
    start: () => client.start(),
    stop: () => client.stop(),
  };
  return { client, lifecycle };
}

/** Every output the options turn on, in the list's order; each one off says why, once. */
async function createOutputs(
  c: Composition,
  shared: Pick<
    OutputContext,
    "household" | "homeAssistant" | "callLog" | "directory" | "marks" | "judgeNuisance"
  >,
): Promise<OutputUnit[]> {
  const outputs: OutputUnit[] = [];
  for (const definition of c.outputs ?? OUTPUTS) {
    const context: OutputContext = {
      ...c,
      ...shared,
      log: c.log.child(definition.logName),
      running: outputs.map((output) => output.name),
    };
    const enabled = definition.enabled(context);
    const created = enabled === true ? await definition.create(context) : { off: enabled };
    if (!("off" in created)) outputs.push(created);
    else if (created.off) context.log.info(created.off);
  }
  return outputs;
}

/** The household from its file (or the MQTT publisher's older one), saved as it changes. */
function openHousehold(c: Composition) {
  const { adapters, stateFolder, log } = c;
  const file = join(stateFolder, HOUSEHOLD_FILE);
  const rules: HouseholdRules = {
    isConfigured: (key) => isConfiguredLine(key, c.options.lines),
    maxLearnedLines: MAX_LEARNED_LINES,
  };
  const loaded = loadHousehold(
    (name) => adapters.readState(join(stateFolder, name)),
    (message) => log.warn(message),
    rules,
  );
  if (loaded.evicted.length > 0)
    log.info(
      `${loaded.evicted.length} telephone lines learned from calls forgotten: at most ` +
        `${MAX_LEARNED_LINES} are kept beside the configured ones, the quietest go`,
    );
  const writer = adapters.stateWriter(file, 500, (error) =>
    log.warn(`cannot save the lines' state: ${error.message}`),
  );
  const household = createHousehold({
    initial: loaded.state,
    save: (state) => writer.save(state),
    now: () => c.clock.now(),
    log: log.child("household"),
    rules,
  });
  // Written before the MQTT publisher rewrites the older file without the lines.
  if (loaded.saveNow) adapters.writeStateNow(file, serializeHousehold(loaded.state));
  return { household, flush: () => writer.flush() };
}
