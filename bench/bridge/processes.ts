/**
 * The bridge benchmark's plumbing: child processes (lines, time-outs, stopping), CPU use read
 * from /proc, and the C traffic helper compiled at start.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const CLOCK_TICKS_PER_SECOND = Number(
  spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100,
);

export const sum = (values: readonly number[]) => values.reduce((total, n) => total + n, 0);

/** Lines of a child's stdout, one per call, in order. */
export function lineReader(child: ChildProcess): () => Promise<string> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  if (child.stdout === null) throw new Error("child has no stdout pipe");
  createInterface({ input: child.stdout }).on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  return () => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => waiting.push(resolve));
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`timed out after ${ms} ms: ${what()}`);
    }),
  ]);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!stopped) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces). */
export function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** All cores together: [busy, total] clock ticks since boot. */
export function machineTicks(): [number, number] {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return [sum(ticks) - idle, sum(ticks)];
}

/** Busy share of all cores over the next `ms`. */
export async function machineBusyOver(ms: number): Promise<number> {
  const [busyBefore, totalBefore] = machineTicks();
  await sleep(ms);
  const [busyAfter, totalAfter] = machineTicks();
  return (busyAfter - busyBefore) / Math.max(1, totalAfter - totalBefore);
}

/** The pids whose parent is `pid` (the bridge forks its worker). */
export function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(statFields(name)[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

export function compileHelper(dir: string): string {
  const source = fileURLToPath(new URL("./udpload.c", import.meta.url));
  const binary = join(dir, "udpload");
  const compiled = spawnSync("cc", ["-O2", "-o", binary, source], { encoding: "utf8" });
  if (compiled.error !== undefined || compiled.status !== 0) {
    throw new Error(
      `cannot compile ${source} (this benchmark needs a C compiler as "cc"): ${compiled.error?.message ?? compiled.stderr}`,
    );
  }
  return binary;
}
