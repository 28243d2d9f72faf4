/*
 * The caller-id capture's worker process: one capture handle, nothing else. Started by
 * CaptureSupervisor (child_process.fork) with a CaptureWorkerConfig as its argument; sends the
 * frames it captures to the parent, with their capture time and link type, batched per turn
 * of its event loop (one message for a burst, not one per frame), and stops as every worker
 * does (worker/workerSide.ts). When the interface goes down or away, cap aborts this process,
 * and only this one.
 */

import type { Frame } from "../core/capture/frame.js";
import { openLiveCapture } from "../io/liveCapture.js";
import {
  failWorker,
  leaveWorker,
  onStopRequest,
  report,
  workerConfig,
} from "../worker/workerSide.js";
import {
  type CaptureWorkerConfig,
  type CaptureWorkerMessage,
  filterFor,
  parseCaptureWorkerConfig,
} from "./captureProtocol.js";

/**
 * Frame bytes handed to the IPC channel and not yet gone to the parent, at most. A parent that
 * stalls must not make the worker grow without bound: beyond this, frames are dropped, and
 * the parent is told how many with the next ones.
 */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/**
 * The kernel's capture ring, resident for as long as the capture is open. Only signalling
 * passes the filter (a call is a few packets of a few hundred bytes), and this worker does
 * nothing but empty the ring: 1 MiB holds a burst of thousands of them.
 */
const CAPTURE_RING_BYTES = 1024 * 1024;

function send(message: CaptureWorkerMessage, sent?: () => void): void {
  report(message, sent);
}

function run(config: CaptureWorkerConfig): void {
  let pending: Frame[] = [];
  let pendingBytes = 0;
  let unsentBytes = 0;
  let dropped = 0;
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (pending.length === 0) return;
    const bytes = pendingBytes;
    unsentBytes += bytes;
    send({ type: "frames", frames: pending, dropped }, () => {
      unsentBytes -= bytes;
    });
    pending = [];
    pendingBytes = 0;
    dropped = 0;
  };
  const opened = openLiveCapture({
    interfaceName: config.interfaceName,
    bufferSize: CAPTURE_RING_BYTES,
    filter: (linkType) => filterFor(config.filters, linkType),
    onFrame: (frame) => {
      if (unsentBytes + pendingBytes + frame.data.length > MAX_UNSENT_BYTES) {
        dropped++;
        return;
      }
      pending.push(frame);
      pendingBytes += frame.data.length;
      if (flushScheduled) return;
      flushScheduled = true;
      // After this poll callback has delivered everything the kernel had: one message each.
      setImmediate(flush);
    },
  });
  if (!opened.ok) {
    failWorker(opened.message, opened.reason);
    return;
  }
  const { handle } = opened;
  send({ type: "ready", linkType: handle.linkType, filter: handle.filter });
  onStopRequest(() => {
    handle.close();
    flush();
    leaveWorker(0);
  });
}

const config = workerConfig("capture worker", parseCaptureWorkerConfig);
if (config !== null) run(config);
