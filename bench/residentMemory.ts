/**
 * Resident memory of a process and of its child processes (the capture's tcpdump), as the soak
 * reports it. RSS counts every page a process maps and has in memory, so pages two processes
 * share — the C library's code, mapped by the daemon and by tcpdump alike — are counted in
 * each process's RSS. `together` counts each physical page once: the page
 * frames of both processes' resident pages (/proc/PID/pagemap, root only), so it is what the
 * add-on really holds in memory, shared code included once.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { childPids } from "../test/support/processes.js";

const PAGE = 4096;

export interface ResidentMemory {
  /** VmRSS of the process, kB. */
  readonly main: number;
  /** VmHWM: its highest VmRSS so far, kB. */
  readonly peak: number;
  /** The sum of its children's VmRSS, kB. */
  readonly children: number;
  /** Distinct physical pages of the process and its children, kB. */
  readonly together: number;
}

function statusField(pid: number, name: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

/** Adds the page frame numbers of `pid`'s resident pages to `frames`. */
function addFrames(pid: number, frames: Set<number>): void {
  const smaps = readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n");
  const ranges: [number, number][] = [];
  let range: [number, number] | null = null;
  for (const line of smaps) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (head)
      range = [Number.parseInt(head[1] as string, 16), Number.parseInt(head[2] as string, 16)];
    else if (range && line.startsWith("Rss:") && !/Rss:\s+0 kB/.test(line)) ranges.push(range);
  }
  const fd = openSync(`/proc/${pid}/pagemap`, "r");
  try {
    for (const [start, end] of ranges) {
      const pages = (end - start) / PAGE;
      const buffer = Buffer.alloc(pages * 8);
      readSync(fd, buffer, 0, buffer.length, (start / PAGE) * 8);
      for (let i = 0; i < pages; i++) {
        const entry = buffer.readBigUInt64LE(i * 8);
        if (entry >> 63n === 1n) frames.add(Number(entry & ((1n << 55n) - 1n)));
      }
    }
  } finally {
    closeSync(fd);
  }
}

export function residentMemory(pid: number): ResidentMemory {
  let children = 0;
  const frames = new Set<number>();
  for (const child of childPids(pid)) {
    try {
      children += statusField(child, "VmRSS");
      addFrames(child, frames);
    } catch {
      // The child has just exited.
    }
  }
  addFrames(pid, frames);
  return {
    main: statusField(pid, "VmRSS"),
    peak: statusField(pid, "VmHWM"),
    children,
    together: (frames.size * PAGE) / 1024,
  };
}
