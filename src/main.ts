#!/usr/bin/env node
/**
 * The composition root: reads the command line, builds the real adapters (files, live capture,
 * clock, stdout/stderr) and hands them to the command. Nothing else in the program touches the
 * process.
 */
import { readFileSync } from "node:fs";
import { parseCommandLine, USAGE } from "./cli/args.js";
import { runListen } from "./cli/listen.js";
import { runLookup } from "./cli/lookup.js";
import { runReplay } from "./cli/replay.js";
import { readCaptureFileSync } from "./io/captureFileSource.js";
import { readJsonFile, writeJsonFileAtomic } from "./io/jsonFile.js";
import { readOptionsFile, stateFolder } from "./io/optionsFile.js";
import { openPhonebook } from "./io/phonebookFiles.js";
import { createSearchChClient } from "./io/searchChClient.js";

const writeOut = (line: string) => process.stdout.write(`${line}\n`);
const writeErr = (line: string) => process.stderr.write(`${line}\n`);

function version(): string {
  const packageJson = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
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
    case "replay":
      return runReplay(command.files, command.capture, {
        readCapture: readCaptureFileSync,
        writeOut,
        writeErr,
      });
    case "listen": {
      // Loaded only here: the native capture library is not needed to read files.
      const { openLiveCapture } = await import("./io/liveCapture.js");
      return runListen(command.interfaceName, command.capture, {
        openCapture: openLiveCapture,
        now: Date.now,
        writeOut,
        writeErr,
        stopRequested: stopSignal(),
      });
    }
    case "lookup":
      return runLookup(command.number, command.flags, {
        readOptionsFile,
        openPhonebook,
        createDirectory: (directory, lang) =>
          createSearchChClient({
            baseUrl: directory.search_ch_url,
            lang,
            timeoutMs: directory.lookup_timeout_ms,
            ...(directory.search_ch_key ? { key: directory.search_ch_key } : {}),
          }),
        defaultDataDir: stateFolder,
        readState: (path) => {
          const read = readJsonFile(path);
          return read.ok ? read.value : undefined;
        },
        writeState: writeJsonFileAtomic,
        now: Date.now,
        writeOut,
        writeErr,
      });
  }
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
