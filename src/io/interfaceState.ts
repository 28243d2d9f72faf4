/**
 * Whether a network interface exists and is administratively up, read from sysfs
 * (/sys/class/net/IF/flags, IFF_UP = 0x1). Cheap, and safe to ask several times a second: the
 * bridge and the caller-id capture ask before starting a worker, because cap aborts a process that opens or keeps a capture
 * on an interface that goes down. /sys shows the interfaces of the network namespace it was
 * mounted in, which is the add-on's (host network) and each test namespace's (`ip netns exec`
 * mounts it anew).
 */
import { readdirSync, readFileSync } from "node:fs";

export type InterfaceState = "up" | "down" | "missing";

const IFF_UP = 0x1;

export function interfaceState(name: string, sysfs = "/sys/class/net"): InterfaceState {
  // A name with a slash would leave the folder; no interface is called that.
  if (name === "" || name.includes("/") || name === "." || name === "..") return "missing";
  let text: string;
  try {
    text = readFileSync(`${sysfs}/${name}/flags`, "utf8");
  } catch {
    return "missing";
  }
  const flags = Number.parseInt(text.trim(), 16);
  return Number.isNaN(flags) || (flags & IFF_UP) === 0 ? "down" : "up";
}

/** The interfaces there are, sorted; empty when sysfs cannot be read. */
export function interfaceNames(sysfs = "/sys/class/net"): string[] {
  try {
    return readdirSync(sysfs).sort();
  } catch {
    return [];
  }
}
