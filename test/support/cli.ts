/** Runs the real command line (from source, through tsx) as a child process. */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** The argv that starts the CLI from source: `[node, --import, tsx, src/main.ts]`. */
export const CLI_COMMAND = [process.execPath, "--import", "tsx", MAIN];

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
