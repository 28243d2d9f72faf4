/**
 * Whether this process may build network namespaces, and a describe() that depends on it.
 *
 * Developers without root see such suites skipped, with the reason. CI (CI=true) never skips
 * them: a CI machine without root is a broken CI machine, so the suite runs and fails loudly.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe } from "vitest";

/** Why network-namespace tests cannot run here, or null when they can. */
export const rootUnavailableReason: string | null = probeRoot();

/** uid 0 and `ip netns add` / `ip netns delete` actually work. */
export const rootAvailable: boolean = rootUnavailableReason === null;

function probeRoot(): string | null {
  const uid = process.getuid?.();
  if (uid !== 0) return `running as uid ${uid ?? "unknown"}, not root`;
  // Really create one: being uid 0 in a container says nothing about CAP_SYS_ADMIN or a
  // writable /run/netns.
  const name = `vcirootprobe${process.pid}`;
  const added = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (added.error !== undefined) return `cannot run ip (iproute2): ${added.error.message}`;
  if (added.status !== 0) return `"ip netns add" failed: ${added.stderr.trim()}`;
  spawnSync("ip", ["netns", "delete", name]);
  return null;
}

/**
 * describe() for suites that need root for network namespaces. Without root: skipped with a
 * visible "skipped: needs root for network namespaces" — unless CI=true, where the suite runs
 * anyway and fails with the reason.
 */
export function describeIfRoot(name: string, fn: () => void): void {
  if (rootUnavailableReason === null) {
    describe(name, fn);
    return;
  }
  const reason = rootUnavailableReason;
  if (process.env.CI === "true") {
    describe(name, () => {
      // Registered before the suite's own hooks, so this is the failure CI reports first.
      beforeAll(() => {
        throw new Error(
          `CI=true, so not skipping, but network namespaces are unavailable: ${reason}`,
        );
      });
      fn();
    });
    return;
  }
  const message = `skipped: needs root for network namespaces (${reason})`;
  console.warn(`${name}: ${message}`);
  describe.skip(`${name} (${message})`, fn);
}
