/**
 * The delivery queue on a fake clock: each table is one story, a row per step — the time, what
 * happened (something asked, the link changed, an answer came) — and what the queue then
 * writes, settles and when it wants to be woken.
 */
import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../../src/core/delivery/backoff.js";
import { DeliveryQueue, type LinkState } from "../../../src/core/delivery/deliveryQueue.js";

type Step =
  | { at: number; event: string }
  | { at: number; call: string; notAfter: number }
  | { at: number; link: LinkState }
  | { at: number; confirm: string }
  | { at: number; refuse: string }
  | { at: number; notWritten: string }
  | { at: number; tick: true };

interface Row {
  step: Step;
  /** What take() hands out to write, by name. */
  write?: string[];
  /** Settlements, as "name outcome/reason". */
  settled?: string[];
  wakeAt?: number | null;
  wantsProof?: boolean;
}

/** Plays the rows in order and checks each; names stand for payloads. */
function play(rows: Row[], settings = { limit: 10, paceWindowMs: 30_000 }) {
  const queue = new DeliveryQueue<string>(settings);
  const ids = new Map<string, number>();
  for (const [index, row] of rows.entries()) {
    const { step } = row;
    const settled: string[] = [];
    const note = (s: { payload: string; outcome: string; reason: string } | null) => {
      if (s) settled.push(`${s.payload} ${s.outcome}/${s.reason}`);
    };
    if ("event" in step) {
      const added = queue.add("event", step.event, step.at);
      ids.set(step.event, added.id);
      added.settled.forEach(note);
    } else if ("call" in step) {
      const added = queue.add("call", step.call, step.at, step.notAfter);
      ids.set(step.call, added.id);
      added.settled.forEach(note);
    } else if ("link" in step) queue.setLink(step.link).settled.forEach(note);
    else if ("confirm" in step) note(queue.confirmed(ids.get(step.confirm) ?? -1));
    else if ("refuse" in step) note(queue.refused(ids.get(step.refuse) ?? -1));
    else if ("notWritten" in step) queue.notWritten(ids.get(step.notWritten) ?? -1);
    const taken = queue.take(step.at);
    taken.settled.forEach(note);
    const seen: Row = {
      step,
      write: taken.write.map((d) => d.payload),
      settled,
      wakeAt: queue.nextWakeAt(step.at),
      wantsProof: queue.wantsProof(step.at),
    };
    const expected = { write: [], settled: [], ...row };
    const compared = Object.fromEntries(
      Object.keys(expected).map((key) => [key, seen[key as keyof Row]]),
    );
    expect(compared, `row ${index} at ${step.at} ms`).toEqual(expected);
  }
  return queue;
}

