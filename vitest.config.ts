import { defineConfig } from "vitest/config";
import HostFilesFirst, { HOST_PROJECT } from "./test/support/hostFilesFirst.js";
import type { TurnQueue } from "./test/support/turns.js";

/**
 * Files that build network namespaces, bridges and firewall rules: one at a time, beside the
 * other files (test/support/turns.ts).
 */
const HOST_FILES = [
  "test/integration/bridgeEndToEnd.test.ts",
  "test/integration/bridgeDaemon.test.ts",
  "test/integration/hostProtection.test.ts",
  "test/integration/liveCapture.test.ts",
  "test/integration/listen.test.ts",
  "test/integration/captureSurvives.test.ts",
  "test/integration/panelPeers.test.ts",
  // The panel in chromium against the daemon capturing on a veth pair.
  "test/browser/panel.test.ts",
];

/** The packed-tarball install: its own command, `npm run test:install`, which CI runs too. */
const INSTALL_FILE = "test/integration/productionInstall.test.ts";

/** The machines have two cores: two files at a time besides the host file. */
const CPU_QUEUE: TurnQueue = { name: "cpu", permits: 2 };
const HOST_QUEUE: TurnQueue = { name: "host", permits: 1 };

/** Tests that start the program as a process need it compiled, once per run. */
const BUILD = "test/support/buildProgram.ts";
const TURNS = "test/support/turns.ts";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Host files start first and wait for their turn in idle workers: enough workers for all
    // of them plus the CPU queue's turns.
    maxWorkers: HOST_FILES.length + CPU_QUEUE.permits,
    sequence: { sequencer: HostFilesFirst },
    globalSetup: [TURNS],
    setupFiles: ["test/support/waitForTurn.ts"],
    provide: { turnQueue: CPU_QUEUE },
    reporters: ["default", "./test/support/closingLineReporter.ts"],
    projects: [
      {
        extends: true,
        // Pure code, no process-wide state: one worker runs many files and keeps the modules
        // it loaded: a third less CPU time for the unit files (each fresh worker loads Vitest and
        // the sources again).
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...HOST_FILES, INSTALL_FILE],
          globalSetup: [TURNS, BUILD],
        },
      },
      {
        extends: true,
        test: {
          name: HOST_PROJECT,
          include: HOST_FILES,
          globalSetup: [TURNS, BUILD],
          provide: { turnQueue: HOST_QUEUE },
        },
      },
      { extends: true, test: { name: "install", include: [INSTALL_FILE] } },
    ],
  },
});
