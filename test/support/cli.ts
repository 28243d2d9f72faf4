/**
 * Runs the real command line as a child process: the program compiled once for this test run
 * by ./buildProgram.ts (vitest globalSetup), started with plain node as the add-on starts it.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The compiled main.js of this run; fails clearly when the build setup did not run. */
function builtMain(): string {
  const main = inject("builtMain");
  if (typeof main !== "string")
    throw new Error(
      "no compiled program: this test file's vitest project needs globalSetup test/support/buildProgram.ts",
    );
  return main;
}

/** The argv that starts the CLI: `[node, <this run's build>/dist/main.js]`. */
export const CLI_COMMAND = [process.execPath, builtMain()];

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

/**
 * Runs the CLI without blocking this process, for tests whose own servers (a fake search.ch)
 * must keep answering while the CLI runs.
 */
export function spawnCli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [command, ...rest] = CLI_COMMAND;
    const child = spawn(command as string, [...rest, ...args], { cwd: PROJECT_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
