/**
 * `run --replay`'s frames (streamed from the capture files by openCaptureReplay) played at their
 * recorded pace (`--speed N` scales it, 0 = as fast as possible) on a virtual clock, so that
 * announcements and time-outs in a replay happen at the packets' times.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Frame } from "../core/capture/frame.js";
import type { VirtualClock } from "./clock.js";

/**
 * Plays frames on the clock; then lets the clock run on until no timer is left (repeats of an
 * announcement, a ring time-out), at the same speed. `onFrame` returns true when the frame
 * produced call events; `settle` then lets their outputs finish before the next frame.
 */
export async function playFrames(
  frames: Iterable<Frame>,
  speed: number,
  clock: VirtualClock,
  onFrame: (frame: Frame) => boolean,
  control: {
    settle: () => Promise<void>;
    /**
     * Stops the play; a wait for the next packet's time ends at once (a capture may pause for
     * minutes).
     */
    stopRequested: Promise<void>;
  },
): Promise<void> {
  const { settle } = control;
  const stop = new AbortController();
  void control.stopRequested.then(() => stop.abort());
  const stopped = () => stop.signal.aborted;
  const wait = async (from: number, to: number) => {
    if (speed > 0 && to > from) {
      await sleep((to - from) / speed, undefined, { signal: stop.signal }).catch(() => {});
    } else await new Promise((resolve) => setImmediate(resolve));
  };
  let count = 0;
  for (const frame of frames) {
    if (stopped()) return;
    const previous = clock.now();
    if (speed > 0 || ++count % 512 === 0) await wait(previous, frame.timestampMs);
    if (stopped()) return;
    clock.advanceTo(frame.timestampMs);
    if (onFrame(frame)) await settle();
  }
  // Outputs may still be scheduling (a lookup finishing queues an announcement): settle them
  // before asking the clock what is left.
  for (await settle(); !stopped(); await settle()) {
    const next = clock.nextTimerAt();
    if (next === null) return;
    await wait(clock.now(), next);
    if (stopped()) return;
    clock.advanceTo(next);
  }
}
