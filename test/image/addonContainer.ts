/**
 * Starts the add-on image the way the Supervisor starts an add-on (supervisor/docker/addon.py),
 * with what works on these machines: `buildah from` + `buildah run --isolation chroot` instead
 * of a container runtime. What the Supervisor gives, kept: the image's own ENTRYPOINT + CMD,
 * the host's network (`host_network: true`), /data mounted read-write with options.json in it,
 * SUPERVISOR_TOKEN / HASSIO_TOKEN and TZ in the environment, the capabilities of config.yaml's
 * `privileged` list — and here no others at all, not even a runtime's default set, so the test
 * proves the add-on needs nothing more — and an /etc/hosts naming `supervisor` (the image's
 * own, --no-hosts, replaced in the working container as the Supervisor's extra_hosts would).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runChecked } from "../support/netns.js";

/** Linux capabilities by bit number (linux/capability.h). */
const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

export interface AddonStart {
  readonly image: string;
  /** Mounted at /data. */
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** config.yaml's `privileged` list, e.g. ["NET_ADMIN", "NET_RAW"]. */
  readonly capabilities: readonly string[];
  /** The container's /etc/hosts. */
  readonly hosts: string;
  /** A scratch folder of the test's. */
  readonly workDir: string;
}

export interface RunningAddon {
  /** Everything the add-on wrote (stdout and stderr: the Supervisor's Log tab). */
  readonly log: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The container's /init, or null once it is gone. */
  initPid(): number | null;
  /** The add-on's node process, or null. */
  nodePid(): number | null;
  /** Sends a signal to the container's /init, as `docker stop` does (SIGTERM). */
  signal(signal: NodeJS.Signals): void;
  /** Kills what is left and removes the working container. */
  remove(): Promise<void>;
}

/** The image's ENTRYPOINT followed by its CMD: what a container runtime starts. */
async function imageCommand(image: string): Promise<string[]> {
  const { stdout } = await runChecked("buildah", ["inspect", "--type", "image", image]);
  const config = (
    JSON.parse(stdout) as { Docker: { config: { Entrypoint?: string[]; Cmd?: string[] } } }
  ).Docker.config;
  return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
}

export async function startAddon(start: AddonStart): Promise<RunningAddon> {
  const command = await imageCommand(start.image);
  const { stdout } = await runChecked("buildah", ["from", "--pull=never", start.image]);
  const container = stdout.trim();
  const hostsFile = join(start.workDir, "hosts");
  writeFileSync(hostsFile, start.hosts);
  await runChecked("buildah", ["copy", container, hostsFile, "/etc/hosts"]);
  const wanted = new Set(start.capabilities);
  const capabilityArgs = [
    ...CAPABILITIES.filter((name) => !wanted.has(name)).flatMap((name) => [
      "--cap-drop",
      `CAP_${name}`,
    ]),
    ...[...wanted].flatMap((name) => ["--cap-add", `CAP_${name}`]),
  ];
  const envArgs = Object.entries(start.env).flatMap(([name, value]) => [
    "--env",
    `${name}=${value}`,
  ]);
  const child: ChildProcess = spawn(
    "buildah",
    [
      "run",
      "--isolation",
      "chroot",
      "--network",
      "host",
      "--no-hosts",
      ...capabilityArgs,
      ...envArgs,
      "--volume",
      `${start.dataDir}:/data`,
      container,
      "--",
      ...command,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  // The deepest match: buildah's own chroot helper above the container's first process
  // carries the same command line (`buildah-chroot-exec /init /run.sh`).
  const find = (matches: (argv: string[]) => boolean) =>
    child.pid === undefined
      ? null
      : (descendants(child.pid).findLast((pid) => matches(argvOf(pid))) ?? null);
  const initPid = () => find((argv) => argv[0] === "/init" || argv[1] === "/init");
  return {
    log: () => log,
    exited,
    initPid,
    nodePid: () => find((argv) => argv.includes("/app/dist/main.js")),
    signal(signal) {
      const pid = initPid();
      if (pid === null) throw new Error(`no /init in the container; its log:\n${log}`);
      process.kill(pid, signal);
    },
    async remove() {
      if (child.exitCode === null && child.signalCode === null) {
        for (const pid of child.pid === undefined ? [] : descendants(child.pid)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        await exited;
      }
      await runChecked("buildah", ["rm", container]);
    },
  };
}

/** Every process below `root`, parents before children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((part) => part !== "");
  } catch {
    return [];
  }
}

/** The capabilities a process has in effect, by name. */
export function effectiveCapabilities(pid: number): string[] {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0";
  const bits = BigInt(`0x${hex}`);
  return CAPABILITIES.filter((_, bit) => (bits >> BigInt(bit)) & 1n);
}

/** A process's resident memory (VmRSS), in MB. */
export function residentMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s*(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}
