/**
 * Real network namespaces, veth pairs, addresses, processes inside namespaces and raw frame
 * injection for integration tests (needs root: wrap suites in describeIfRoot from ./root.js).
 *
 * Usage:
 *   let sandbox: NetworkSandbox;
 *   beforeAll(async () => { sandbox = await NetworkSandbox.create(); });
 *   afterAll(() => sandbox.cleanup());
 *   const ns = await sandbox.addNamespace();
 *   const [host, peer] = await sandbox.addVethPair({ peerNamespace: ns }); // host stays in
 *   await sandbox.addAddress(peer, "192.0.2.2/30");                        // the test's
 *   await sandbox.setUp(host); await sandbox.setUp(peer);                  // namespace
 *   const result = await sandbox.exec(ns, "ip", ["-br", "address"]); // {code, stdout, stderr}
 *   const server = sandbox.spawn(ns, "some-daemon", ["--flag"]);        // killed by cleanup()
 *   await sandbox.injectFrames(peer, [hand_built_ethernet_frame]);    // e.g. 802.1Q tagged
 *
 * Every namespace and interface is named `<prefix><pid><letter>-<n>` (at most 15 characters,
 * the kernel's limit for interface names): the PID keeps parallel runs apart and lets a later
 * run recognise leftovers of a crashed one (its PID is gone), which create() removes.
 * cleanup() removes everything carrying this sandbox's tag, whoever made it, so links you
 * create with raw `ip` commands are removed too as long as they are named by newName().
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

export interface CommandResult {
  /** Exit code; null when the command was killed by a signal (see signal). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Killed (SIGKILL) after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Written to standard input, which is then closed. */
  readonly input?: string | Uint8Array;
}

