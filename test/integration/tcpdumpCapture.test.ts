/**
 * The caller-id capture's process as WorkerSupervisor sees it (capture/tcpdumpCapture.ts): the
 * real tcpdump on the loopback interface (root), and a stand-in program where tcpdump cannot
 * be made to do it on purpose (deliver another link type than expected; be missing).
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CaptureWorkerMessage, filtersByLinkType } from "../../src/capture/captureProtocol.js";
import { tcpdumpCaptures } from "../../src/capture/tcpdumpCapture.js";
import { LINKTYPE } from "../../src/core/capture/frame.js";
import type { WorkerProcess } from "../../src/worker/workerSupervisor.js";
import { CLI_COMMAND, PROJECT_ROOT } from "../support/cli.js";
import { childPids, processName } from "../support/processes.js";
import { describeIfRoot } from "../support/root.js";

interface Run {
  readonly messages: CaptureWorkerMessage[];
  readonly exited: Promise<{ code: number | null; signal: string | null; lastError: string }>;
  readonly worker: WorkerProcess<CaptureWorkerMessage>;
}

function watch(worker: WorkerProcess<CaptureWorkerMessage>): Run {
  const messages: CaptureWorkerMessage[] = [];
  worker.onMessage((message) => messages.push(message));
  const exited = new Promise<{ code: number | null; signal: string | null; lastError: string }>(
    (resolve) => worker.onExit((code, signal, lastError) => resolve({ code, signal, lastError })),
  );
  return { messages, exited, worker };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const PORT = 20_000 + (process.pid % 20_000);
const FILTER = `udp port ${PORT}`;

describeIfRoot("tcpdump as the capture", () => {
  it("says ready with the link type and filter, hands over what it captures, and stops on request", async () => {
    const start = tcpdumpCaptures();
    const run = watch(start({ interfaceName: "lo", filters: filtersByLinkType(() => FILTER) }));
    await until(() => run.messages.some((m) => m.type === "ready"), "ready");
    expect(run.messages[0]).toEqual({ type: "ready", linkType: LINKTYPE.ETHERNET, filter: FILTER });
    const socket = createSocket("udp4");
    for (const text of ["NTFY 1 aaln/1@ata MGCP 1.0", "NTFY 2 aaln/1@ata MGCP 1.0"]) {
      await new Promise((sent) => socket.send(text, PORT, "127.0.0.1", sent));
    }
    socket.close();
    const frames = () => run.messages.flatMap((m) => (m.type === "frames" ? m.frames : []));
    await until(() => frames().length === 2, "two frames");
    const texts = frames().map((frame) => Buffer.from(frame.data).toString("latin1"));
    expect(texts[0]).toContain("NTFY 1 aaln/1@ata");
    expect(texts[1]).toContain("NTFY 2 aaln/1@ata");
    expect(frames()[0]?.linkType).toBe(LINKTYPE.ETHERNET);
    expect(Math.abs((frames()[0]?.timestampMs ?? 0) - Date.now())).toBeLessThan(10_000);
    run.worker.stop();
    expect((await run.exited).signal ?? "exited").not.toBe("SIGKILL");
  });

  it("refuses for good a filter tcpdump cannot compile, quoting tcpdump", async () => {
    const run = watch(
      tcpdumpCaptures()({
        interfaceName: "lo",
        filters: filtersByLinkType(() => "udp port nonsense-port"),
      }),
    );
    await run.exited;
    expect(run.messages).toEqual([
      {
        type: "failed",
        failure: "permanent",
        message: expect.stringMatching(/^invalid capture filter "udp port nonsense-port": /),
      },
    ]);
  });

  it("ends, saying nothing, on an interface that does not exist: the supervisor waits for it", async () => {
    const run = watch(
      tcpdumpCaptures()({ interfaceName: "vcinosuch0", filters: filtersByLinkType(() => FILTER) }),
    );
    expect(await run.exited).toMatchObject({ code: 1, lastError: "interface lost" });
    expect(run.messages).toEqual([]);
  });
});

describeIfRoot("a program that may not signal its tcpdump", () => {
  it("stops at once, and its tcpdump ends at its next packet (no CAP_KILL)", async () => {
    // tcpdump runs as its own user once it captures; without CAP_KILL the program cannot
    // signal it, as in a container that drops Docker's default capabilities.
    const [node, ...rest] = CLI_COMMAND;
    const child = spawn(
      "setpriv",
      ["--bounding-set=-kill", "--inh-caps=-kill", node as string, ...rest, "listen", "-i", "lo"],
      { cwd: PROJECT_ROOT },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      await until(() => output.includes("listening on lo"), "listening");
      const [tcpdump] = childPids(child.pid as number) as [number];
      expect(processName(tcpdump)).toBe("tcpdump");
      const stoppedAt = Date.now();
      child.kill("SIGTERM");
      await closed;
      expect(Date.now() - stoppedAt).toBeLessThan(1500);
      const alive = () => processName(tcpdump) === "tcpdump";
      const socket = createSocket("udp4");
      await until(() => {
        if (alive()) socket.send("RQNT 1 aaln/1@ata MGCP 1.0", 2427, "127.0.0.1");
        return !alive();
      }, "tcpdump gone after a packet");
      socket.close();
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("tcpdump played by a stand-in", () => {
  const folder = mkdtempSync(join(tmpdir(), "vci-tcpdump-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** A "tcpdump" that writes a pcap header of `linkType`, says it listens, and waits. */
  function standIn(linkType: number): string {
    const path = join(folder, `tcpdump-${linkType}`);
    writeFileSync(
      path,
      `#!${process.execPath}
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16);
header.writeUInt32LE(${linkType}, 20);
process.stdout.write(header);
process.stderr.write("tcpdump: listening on x0, link-type ?, snapshot length 262144 bytes\\n");
require("node:fs").writeFileSync(${JSON.stringify(join(folder, "argv"))} + ${linkType}, JSON.stringify(process.argv.slice(2)));
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1000);
`,
    );
    chmodSync(path, 0o755);
    return path;
  }

  const filters = filtersByLinkType((linkType) => {
    if (linkType === LINKTYPE.ETHERNET) return "ethernet filter";
    if (linkType === LINKTYPE.RAW) throw new Error("raw IP is refused here");
    return "cooked filter";
  });

  it("starts again with the filter of the link type the header names, and remembers it", async () => {
    const start = tcpdumpCaptures(standIn(LINKTYPE.LINUX_SLL));
    // lo is Ethernet to libpcap: the stand-in says Linux cooked instead.
    const first = watch(start({ interfaceName: "lo", filters }));
    await first.exited;
    expect(first.messages).toEqual([]);
    const second = watch(start({ interfaceName: "lo", filters }));
    await until(() => second.messages.length > 0, "ready");
    expect(second.messages).toEqual([
      { type: "ready", linkType: LINKTYPE.LINUX_SLL, filter: "cooked filter" },
    ]);
    const argv = JSON.parse(readFileSync(join(folder, `argv${LINKTYPE.LINUX_SLL}`), "utf8"));
    expect(argv.at(-1)).toBe("cooked filter");
    second.worker.stop();
    await second.exited;
  });

  it("refuses for good a link type the filter table refuses, with its words", async () => {
    const run = watch(tcpdumpCaptures(standIn(LINKTYPE.RAW))({ interfaceName: "lo", filters }));
    await run.exited;
    expect(run.messages).toEqual([
      { type: "failed", failure: "permanent", message: "raw IP is refused here" },
    ]);
  });

  it("says that tcpdump is not installed when it is not there", async () => {
    const run = watch(
      tcpdumpCaptures(join(folder, "no-tcpdump"))({ interfaceName: "lo", filters }),
    );
    await run.exited;
    expect(run.messages).toEqual([
      {
        type: "failed",
        failure: "permanent",
        message:
          "tcpdump is not installed: the caller-id capture runs it (apt-get install tcpdump)",
      },
    ]);
  });
});
