/**
 * Vitest globalSetup: hands out turns to test files, so that the run keeps both cores busy
 * without overloading them and the "host" files never overlap one another.
 *
 * - queue "host": the files that build network namespaces, bridges and firewall rules, one at
 *   a time; they mostly wait on the network, so they run beside the others, not after them
 *   (Vitest's own way, a project with one worker, would run them only after all the rest).
 * - queue "cpu": every other file, as many at a time as there are cores.
 *
 * There are more Vitest workers than turns (see vitest.config.ts), so a file waiting for its
 * turn holds only an idle worker. A turn is a connection to the Unix socket served here: the
 * file (./waitForTurn.ts, a setupFile) asks for its queue and waits for one byte, and holds
 * the connection while it runs; its closing, also when the worker dies, passes the turn on.
 */
import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

export interface TurnQueue {
  readonly name: string;
  /** How many files of this queue may run at once. */
  readonly permits: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The Unix socket that hands out turns. */
    turnSocket: string;
    /** The queue this project's files wait in (set per project in vitest.config.ts). */
    turnQueue: TurnQueue;
  }
}

interface Queue {
  permits: number;
  running: Set<Socket>;
  waiting: Socket[];
}

/** Every project lists this setup; they share one server, closed by the last teardown. */
interface SharedServer {
  path: Promise<string>;
  server: Server;
  users: number;
}
const SHARED = Symbol.for("voip-callerid.testTurns");
const registry = globalThis as { [SHARED]?: SharedServer };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = registry[SHARED] ?? startServer();
  registry[SHARED] = shared;
  shared.users++;
  project.provide("turnSocket", await shared.path);
  return async () => {
    if (--shared.users > 0) return;
    delete registry[SHARED];
    await new Promise<void>((resolve) => shared.server.close(() => resolve()));
    rmSync(await shared.path, { force: true });
  };
}

function startServer(): SharedServer {
  const queues = new Map<string, Queue>();
  const admit = (queue: Queue) => {
    while (queue.running.size < queue.permits && queue.waiting.length > 0) {
      const next = queue.waiting.shift() as Socket;
      queue.running.add(next);
      next.write("go");
    }
  };
  const server = createServer((socket) => {
    let queue: Queue | undefined;
    socket.on("error", () => {}); // a worker that died: its close below passes the turn on
    socket.once("data", (request) => {
      const { name, permits } = JSON.parse(request.toString()) as TurnQueue;
      queue = queues.get(name) ?? { permits, running: new Set(), waiting: [] };
      queues.set(name, queue);
      queue.waiting.push(socket);
      admit(queue);
    });
    socket.on("close", () => {
      if (queue === undefined) return;
      queue.running.delete(socket);
      queue.waiting = queue.waiting.filter((waiting) => waiting !== socket);
      admit(queue);
    });
  });
  const path = join(tmpdir(), `voip-callerid-turns-${process.pid}.sock`);
  rmSync(path, { force: true });
  return {
    server,
    users: 0,
    path: new Promise((resolve) => server.listen(path, () => resolve(path))),
  };
}
