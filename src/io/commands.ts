/**
 * Runs the system tools the bridge needs (nft, iptables, ethtool): execFile, never a shell,
 * with a time-out, and English messages, since callers match them. Never rejects: a tool that
 * cannot start or is stopped comes back with code null and the reason in stderr.
 */
import { execFile } from "node:child_process";

export interface CommandOutput {
  /** Exit code; null when it could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one program to completion; `input` goes to its standard input. Should not reject. */
export type CommandRunner = (
  file: string,
  args: string[],
  input?: string,
) => Promise<CommandOutput>;

/** These tools answer in milliseconds; a hung one (a stuck lock) must not stall the bridge. */
export const COMMAND_TIMEOUT_MS = 5_000;
/** The real runner: execFile, no shell, English messages (they are matched), a time-out. */
export const runCommand: CommandRunner = (file, args, input) =>
  new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        encoding: "utf8",
        timeout: COMMAND_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, LC_ALL: "C" },
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
        } else if (typeof error.code === "number") {
          resolve({ code: error.code, stdout, stderr });
        } else {
          const why = error.killed
            ? `stopped after ${COMMAND_TIMEOUT_MS} ms`
            : `cannot run ${file}: ${error.message}`;
          resolve({ code: null, stdout, stderr: `${stderr}${why}` });
        }
      },
    );
    child.stdin?.on("error", () => {}); // a program that exits (or never started) unread
    child.stdin?.end(input);
  });
