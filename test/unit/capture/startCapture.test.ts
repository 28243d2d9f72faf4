import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type {
  CaptureWorkerConfig,
  CaptureWorkerMessage,
} from "../../../src/capture/captureProtocol.js";
import { type CaptureSettings, startCapture } from "../../../src/capture/startCapture.js";
import type { CaptureStatus } from "../../../src/core/capture/captureStatus.js";
import { type Frame, LINKTYPE } from "../../../src/core/capture/frame.js";
import type { InterfaceState } from "../../../src/io/interfaceState.js";
import { INTERFACE_LOST } from "../../../src/worker/workerSupervisor.js";
import { FakeWorker } from "../../support/fakeWorker.js";

/** The capture's worker, which exits at once when asked to stop. */
class CaptureWorker extends FakeWorker<CaptureWorkerMessage, CaptureWorkerConfig> {
  constructor(config: CaptureWorkerConfig) {
    super(config, true);
  }
  ready() {
    this.say({ type: "ready", linkType: LINKTYPE.ETHERNET, filter: "udp port 2427" });
  }
}

function setUp(states: Record<string, InterfaceState>, extra: Partial<CaptureSettings> = {}) {
  const workers: CaptureWorker[] = [];
  const frames: Frame[] = [];
  const statuses: CaptureStatus[] = [];
  const said: string[] = [];
  const log = {
    info: (text: string) => said.push(text),
    warn: (text: string) => said.push(`warn: ${text}`),
    error: (text: string) => said.push(`error: ${text}`),
  };
  const capture = startCapture({
    interfaceName: "eth0",
    filter: (linkType) => {
      if (linkType !== LINKTYPE.ETHERNET) throw new Error("only Ethernet here");
      return "udp port 2427";
    },
    onFrame: (frame) => frames.push(frame),
    log,
    onStatus: (status) => statuses.push(status),
    startWorker: (config) => {
      const worker = new CaptureWorker(config);
      workers.push(worker);
      return worker;
    },
    interfaceState: (name) => states[name] ?? "missing",
    interfaceNames: () => ["eth1", "lo"],
    ...extra,
  });
  const last = () => workers.at(-1) as CaptureWorker;
  return { capture, workers, frames, statuses, said, states, last };
}

describe("startCapture", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits for an interface that does not exist, names the others once, and starts when it comes", async () => {
    const t = setUp({});
    vi.advanceTimersByTime(1);
    expect(await t.capture.settled).toMatchObject({
      state: "waiting",
      detail: "eth0 does not exist",
    });
    vi.advanceTimersByTime(5000);
    expect(t.workers).toHaveLength(0);
    expect(t.said).toEqual(["warn: waiting: eth0 does not exist", "interfaces here: eth1, lo"]);

    t.states.eth0 = "up";
    vi.advanceTimersByTime(250);
    expect(t.workers).toHaveLength(1);
    expect(t.capture.status.state).toBe("starting");
    t.last().ready();
    expect(t.capture.status).toEqual({
      state: "capturing",
      interfaceName: "eth0",
      detail: "",
      restarts: 0,
      inBridge: false,
    });
    expect(t.capture.filter).toBe("udp port 2427");
    expect(t.said.at(-1)).toBe("listening on eth0 (filter: udp port 2427)");
  });

  it("hands the worker the filter of every link type, or why it refuses one", () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    const { filters } = t.last().config;
    expect(filters).toContainEqual({ linkType: LINKTYPE.ETHERNET, filter: "udp port 2427" });
    expect(filters).toContainEqual({ linkType: LINKTYPE.LINUX_SLL, problem: "only Ethernet here" });
    expect(t.last().config.interfaceName).toBe("eth0");
  });

  it("passes frames on in order, with their capture time and link type", () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    t.last().ready();
    const frame = (timestampMs: number): Frame => ({
      linkType: LINKTYPE.ETHERNET,
      data: Uint8Array.of(1, 2, 3),
      timestampMs,
      originalLength: 3,
    });
    t.last().say({ type: "frames", frames: [frame(10.5), frame(11)] });
    t.last().say({ type: "frames", frames: [frame(12)] });
    // Worked off in a turn of their own (capture/frameBacklog.ts), not in the reading one.
    expect(t.frames).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.frames).toEqual([frame(10.5), frame(11), frame(12)]);
    expect(t.said.filter((line) => line.startsWith("warn"))).toEqual([]);
    // A program that falls behind: beyond the backlog's 4 MiB, frames are dropped and counted,
    // and the log says how many once it has caught up.
    const big = (timestampMs: number): Frame => ({
      ...frame(timestampMs),
      data: new Uint8Array(4096),
    });
    t.last().say({ type: "frames", frames: Array.from({ length: 2224 }, (_, i) => big(100 + i)) });
    vi.advanceTimersByTime(1000);
    expect(t.said.at(-1)).toBe(
      "warn: 1200 frames dropped: the program did not keep up with the capture",
    );
  });

  it("when the interface goes down: says so, waits without backing off, and resumes once it is up", () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    t.last().ready();
    vi.advanceTimersByTime(2000); // a young worker: a crash would double the retry delay
    t.states.eth0 = "down";
    t.last().abort();
    expect(t.said).toContain(
      "warn: the capture on eth0 stopped (eth0 went down or away); starting it again once eth0 is up",
    );
    vi.advanceTimersByTime(250);
    expect(t.capture.status).toMatchObject({
      state: "waiting",
      detail: "eth0 is down",
      restarts: 1,
    });
    t.states.eth0 = "up";
    vi.advanceTimersByTime(250);
    expect(t.workers).toHaveLength(2);
    t.last().ready();
    expect(t.said.at(-1)).toBe("resumed: listening on eth0 again");
    expect(t.statuses.map((s) => `${s.state} ${s.detail}`.trim())).toEqual([
      "starting",
      "capturing",
      "waiting restarting",
      "waiting eth0 is down",
      "starting",
      "capturing",
    ]);
  });

  it("says the interface went away when tcpdump ends for that reason", () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    t.last().ready();
    t.states.eth0 = "missing";
    t.last().exitListener(1, null, INTERFACE_LOST);
    expect(t.said).toContain(
      "warn: the capture on eth0 stopped (eth0 went down or away); starting it again once eth0 is up",
    );
    t.states.eth0 = "up";
    vi.advanceTimersByTime(250);
    expect(t.workers).toHaveLength(2);
  });

  it("gives up on a failure that waiting cannot fix, and says why", async () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    t.last().say({ type: "failed", failure: "permanent", message: "needs root" });
    t.last().exitListener(2, null, "");
    expect(await t.capture.settled).toMatchObject({ state: "failed", detail: "needs root" });
    vi.advanceTimersByTime(60_000);
    expect(t.workers).toHaveLength(1);
    expect(t.said).toContain("error: needs root");
  });

  it("on the 'any' device looks at no interface", () => {
    const t = setUp({}, { interfaceName: "any" });
    vi.advanceTimersByTime(1);
    expect(t.workers).toHaveLength(1);
  });

  it("stopped before it started, starts no worker", async () => {
    const t = setUp({ eth0: "up" });
    await t.capture.stop();
    vi.advanceTimersByTime(1000);
    expect(t.workers).toHaveLength(0);
    expect(t.capture.status.state).toBe("stopped");
  });

  it("stops its worker", async () => {
    const t = setUp({ eth0: "up" });
    vi.advanceTimersByTime(1);
    t.last().ready();
    await t.capture.stop();
    expect(t.last().stopAsked).toBe(true);
    expect(t.capture.status.state).toBe("stopped");
  });
});
