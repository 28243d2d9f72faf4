import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BridgeSupervisor,
  type BridgeSupervisorOptions,
  type WorkerProcess,
} from "../../../src/bridge/bridgeSupervisor.js";
import type { WorkerConfig, WorkerMessage } from "../../../src/bridge/workerProtocol.js";
import type { BridgeStatus } from "../../../src/core/bridge/bridgeStatus.js";
import type { InterfaceState } from "../../../src/io/interfaceState.js";
import { CAP_ABORT, FakeWorker } from "../../support/fakeWorker.js";

/** The bridge's worker, with its counters report. */
class BridgeWorker extends FakeWorker<WorkerMessage, WorkerConfig> implements WorkerProcess {
  counters(toExternal: number, adapterIpv4: string | null = null) {
    this.say({
      type: "counters",
      counters: { toExternal, toInternal: 2 * toExternal, dropped: 1, rewritten: 0, errors: 0 },
      adapterIpv4,
    });
  }
}

const ADAPTER = Uint8Array.from([0x00, 0x90, 0xf8, 0x01, 0x02, 0x03]);

function setUp(
  states: Record<string, InterfaceState> = { eth0: "up", eth1: "up" },
  extra: Partial<BridgeSupervisorOptions> = {},
) {
  const workers: BridgeWorker[] = [];
  const statuses: BridgeStatus[] = [];
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const options: BridgeSupervisorOptions = {
    externalInterface: "eth0",
    internalInterface: "eth1",
    adapterMac: ADAPTER,
    rewriteDhcpDestination: true,
    log,
    startWorker: (config) => {
      const worker = new BridgeWorker(config);
      workers.push(worker);
      return worker;
    },
    interfaceState: (name) => states[name] ?? "missing",
    onStatus: (status) => statuses.push(status),
    retryDelayMs: 1000,
    ...extra,
  };
  const supervisor = new BridgeSupervisor(options);
  const last = () => workers.at(-1) as BridgeWorker;
  return { supervisor, workers, statuses, log, states, last };
}

describe("BridgeSupervisor", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits for both interfaces, then starts one worker with the settings", () => {
    const t = setUp({ eth0: "up", eth1: "down" });
    t.supervisor.start();
    expect(t.workers).toHaveLength(0);
    expect(t.supervisor.status).toMatchObject({ state: "waiting", detail: "eth1 is down" });
    expect(t.log.warn).toHaveBeenCalledWith("waiting: eth1 is down");

    vi.advanceTimersByTime(5000);
    expect(t.log.warn).toHaveBeenCalledTimes(1); // said once, not every second
    t.states.eth1 = "up";
    vi.advanceTimersByTime(1000);
    expect(t.workers).toHaveLength(1);
    expect(t.last().config).toEqual({
      externalInterface: "eth0",
      internalInterface: "eth1",
      adapterMac: "00:90:f8:01:02:03",
      rewriteDhcpDestination: true,
      statusIntervalMs: 1000,
      adapterIpv4: null,
      sniffer: null,
    });
    expect(t.supervisor.status.state).toBe("starting");
    t.last().say({ type: "ready", filters: { external: "x", internal: "y" } });
    expect(t.supervisor.status).toMatchObject({ state: "running", detail: "" });
  });

  it("names an interface that does not exist", () => {
    const t = setUp({ eth0: "up" });
    t.supervisor.start();
    expect(t.supervisor.status.detail).toBe("eth1 does not exist");
  });

  it("starts a new worker after one dies, keeping the counters and the adapter's address", () => {
    const t = setUp();
    t.supervisor.start();
    t.last().say({ type: "ready", filters: { external: "x", internal: "y" } });
    t.last().counters(10, "172.16.5.28");
    vi.advanceTimersByTime(20_000); // a healthy worker
    t.last().exitListener(null, "SIGABRT", CAP_ABORT);
    expect(t.log.warn).toHaveBeenCalledWith(
      "the bridge's worker stopped (an interface went down); starting it again once both interfaces are up",
    );
    expect(t.supervisor.status).toMatchObject({ state: "waiting", restarts: 1 });
    expect(t.supervisor.status.counters.toExternal).toBe(10);

    vi.advanceTimersByTime(1000);
    expect(t.workers).toHaveLength(2);
    expect(t.last().config.adapterIpv4).toBe("172.16.5.28");
    t.last().say({ type: "ready", filters: { external: "x", internal: "y" } });
    t.last().counters(3);
    expect(t.supervisor.status.counters).toEqual({
      toExternal: 13,
      toInternal: 26,
      dropped: 2,
      rewritten: 0,
      errors: 0,
    });
    expect(t.supervisor.status.adapterIpv4).toBe("172.16.5.28");
  });

  it("waits longer each time a worker dies young, up to 30 s", () => {
    const t = setUp();
    t.supervisor.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      t.last().say({ type: "failed", failure: "retry", message: "That device is not up" });
      t.last().exitListener(2, null, "");
      const before = t.workers.length;
      let waited = 0;
      while (t.workers.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(t.log.warn).toHaveBeenCalledWith("That device is not up; trying again");
  });

  it("gives up on a failure that waiting cannot fix", () => {
    const t = setUp();
    t.supervisor.start();
    t.last().say({ type: "failed", failure: "permanent", message: "needs root" });
    t.last().exitListener(2, null, "");
    vi.advanceTimersByTime(120_000);
    expect(t.workers).toHaveLength(1);
    expect(t.supervisor.status).toMatchObject({ state: "failed", detail: "needs root" });
    expect(t.log.error).toHaveBeenCalledWith("needs root");
  });

  it("stops its worker and starts no other", async () => {
    const t = setUp();
    t.supervisor.start();
    t.last().say({ type: "ready", filters: { external: "x", internal: "y" } });
    const stopped = t.supervisor.stop();
    expect(t.last().stopAsked).toBe(true);
    t.last().counters(5);
    t.last().exitListener(0, null, "");
    await stopped;
    vi.advanceTimersByTime(60_000);
    expect(t.workers).toHaveLength(1);
    expect(t.supervisor.status).toMatchObject({ state: "stopped", restarts: 0 });
    expect(t.supervisor.status.counters.toExternal).toBe(5);
  });

  it("kills a worker that does not stop within 2 s", async () => {
    const t = setUp();
    t.supervisor.start();
    const stopped = t.supervisor.stop();
    vi.advanceTimersByTime(2000);
    await stopped;
    expect(t.last().killed).toBe(true);
    expect(t.supervisor.status.state).toBe("stopped");
  });

  it("hands the worker the caller-id capture and passes its frames on", () => {
    const frames: unknown[] = [];
    const t = setUp(undefined, {
      sniffer: { interfaceName: "eth0", filter: "udp port 2427" },
      onFrame: (frame) => frames.push(frame),
    });
    t.supervisor.start();
    expect(t.last().config.sniffer).toEqual({ interfaceName: "eth0", filter: "udp port 2427" });
    const frame = { linkType: 1, data: new Uint8Array(60), timestampMs: 5, originalLength: 60 };
    t.last().say({ type: "frame", frame });
    expect(frames).toEqual([frame]);
  });

  it("reports every change of state to its listener", () => {
    const t = setUp();
    t.supervisor.start();
    t.last().say({ type: "ready", filters: { external: "x", internal: "y" } });
    expect(t.statuses.map((s) => s.state)).toEqual(["starting", "running"]);
  });
});
