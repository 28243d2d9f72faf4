/**
 * The local speak command, for set-ups without Home Assistant speakers (the seed's script):
 * the configured argv with the sentence appended as ONE argument, run without a shell — the
 * caller's name is data and can never become a command — and killed after a time-out.
 */
import { spawn } from "node:child_process";

export type CommandOutcome = { ok: true } | { ok: false; message: string };

export function runSpeakCommand(
  argv: readonly string[],
  text: string,
  timeoutMs = 30_000,
): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (!file) return Promise.resolve({ ok: false, message: "announce.command is empty" });
  return new Promise((resolve) => {
    const child = spawn(file, [...args, text], {
      shell: false,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `cannot run ${file}: ${error.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true });
      else if (signal === "SIGKILL")
        resolve({ ok: false, message: `${file} took longer than ${timeoutMs} ms and was stopped` });
      else
        resolve({
          ok: false,
          message: `${file} exited with ${code ?? signal}: ${stderr.trim().slice(0, 200)}`,
        });
    });
  });
}
