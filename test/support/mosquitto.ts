/**
 * A real MQTT broker for tests: Debian's mosquitto on 127.0.0.1 and a free port, with a
 * temporary config (no persistence, so a restart forgets every retained message, as a broker
 * without a persistence file does). It can be stopped and started again on the same port,
 * for tests of what a client does when its broker goes away.
 *
 *   const broker = await startMosquitto();            // anonymous
 *   const secured = await startMosquitto({ users: { ha: "secret" } });
 *   afterAll(() => broker.kill());
 *
 * Every broker still running when the test process exits is killed then, so a failed test
 * never leaves one behind.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = "/usr/sbin/mosquitto";
const MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd";
const READY_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 3_000;

export interface MosquittoOptions {
  /** user → password; when given, only these users may connect. */
  readonly users?: Readonly<Record<string, string>>;
}

export interface Mosquitto {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** Stops the broker (SIGTERM, then SIGKILL); the port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it for good and removes its temporary folder. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO)) {
    throw new Error(
      `${MOSQUITTO} is missing: install Debian's mosquitto (apt-get install mosquitto)`,
    );
  }
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), "vci-mosquitto-"));
  const config = join(folder, "mosquitto.conf");
  writeFileSync(config, configText(port, folder, options));
  let child: ChildProcess | null = null;

  const broker: Mosquitto = {
    host: "127.0.0.1",
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    async start() {
      if (child !== null) return;
      child = await launch(config, port);
    },
    async stop() {
      const current = child;
      child = null;
      if (current !== null) await terminate(current);
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
    async kill() {
      await broker.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
  try {
    await broker.start();
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return broker;
}

function configText(port: number, folder: string, options: MosquittoOptions): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    "persistence false",
    "log_dest stderr",
    "log_type error",
    "log_type warning",
  ];
  // As root, mosquitto otherwise drops to the "mosquitto" user, which cannot read our folder.
  if (process.getuid?.() === 0) lines.push("user root");
  const users = Object.entries(options.users ?? {});
  if (users.length === 0) {
    lines.push("allow_anonymous true");
  } else {
    const passwords = join(folder, "passwords");
    writeFileSync(passwords, "", { mode: 0o600 });
    for (const [user, password] of users) {
      const made = spawnSync(MOSQUITTO_PASSWD, ["-b", passwords, user, password], {
        encoding: "utf8",
      });
      if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    }
    lines.push("allow_anonymous false", `password_file ${passwords}`);
  }
  return `${lines.join("\n")}\n`;
}

async function launch(config: string, port: number): Promise<ChildProcess> {
  const child = spawn(MOSQUITTO, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  running.add(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      reject(new Error(`mosquitto exited (${signal ?? code}) before accepting: ${stderr.trim()}`));
    });
    child.once("error", (error) => reject(error));
  });
  exited.catch(() => {}); // only raced below; a later exit (stop()) is expected
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    const accepted = await Promise.race([accepts(port), exited]);
    if (accepted) return child;
    if (Date.now() > deadline) {
      await terminate(child);
      throw new Error(`mosquitto did not accept connections on ${port}: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
  running.delete(child);
}

/** A port nobody listens on now; the kernel hands out a fresh one each time. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
