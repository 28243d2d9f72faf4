/**
 * Runs the real command line as a child process: the program compiled once for this test run
 * by ./buildProgram.ts (vitest globalSetup), started with plain node as the add-on starts it.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { inject } from "vitest";
import { DAEMON_NODE_FLAGS } from "../../src/nodeFlags.js";
import { PROJECT_ROOT } from "./projectRoot.js";

export { PROJECT_ROOT };

/** The compiled main.js of this run; fails clearly when the build setup did not run. */
function builtMain(): string {
  const main = inject("builtMain");
  if (typeof main !== "string")
    throw new Error(
      "no compiled program: this test file's vitest project needs globalSetup test/support/buildProgram.ts",
    );
  return main;
}

/**
 * The argv that starts the CLI: `[node, <flags>, <this run's build>/dist/main.js]`, with the
 * node flags addon/run.sh gives the add-on (src/nodeFlags.ts).
 */
export const CLI_COMMAND = [process.execPath, ...DAEMON_NODE_FLAGS, builtMain()];

/**
 * A module of the compiled program, e.g. `builtModule("io/callLog.js")`, for child scripts
 * that exercise one part of it as a process of its own.
 */
export function builtModule(relativePath: string): string {
  return join(dirname(builtMain()), relativePath);
}

export function runCli(
  args: string[],
  options: { prefix?: string[]; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const [command, ...rest] = [...(options.prefix ?? []), ...CLI_COMMAND, ...args];
  return spawnSync(command as string, rest, {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 20_000,
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process started by startCli: what it said so far, and its end. */
export interface RunningCli {
  /** stdout and stderr so far, in the order they arrived. */
  output(): string;
  /** Resolves once the output contains `text`; rejects, quoting the output, after `timeoutMs`. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<CliResult>;
  /** Sends the process a signal. */
  kill(signal: NodeJS.Signals): void;
}

/** Starts the CLI and returns at once, for tests that act on what it says while it runs. */
function startCli(args: string[]): RunningCli {
  const [command, ...rest] = CLI_COMMAND;
  const child = spawn(command as string, [...rest, ...args], { cwd: PROJECT_ROOT });
  let stdout = "";
  let stderr = "";
  let output = "";
  const listeners = new Set<() => void>();
  const heard = () => {
    for (const listener of listeners) listener();
  };
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    output += chunk;
    heard();
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    output += chunk;
    heard();
  });
  const exited = new Promise<CliResult>((resolve) =>
    child.on("close", (code) => {
      heard();
      resolve({ code, stdout, stderr });
    }),
  );
  const contains = (text: string | RegExp) =>
    typeof text === "string" ? output.includes(text) : text.test(output);
  return {
    output: () => output,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForOutput: (text, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (contains(text)) done(resolve);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(() => reject(new Error(`the CLI ended without saying ${text}:\n${output}`)));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`the CLI did not say ${text} within ${timeoutMs} ms:\n${output}`)),
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
  };
}

/**
 * Runs the CLI without blocking this process, for tests whose own servers (a fake search.ch)
 * must keep answering while the CLI runs.
 */
export function spawnCli(args: string[]): Promise<CliResult> {
  return startCli(args).exited;
}

/** `run --config <config> --replay <capture> --speed 0`: the capture replayed at once, to its end. */
export function replayAtOnce(
  config: string,
  capture = "examples/incoming-call.pcap",
): Promise<CliResult> {
  return spawnCli(replayAtOnceArgs(config, capture));
}

/** replayAtOnce, started: for a test that watches the run or stops it on the way. */
export function startReplayAtOnce(
  config: string,
  capture = "examples/incoming-call.pcap",
): RunningCli {
  return startCli(replayAtOnceArgs(config, capture));
}

function replayAtOnceArgs(config: string, capture: string): string[] {
  return ["run", "--config", config, "--replay", capture, "--speed", "0"];
}