/** An interface, and the namespace it lives in: null = the test process's own namespace. */
export interface Link {
  readonly name: string;
  readonly namespace: string | null;
}

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly result: CommandResult,
  ) {
    const status = result.code === null ? `signal ${result.signal}` : `exit ${result.code}`;
    super(
      `${command.join(" ")} failed (${status}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
    this.name = "CommandError";
  }
}

/** Runs a command to completion. Resolves whatever the exit code; rejects only if it cannot start. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // a command that exits without reading its input
    child.stdin.end(options.input);
  });
}

/** Like runCommand, but a non-zero exit throws a CommandError quoting stderr. */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new CommandError([file, ...args], result);
  return result;
}

const MAX_INTERFACE_NAME = 15;

/** The project's `cap` package, loaded by absolute path from scripts run in a namespace. */
const CAP_MODULE_PATH = createRequire(import.meta.url).resolve("cap");

/** argv: cap path, interface, JSON array of base64 frames. Sends them in order. */
const INJECT_SCRIPT = `
const [capPath, device, frames] = process.argv.slice(1);
const { Cap } = require(capPath);
const cap = new Cap();
cap.open(device, "", 1024 * 1024, Buffer.alloc(65535));
for (const base64 of JSON.parse(frames)) cap.send(Buffer.from(base64, "base64"));
cap.close();
`;
const TAG_LETTERS = "abcdefghijklmnopqrstuvwxyz";

function namePattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}(\\d+)([a-z])-(\\d+)$`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Names of all network namespaces (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await runChecked("ip", ["-j", "netns", "list"]);
  // Prints nothing at all, not "[]", when there are none.
  if (stdout.trim() === "") return [];
  return (JSON.parse(stdout) as { name: string }[]).map((entry) => entry.name);
}

/** Interface names in a namespace (null: the test process's own). */
export async function listLinks(namespace: string | null = null): Promise<string[]> {
  const args =
    namespace === null ? ["-j", "link", "show"] : ["-n", namespace, "-j", "link", "show"];
  const { stdout } = await runChecked("ip", args);
  return (JSON.parse(stdout) as { ifname: string }[]).map((entry) => entry.ifname);
}

/** Kills every process left inside a namespace (so that deleting it frees it at once). */
async function killProcessesIn(namespace: string): Promise<void> {
  const { stdout } = await runCommand("ip", ["netns", "pids", namespace]);
  for (const pid of stdout.split(/\s+/).filter((text) => text !== "")) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Removes one namespace or root-namespace link; "does not exist" counts as success. */
async function removeQuietly(kind: "namespace" | "link", name: string): Promise<string | null> {
  if (kind === "namespace") await killProcessesIn(name);
  const args = kind === "namespace" ? ["netns", "delete", name] : ["link", "delete", name];
  const result = await runCommand("ip", args);
  if (result.code === 0 || /No such file|Cannot find device|does not exist/i.test(result.stderr)) {
    return null;
  }
  return `ip ${args.join(" ")}: ${result.stderr.trim()}`;
}

/**
 * Removes namespaces and links named with `prefix` whose creating process no longer exists:
 * what a crashed or killed earlier run left behind. Returns the names removed.
 */
export async function removeStaleSandboxes(prefix: string): Promise<string[]> {
  const pattern = namePattern(prefix);
  const isStale = (name: string) => {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    return Number.isInteger(pid) && pid !== process.pid && !processIsAlive(pid);
  };
  const links = (await listLinks()).filter(isStale);
  const namespaces = (await listNamespaces()).filter(isStale);
  // Root-side links first: deleting a veth removes both ends at once, whereas a deleted
  // namespace takes its devices (and their peers out here) down only asynchronously.
  for (const link of links) await removeQuietly("link", link);
  for (const namespace of namespaces) await removeQuietly("namespace", namespace);
  return [...links, ...namespaces];
}

export class NetworkSandbox {
  /** Everything this sandbox names starts with this: `<prefix><pid><letter>`. */
  readonly tag: string;
  readonly #children = new Set<ChildProcess>();
  #nextName = 0;

  private constructor(tag: string) {
    this.tag = tag;
  }

  /**
   * Removes stale leftovers of earlier runs with the same prefix, then picks a tag no live
   * sandbox of this process uses. `prefix`: 1–3 lower-case letters, distinct per test suite
   * family (names must fit in 15 characters with a 7-digit PID).
   */
  static async create(prefix = "vci"): Promise<NetworkSandbox> {
    if (!/^[a-z]{1,3}$/.test(prefix)) {
      throw new RangeError(`sandbox prefix must be 1-3 lower-case letters, got "${prefix}"`);
    }
    await removeStaleSandboxes(prefix);
    const inUse = [...(await listLinks()), ...(await listNamespaces())];
    for (const letter of TAG_LETTERS) {
      const tag = `${prefix}${process.pid}${letter}`;
      if (!inUse.some((name) => name.startsWith(`${tag}-`))) return new NetworkSandbox(tag);
    }
    throw new Error(`no free sandbox tag for ${prefix}${process.pid}: clean up earlier sandboxes`);
  }

  /** A fresh name for a namespace or interface, recognised by cleanup(). */
  newName(): string {
    const name = `${this.tag}-${this.#nextName++}`;
    if (name.length > MAX_INTERFACE_NAME) {
      throw new RangeError(
        `interface name ${name} is longer than ${MAX_INTERFACE_NAME} characters`,
      );
    }
    return name;
  }

  /** `ip [-n namespace] ...args`, throwing CommandError on failure. */
  ip(namespace: string | null, args: readonly string[]): Promise<CommandResult> {
    return runChecked("ip", namespace === null ? args : ["-n", namespace, ...args]);
  }

  /** Creates a namespace with its loopback up; returns its name. */
  async addNamespace(): Promise<string> {
    const namespace = this.newName();
    await runChecked("ip", ["netns", "add", namespace]);
    await this.ip(namespace, ["link", "set", "lo", "up"]);
    return namespace;
  }

  /**
   * Creates a veth pair directly in the given namespaces (default: the test's own). Both ends
   * start down: set addresses/MACs, then setUp().
   */
  async addVethPair(
    options: { namespace?: string | null; peerNamespace?: string | null } = {},
  ): Promise<[Link, Link]> {
    const end: Link = { name: this.newName(), namespace: options.namespace ?? null };
    const peer: Link = { name: this.newName(), namespace: options.peerNamespace ?? null };
    const netnsArgs = (link: Link) => (link.namespace === null ? [] : ["netns", link.namespace]);
    await this.ip(null, [
      "link",
      "add",
      end.name,
      ...netnsArgs(end),
      "type",
      "veth",
      "peer",
      "name",
      peer.name,
      ...netnsArgs(peer),
    ]);
    return [end, peer];
  }

  /** Moves a link to another namespace (null: the test's own); it comes out down. */
  async moveLink(link: Link, namespace: string | null): Promise<Link> {
    const target = namespace ?? String(process.pid);
    await this.ip(link.namespace, ["link", "set", link.name, "netns", target]);
    return { name: link.name, namespace };
  }

  /**
   * An 802.1Q (or 802.1ad, for the outer tag of QinQ) sub-interface of `parent`, down.
   * Needs the kernel's 8021q support, which this project's CI kernel lacks ("Unknown device
   * type"): to test tagged traffic portably, build the frames and use injectFrames().
   */
  async addVlan(parent: Link, vlanId: number, protocol: "802.1Q" | "802.1ad" = "802.1Q") {
    const vlan: Link = { name: this.newName(), namespace: parent.namespace };
    await this.ip(parent.namespace, [
      "link",
      "add",
      "link",
      parent.name,
      "name",
      vlan.name,
      "type",
      "vlan",
      "protocol",
      protocol,
      "id",
      String(vlanId),
    ]);
    return vlan;
  }

  async setMac(link: Link, mac: string): Promise<void> {
    await this.ip(link.namespace, ["link", "set", link.name, "address", mac]);
  }

  /** `cidr` like "192.0.2.2/30" or "2001:db8::2/64". */
  async addAddress(link: Link, cidr: string): Promise<void> {
    await this.ip(link.namespace, ["address", "add", cidr, "dev", link.name]);
  }

  async setUp(link: Link): Promise<void> {
    await this.ip(link.namespace, ["link", "set", link.name, "up"]);
  }

  /** A permanent ARP / neighbour entry, so traffic to `address` needs no live peer. */
  async addNeighbor(link: Link, address: string, mac: string): Promise<void> {
    await this.ip(link.namespace, [
      "neigh",
      "replace",
      address,
      "lladdr",
      mac,
      "dev",
      link.name,
      "nud",
      "permanent",
    ]);
  }

  /** Sets a sysctl inside a namespace, e.g. ("net.ipv6.conf.all.disable_ipv6", "1"). */
  async setSysctl(namespace: string, key: string, value: string): Promise<void> {
    await runChecked("ip", ["netns", "exec", namespace, "sysctl", "-qw", `${key}=${value}`]);
  }

  /**
   * Sends raw link-layer frames, in order, out of `link` through libpcap (cap), from inside
   * the link's namespace: for traffic the kernel there cannot make itself, such as 802.1Q /
   * QinQ tagged frames without 8021q, or hand-crafted DHCP. The peer receives them as if a
   * device had sent them. Throws CommandError if sending fails.
   */
  async injectFrames(link: Link, frames: readonly Uint8Array[]): Promise<void> {
    const encoded = JSON.stringify(frames.map((frame) => Buffer.from(frame).toString("base64")));
    const args = ["-e", INJECT_SCRIPT, CAP_MODULE_PATH, link.name, encoded];
    const result = await this.exec(link.namespace, process.execPath, args);
    if (result.code !== 0) throw new CommandError([process.execPath, ...args], result);
  }

  /** Runs a command inside a namespace (null: here) to completion; does not throw on exit code. */
  exec(
    namespace: string | null,
    file: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandResult> {
    return namespace === null
      ? runCommand(file, args, options)
      : runCommand("ip", ["netns", "exec", namespace, file, ...args], options);
  }

  /**
   * Starts a long-running process inside a namespace (null: here). `ip netns exec` execs the
   * command in place, so the ChildProcess is the command itself. cleanup() kills it.
   */
  spawn(
    namespace: string | null,
    file: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): ChildProcess {
    const child =
      namespace === null
        ? spawn(file, args, options)
        : spawn("ip", ["netns", "exec", namespace, file, ...args], options);
    this.#children.add(child);
    child.on("exit", () => this.#children.delete(child));
    return child;
  }

  /** Namespaces and test-namespace interfaces carrying this sandbox's tag that still exist. */
  async leftovers(): Promise<{ namespaces: string[]; links: string[] }> {
    const mine = (name: string) => name.startsWith(`${this.tag}-`);
    return {
      namespaces: (await listNamespaces()).filter(mine),
      links: (await listLinks()).filter(mine),
    };
  }

  /**
   * Kills spawned processes, then removes every namespace and interface with this sandbox's
   * tag. Tries everything even when something fails, then throws listing what is left.
   * Idempotent: call it from afterAll.
   */
  async cleanup(): Promise<void> {
    await Promise.all([...this.#children].map((child) => stopChild(child)));
    const { namespaces, links } = await this.leftovers();
    const outcomes: (string | null)[] = [];
    // Links first: see removeStaleSandboxes.
    for (const link of links) outcomes.push(await removeQuietly("link", link));
    for (const namespace of namespaces) outcomes.push(await removeQuietly("namespace", namespace));
    const problems = outcomes.filter((outcome): outcome is string => outcome !== null);
    // Links whose namespace was deleted can take a moment to go away; wait briefly for them.
    for (let attempt = 0; attempt < 20; attempt++) {
      const left = await this.leftovers();
      if (left.namespaces.length === 0 && left.links.length === 0) break;
      if (attempt === 19) {
        problems.push(`still present: ${[...left.namespaces, ...left.links].join(", ")}`);
      }
      await sleep(100);
    }
    if (problems.length > 0) throw new Error(`sandbox cleanup incomplete:\n${problems.join("\n")}`);
  }
}

/** SIGTERM, then SIGKILL if it has not exited within two seconds. */
async function stopChild(child: ChildProcess): Promise<void> {
  // No pid: it never started (the "error" event said why), so there is nothing to stop.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<boolean>((resolve) => child.once("exit", () => resolve(true)));
  const within = (ms: number) => Promise.race([exited, sleep(ms).then(() => false)]);
  child.kill("SIGTERM");
  if (await within(2000)) return;
  child.kill("SIGKILL");
  await within(2000);
}
