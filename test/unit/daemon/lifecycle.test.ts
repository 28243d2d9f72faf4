/** The app's lifecycle with stand-in units: start and stop order, ready, idle, the queue's limit. */
import { describe, expect, it } from "vitest";
import { resolverSettings } from "../../../src/config/resolverSettings.js";
import { validateOptions } from "../../../src/config/validateOptions.js";
import { DirectoryCache } from "../../../src/core/caller/directoryCache.js";
import { CallerResolver } from "../../../src/core/caller/resolveCaller.js";
import { EMPTY_HOUSEHOLD } from "../../../src/core/household/household.js";
import { type Adapter, createApp } from "../../../src/daemon/app.js";
import { VirtualClock } from "../../../src/daemon/clock.js";
import { createHousehold } from "../../../src/daemon/household.js";
import { OutputQueue } from "../../../src/daemon/outputQueue.js";
import type { OutputUnit } from "../../../src/daemon/outputs/output.js";
import { createLogger } from "../../../src/io/logger.js";
import { callEvent } from "../../support/callFixtures.js";

function appWith(adapters: Adapter[], outputs: OutputUnit[], logLines: string[] = []) {
  const validated = validateOptions({ directory: { online_lookup: false } });
  if (!validated.ok) throw new Error("options");
  const options = validated.options;
  const log = createLogger("info", (line) => logLines.push(line));
  return createApp({
    options,
    clock: new VirtualClock(0),
    log,
    resolver: new CallerResolver(resolverSettings(options), {
      phonebook: () => ({ lookup: () => undefined, anonymousName: null }),
      cache: new DirectoryCache(90, 7, "UTC"),
      saveCache: () => {},
      directory: null,
      now: () => 0,
      warn: () => {},
    }),
    journal: { record: () => {} },
    household: createHousehold({ initial: EMPTY_HOUSEHOLD, save: () => {}, now: () => 0, log }),
    adapters,
    outputs,
  });
}

describe("the app's lifecycle", () => {
  it("starts adapters, then outputs, in order; stops them in reverse, past a failing stop", async () => {
    const order: string[] = [];
    const unit = (name: string, failStop = false) => ({
      name,
      start: async () => {
        order.push(`start ${name}`);
      },
      stop: () => {
        order.push(`stop ${name}`);
        if (failStop) throw new Error("stuck");
      },
    });
    const logLines: string[] = [];
    const app = appWith(
      [unit("connection"), unit("store")],
      [unit("first"), unit("second", true)],
      logLines,
    );
    await app.start();
    await app.stop();
    expect(order).toEqual([
      "start connection",
      "start store",
      "start first",
      "start second",
      "stop second",
      "stop first",
      "stop store",
      "stop connection",
    ]);
    expect(logLines.some((l) => l.includes("stopping second failed: Error: stuck"))).toBe(true);
  });

  it("is ready when every output that can say so is, or when the wait is over", async () => {
    let connect = () => {};
    const slow: OutputUnit = {
      name: "slow",
      ready: () =>
        new Promise<void>((resolve) => {
          connect = resolve;
        }),
    };
    const app = appWith([], [{ name: "plain" }, slow]);
    let ready = false;
    const waiting = app.ready(60_000).then(() => {
      ready = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ready).toBe(false);
    connect();
    await waiting;

    const never = appWith([], [{ name: "never", ready: () => new Promise(() => {}) }]);
    const started = performance.now();
    await never.ready(50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("is idle once every output has delivered what it was handed", async () => {
    let deliver = () => {};
    const handed: string[] = [];
    const output: OutputUnit = {
      name: "slow delivery",
      handleCall: (report) => {
        handed.push(report.event.type);
      },
      idle: () =>
        new Promise<void>((resolve) => {
          deliver = resolve;
        }),
    };
    const app = appWith([], [output]);
    app.routeEvent(callEvent("ringing", "c1"));
    let idle = false;
    const waiting = app.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handed).toEqual(["ringing"]);
    expect(idle).toBe(false);
    deliver();
    await waiting;
  });
  it("hands a report over without waiting for its delivery: a stop does not wait for Home Assistant", async () => {
    const handed: string[] = [];
    const app = appWith(
      [],
      [
        {
          name: "unconfirmed",
          handleCall: (report) => {
            handed.push(report.event.type);
          },
          settle: () => new Promise(() => {}),
        },
      ],
    );
    app.routeEvent(callEvent("ringing", "c1"));
    await app.handedOver();
    expect(handed).toEqual(["ringing"]);
    let settled = false;
    void app.settle().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
  });
});

describe("an output's queue", () => {
  it("hands items over in order, one at a time", async () => {
    const seen: string[] = [];
    const gates: (() => void)[] = [];
    const queue = new OutputQueue<string>(
      (item) => {
        seen.push(item);
        return new Promise<void>((resolve) => gates.push(resolve));
      },
      { failed: () => {}, overflowed: () => {} },
    );
    queue.push("a");
    queue.push("b");
    expect(seen).toEqual(["a"]); // the first at once, in the caller's turn
    expect(queue.backlog).toBe(2);
    gates.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(["a", "b"]);
    gates.shift()?.();
    await queue.idle();
    expect(queue.backlog).toBe(0);
  });

  it("drops the oldest waiting items when it falls too far behind, and says so once", async () => {
    const seen: number[] = [];
    let release = () => {};
    const overflows: number[] = [];
    const queue = new OutputQueue<number>(
      (item) => {
        seen.push(item);
        return item === 0 ? new Promise<void>((resolve) => (release = resolve)) : undefined;
      },
      { failed: () => {}, overflowed: (n) => overflows.push(n) },
      3,
    );
    for (let i = 0; i < 6; i++) queue.push(i);
    expect(overflows).toEqual([1]);
    release();
    await queue.idle();
    expect(seen).toEqual([0, 3, 4, 5]);
  });
});
