import { describe, expect, it } from "vitest";
import { FrameBacklog } from "../../../src/capture/frameBacklog.js";
import type { Frame } from "../../../src/core/capture/frame.js";

function frame(id: number, size = 4): Frame {
  const data = new Uint8Array(size);
  data[0] = id;
  return { linkType: 1, data, timestampMs: id, originalLength: size };
}

/** A backlog on a fake clock (each delivery takes `costMs`) with turns run by hand. */
function backlog(options: { maxBytes?: number; sliceMs?: number; costMs?: number } = {}) {
  let clock = 0;
  const turns: (() => void)[] = [];
  const delivered: number[] = [];
  const dropped: number[] = [];
  const queue = new FrameBacklog({
    deliver: (f) => {
      delivered.push(f.data[0] as number);
      clock += options.costMs ?? 1;
    },
    maxBytes: options.maxBytes,
    sliceMs: options.sliceMs ?? 5,
    onDropped: (count) => dropped.push(count),
    now: () => clock,
    schedule: (turn) => turns.push(turn),
  });
  const runTurn = () => (turns.shift() as () => void)();
  return { queue, turns, delivered, dropped, runTurn };
}

describe("FrameBacklog", () => {
  it("hands frames on in order, a slice of work per turn, the event loop free in between", () => {
    const { queue, turns, delivered, runTurn } = backlog({ sliceMs: 5, costMs: 1 });
    queue.push([1, 2, 3, 4, 5, 6, 7].map((id) => frame(id)));
    expect(delivered).toEqual([]); // nothing in the reading turn itself
    expect(turns).toHaveLength(1);
    runTurn();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    // Frames read from the pipe between two turns join the end; still one turn pending.
    queue.push([frame(8)]);
    expect(turns).toHaveLength(1);
    runTurn();
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(turns).toHaveLength(0);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it("drops frames beyond its bound, says how many once worked off, then takes frames again", () => {
    const { queue, delivered, dropped, runTurn } = backlog({ maxBytes: 10, sliceMs: 100 });
    queue.push([frame(1), frame(2), frame(3), frame(4)]);
    expect(queue.length).toBe(2);
    expect(queue.bytes).toBe(8);
    runTurn();
    expect(delivered).toEqual([1, 2]);
    expect(dropped).toEqual([2]);
    queue.push([frame(5)]);
    runTurn();
    expect(delivered).toEqual([1, 2, 5]);
    expect(dropped).toEqual([2]);
  });

  it("keeps every frame of a long burst within its bound", () => {
    const { queue, turns, delivered, runTurn } = backlog({ sliceMs: 5, costMs: 1 });
    const ids = Array.from({ length: 10_000 }, (_, i) => i % 256);
    for (let i = 0; i < ids.length; i += 100) {
      queue.push(ids.slice(i, i + 100).map((id) => frame(id)));
      runTurn();
    }
    while (turns.length > 0) runTurn();
    expect(delivered).toEqual(ids);
  });

  it("once closed, drops what waits and ignores what comes", () => {
    const { queue, turns, delivered, runTurn } = backlog();
    queue.push([frame(1), frame(2)]);
    queue.close();
    runTurn();
    queue.push([frame(3)]);
    expect(turns).toHaveLength(0);
    expect(delivered).toEqual([]);
    expect(queue.length).toBe(0);
  });
});
