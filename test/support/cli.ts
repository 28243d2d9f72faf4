/** Runs the real command line (from source, through tsx) as a child process. */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
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
