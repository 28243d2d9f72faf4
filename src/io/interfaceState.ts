/**
 * Whether a network interface exists and is administratively up, read from sysfs
 * (/sys/class/net/IF/flags, IFF_UP = 0x1), and its hardware type. Cheap, and safe to ask
 * several times a second: the bridge asks before starting its worker, because cap aborts a
 * process that opens or keeps a capture on an interface that goes down, and the caller-id
 * capture watches it while tcpdump runs. /sys shows the interfaces of the network namespace it was
 * mounted in, which is the add-on's (host network) and each test namespace's (`ip netns exec`
 * mounts it anew).
 */
import { readdirSync, readFileSync } from "node:fs";

export type InterfaceState = "up" | "down" | "missing";

const IFF_UP = 0x1;

export function interfaceState(name: string, sysfs = "/sys/class/net"): InterfaceState {
  const text = attribute(name, "flags", sysfs);
  if (text === null) return "missing";
  const flags = Number.parseInt(text.trim(), 16);
  return Number.isNaN(flags) || (flags & IFF_UP) === 0 ? "down" : "up";
}

/** The interface's ARPHRD_* hardware type (/sys/class/net/IF/type), or null if unreadable. */
export function interfaceType(name: string, sysfs = "/sys/class/net"): number | null {
  const text = attribute(name, "type", sysfs);
  const type = text === null ? Number.NaN : Number.parseInt(text, 10);
  return Number.isNaN(type) ? null : type;
}

function attribute(name: string, file: string, sysfs: string): string | null {
  // A name with a slash would leave the folder; no interface is called that.
  if (name === "" || name.includes("/") || name === "." || name === "..") return null;
  try {
    return readFileSync(`${sysfs}/${name}/${file}`, "utf8");
  } catch {
    return null;
  }
}

/** The interfaces there are, sorted; empty when sysfs cannot be read. */
export function interfaceNames(sysfs = "/sys/class/net"): string[] {
  try {
    return readdirSync(sysfs).sort();
  } catch {
    return [];
  }
}
