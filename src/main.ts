#!/usr/bin/env node
/**
 * The composition root: reads the command line, builds the real adapters (files, live capture,
 * clock, stdout/stderr) and hands them to the command. Nothing else in the program touches the
 * process. Each command loads only the modules it needs: `replay` should not pay for MQTT,
 * SQLite and the websocket client in start-up time and memory.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseCommandLine, USAGE } from "./cli/args.js";
import { processZone } from "./core/time/zonedTime.js";

const writeOut = (line: string) => process.stdout.write(`${line}\n`);
const writeErr = (line: string) => process.stderr.write(`${line}\n`);

function version(): string {
  const packageJson = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/**
 * The zone the household lives in: the add-on's TZ, as the Supervisor sets it; else the zone
 * ICU finds (that costs 8 MB of its data, which a TZ spares).
 */
function processTimeZone(): string {
  return processZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = await parseCommandLine(argv);
  if (!parsed.ok) {
    writeErr(`voip-callerid: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  const { command } = parsed;
  switch (command.name) {
    case "help":
      writeOut(USAGE);
      return 0;
    case "version":
      writeOut(version());
      return 0;
    case "replay": {
      const { runReplay } = await import("./cli/replay.js");
      const { readCaptureFileSync } = await import("./io/captureFileSource.js");
      return runReplay(command.files, command.capture, {
        readCapture: readCaptureFileSync,
        writeOut,
        writeErr,
      });
    }
    case "listen": {
      const { runListen } = await import("./cli/listen.js");
      const { startCapture } = await import("./capture/startCapture.js");
      return runListen(command.interfaceName, command.capture, {
        startCapture,
        now: Date.now,
        writeOut,
        writeErr,
        stopRequested: stopSignal(),
      });
    }
    case "bridge": {
      const { runBridgeCommand } = await import("./cli/bridge.js");
      const { startBridge } = await import("./bridge/startBridge.js");
      return runBridgeCommand(command.flags, {
        startBridge,
        writeOut,
        writeErr,
        stopRequested: stopSignal(),
      });
    }
    case "run":
      return runCommand(command.configFile, command.replayFiles, command.speed);
    case "calls": {
      const { runCalls } = await import("./cli/calls.js");
      const { openCallLog } = await import("./io/callLog.js");
      const { readOptionsFile, stateFolder } = await import("./io/optionsFile.js");
      return runCalls(command.flags, {
        readOptionsFile,
        defaultDataDir: stateFolder,
        fileExists: existsSync,
        openCallLog: (path) => openCallLog(path, { retentionDays: 3650 }),
        writeOut,
        writeErr,
      });
    }
    case "nuisance": {
      const { runNuisance } = await import("./cli/nuisance.js");
      const { openHouseholdMarks } = await import("./io/householdMarks.js");
      const { readOptionsFile, stateFolder } = await import("./io/optionsFile.js");
      return runNuisance(command, {
        readOptionsFile,
        defaultDataDir: stateFolder,
        openMarks: (folder, country) =>
          openHouseholdMarks({
            folder,
            country,
            now: Date.now,
            warn: (message) => writeErr(`voip-callerid: ${message}`),
          }),
        writeOut,
        writeErr,
      });
    }
    case "lookup": {
      const { runLookup } = await import("./cli/lookup.js");
      const { readJsonFile, writeJsonFileAtomic } = await import("./io/jsonFile.js");
      const { readOptionsFile, stateFolder } = await import("./io/optionsFile.js");
      const { openPhonebook } = await import("./io/phonebookFiles.js");
      const { createSearchChClient } = await import("./io/searchChClient.js");
      const { openNuisanceFiles } = await import("./io/nuisanceFiles.js");
      const { openHouseholdMarks } = await import("./io/householdMarks.js");
      const { createTellowsClient } = await import("./io/tellowsClient.js");
      return runLookup(command.number, command.flags, {
        readOptionsFile,
        openPhonebook,
        createSearchCh: createSearchChClient,
        openNuisanceFiles,
        openMarks: (folder, country) =>
          openHouseholdMarks({
            folder,
            country,
            now: Date.now,
            warn: (message) => writeErr(`voip-callerid: warning: ${message}`),
          }),
        createTellows: createTellowsClient,
        defaultDataDir: stateFolder,
        readState: readJsonFile,
        writeState: writeJsonFileAtomic,
        timeZone: processTimeZone(),
        now: Date.now,
        writeOut,
        writeErr,
      });
    }
  }
}

/** The daemon: options from --config, or the Supervisor's, or every default; then run. */
async function runCommand(
  configFile: string | undefined,
  replayFiles: readonly string[],
  speed: number,
): Promise<number> {
  const { validateOptions } = await import("./config/validateOptions.js");
  const { withPathChecks } = await import("./io/pathChecks.js");
  const { runDaemon } = await import("./daemon/runDaemon.js");
  const { createLogger } = await import("./io/logger.js");
  const { readOptionsFile } = await import("./io/optionsFile.js");
  const { SUPERVISOR_OPTIONS_FILE, supervisorToken } = await import("./io/supervisor.js");
  const source =
    configFile ??
    (supervisorToken(process.env) && existsSync(SUPERVISOR_OPTIONS_FILE)
      ? SUPERVISOR_OPTIONS_FILE
      : undefined);
  const read = source ? readOptionsFile(source) : { ok: true as const, value: {} };
  if (!read.ok) {
    writeErr(`voip-callerid: ${read.message}`);
    return 1;
  }
  // Path options before anything starts: a folder under /proc would hang Node's mkdir.
  const validated = withPathChecks(validateOptions(read.value));
  if (!validated.ok) {
    for (const problem of validated.problems) writeErr(`voip-callerid: option ${problem}`);
    writeErr("voip-callerid: not started: correct the options above");
    return 1;
  }
  const log = createLogger(validated.options.log_level);
  process.on("uncaughtException", (error) => {
    log.error(`unexpected failure: ${error.stack ?? String(error)}`);
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    log.error(`unexpected failure: ${(reason as Error)?.stack ?? String(reason)}`);
    process.exit(1);
  });
  log.info(`VoIP Caller ID ${version()} starting${source ? ` with options from ${source}` : ""}`);
  return runDaemon({
    options: validated.options,
    replayFiles,
    speed,
    env: process.env,
    log,
    version: version(),
    timeZone: processTimeZone(),
    stopRequested: stopSignal(),
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    writeErr(`voip-callerid: unexpected failure: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
