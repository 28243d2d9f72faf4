/**
 * The processes a process started, read from /proc (Linux), for tests and benchmarks that
 * check which programs the add-on runs and how much memory they hold.
 */
import { readFileSync } from "node:fs";

/** The pids of a process's children (/proc/PID/task/PID/children). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter((child) => child !== "")
    .map(Number);
}

/** A process's command name (/proc/PID/comm), or null once it has exited. */
export function processName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** A process's children, each with its command name and real user id. */
export function childProcesses(pid: number): { pid: number; name: string; uid: number }[] {
  return childPids(pid).map((child) => ({
    pid: child,
    name: processName(child) ?? "",
    uid: Number(/^Uid:\s*(\d+)/m.exec(readFileSync(`/proc/${child}/status`, "utf8"))?.[1]),
  }));
}