describe("the delivery queue", () => {
  it("writes events once authenticated, calls only on a proven link, in the order asked", () => {
    play([
      { step: { at: 0, event: "ringing" } },
      { step: { at: 0, call: "tts", notAfter: 30_000 }, wakeAt: 30_001 },
      { step: { at: 100, link: "fresh" }, write: ["ringing"], wantsProof: true, wakeAt: 30_001 },
      { step: { at: 105, link: "proven" }, write: ["tts"], wakeAt: null },
      { step: { at: 106, confirm: "ringing" }, settled: ["ringing sent/confirmed"] },
      { step: { at: 110, confirm: "tts" }, settled: ["tts sent/confirmed"] },
    ]);
  });

  it("holds everything while a ping is overdue or the last answer is old, until a pong", () => {
    play([
      { step: { at: 0, link: "proven" } },
      { step: { at: 10, link: "suspect" } },
      { step: { at: 20, event: "ringing" } },
      { step: { at: 20, call: "tts", notAfter: 30_000 }, wakeAt: 30_001 },
      { step: { at: 900, link: "open" }, wantsProof: true, wakeAt: 30_001 },
      { step: { at: 902, link: "proven" }, write: ["ringing", "tts"] },
      { step: { at: 960, link: "open" } },
      { step: { at: 5000, event: "ended" }, wantsProof: true },
      { step: { at: 5002, link: "proven" }, write: ["ended"] },
    ]);
  });

  it("drops a call at its deadline and never writes it late", () => {
    play([
      { step: { at: 0, call: "tts", notAfter: 30_000 }, wakeAt: 30_001 },
      { step: { at: 30_001, tick: true }, settled: ["tts dropped/late"], wakeAt: null },
      { step: { at: 30_002, link: "proven" } },
      { step: { at: 40_000, call: "old", notAfter: 39_999 }, settled: ["old dropped/late"] },
    ]);
  });

  it("sends unconfirmed events again, first and in order, and fails unconfirmed calls", () => {
    play([
      { step: { at: 0, link: "proven" } },
      { step: { at: 1, event: "e1" }, write: ["e1"] },
      { step: { at: 2, call: "tts", notAfter: 30_000 }, write: ["tts"] },
      { step: { at: 3, event: "e2" }, write: ["e2"] },
      { step: { at: 4, confirm: "e2" }, settled: ["e2 sent/confirmed"] },
      { step: { at: 5, link: "down" }, settled: ["tts failed/link-broke"] },
      { step: { at: 6, event: "e3" } },
      { step: { at: 900, link: "fresh" }, write: ["e1", "e3"] },
    ]);
  });

  it("takes back a write that never left (the socket was closing)", () => {
    play([
      { step: { at: 0, link: "proven" } },
      { step: { at: 1, call: "tts", notAfter: 30_000 }, write: ["tts"] },
      { step: { at: 2, notWritten: "tts" }, write: ["tts"] },
      { step: { at: 3, refuse: "tts" }, settled: ["tts failed/refused"] },
    ]);
  });

  it("keeps the spacing of calls asked close together when they were held back", () => {
    // The announcer asks round 1 at the ring and round 2 five seconds later; HA is away until 12 s.
    play([
      { step: { at: 0, call: "round 1", notAfter: 30_000 }, wakeAt: 30_001 },
      { step: { at: 5000, call: "round 2", notAfter: 30_000 }, wakeAt: 30_001 },
      { step: { at: 12_000, link: "proven" }, write: ["round 1"], wakeAt: 17_000 },
      {
        step: { at: 12_001, confirm: "round 1" },
        settled: ["round 1 sent/confirmed"],
        wakeAt: 17_000,
      },
      { step: { at: 16_999, tick: true }, wakeAt: 17_000 },
      { step: { at: 17_000, tick: true }, write: ["round 2"], wakeAt: null },
    ]);
  });

  it("asks for a proof at the paced time when the link's proof went stale meanwhile", () => {
    play([
      { step: { at: 0, link: "proven" } },
      { step: { at: 0, call: "round 1", notAfter: 30_000 }, write: ["round 1"] },
      { step: { at: 5, link: "open" } },
      { step: { at: 10, call: "round 2", notAfter: 3000 }, wakeAt: 3001 },
      { step: { at: 10, tick: true }, wantsProof: true, wakeAt: 3001 },
    ]);
    play([
      { step: { at: 0, link: "proven" } },
      { step: { at: 0, call: "round 1", notAfter: 30_000 }, write: ["round 1"] },
      { step: { at: 1000, call: "round 2", notAfter: 30_000 }, write: ["round 2"] },
      { step: { at: 1001, link: "open" } },
      // Written 3 ms late (the round trip of its ping): round 3 does not inherit the lag.
      { step: { at: 2000, call: "round 3", notAfter: 30_000 }, wantsProof: true, wakeAt: 30_001 },
      { step: { at: 2003, link: "proven" }, write: ["round 3"] },
      { step: { at: 2004, link: "open" } },
      // Asked 40 s after round 2: outside the pace window, due at once.
      {
        step: { at: 41_000, call: "next call", notAfter: 71_000 },
        wantsProof: true,
        wakeAt: 71_001,
      },
    ]);
  });

  it("drops the oldest waiting item when full, and everything at stop", () => {
    const queue = play(
      [
        { step: { at: 0, event: "a" } },
        { step: { at: 1, call: "b", notAfter: 30_000 }, wakeAt: 30_001 },
        { step: { at: 2, event: "c" }, settled: ["a dropped/queue-full"], wakeAt: 30_001 },
        { step: { at: 3, link: "fresh" }, write: ["c"], wantsProof: true, wakeAt: 30_001 },
      ],
      { limit: 2, paceWindowMs: 30_000 },
    );
    expect(queue.clear().map((s) => `${s.payload} ${s.outcome}/${s.reason}`)).toEqual([
      "c failed/stopped",
      "b dropped/stopped",
    ]);
    expect(queue.waiting + queue.inFlight).toBe(0);
  });

  it("says whether fresh work waits (for a short back-off)", () => {
    const queue = new DeliveryQueue<string>({ limit: 10, paceWindowMs: 30_000 });
    queue.add("call", "tts", 1000, 31_000);
    expect(queue.hasFreshWork(20_000, 30_000)).toBe(true);
    expect(queue.hasFreshWork(31_001, 30_000)).toBe(false);
    queue.add("event", "ended", 100_000);
    expect(queue.hasFreshWork(100_500, 30_000)).toBe(true);
    expect(queue.hasFreshWork(200_000, 30_000)).toBe(false);
  });
});

describe("the reconnect back-off", () => {
  const settings = { initialMs: 1000, maxMs: 30_000, jitter: 0.2, urgentMaxMs: 2000 };

  it("doubles from 1 s to 30 s with jitter, and stays within 2 s while a call waits", () => {
    const table: [failures: number, random: number, urgent: boolean, delay: number][] = [
      [0, 0.5, false, 1000],
      [1, 0.5, false, 2000],
      [3, 0.5, false, 8000],
      [5, 0.5, false, 30_000],
      [40, 0.5, false, 30_000],
      [0, 0, false, 800],
      [2, 0.999_999, false, 4800],
      [0, 0.5, true, 1000],
      [1, 0.999_999, true, 2000],
      [5, 0.5, true, 2000],
    ];
    for (const [failures, random, urgent, delay] of table)
      expect(retryDelayMs(failures, settings, random, urgent), `${failures} ${urgent}`).toBe(delay);
  });
});
