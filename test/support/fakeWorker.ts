/**
 * A worker process played by a unit test, for WorkerSupervisor and its users: it says what
 * the test tells it to, and exits when the test says so (or, with `exitsOnStop`, as soon as
 * it is asked to stop).
 */
import type { WorkerProcess } from "../../src/worker/workerSupervisor.js";

type ExitListener = (code: number | null, signal: string | null, lastError: string) => void;

/** What cap prints when it aborts the process whose interface went down. */
export const CAP_ABORT =
  "node: ../src/binding.cc:190: static void Pcap::cb_packets(uv_poll_t*, int, int): Assertion `status == 0' failed.";

export class FakeWorker<M, C = unknown> implements WorkerProcess<M> {
  messageListener: (message: M) => void = () => {};
  exitListener: ExitListener = () => {};
  stopAsked = false;
  killed = false;

  constructor(
    readonly config: C,
    private readonly exitsOnStop = false,
  ) {}

  onMessage(listener: (message: M) => void) {
    this.messageListener = listener;
  }

  onExit(listener: ExitListener) {
    this.exitListener = listener;
  }

  stop() {
    this.stopAsked = true;
    if (this.exitsOnStop) this.exitListener(0, null, "");
  }

  kill() {
    this.killed = true;
    this.exitListener(null, "SIGKILL", "");
  }

  say(message: M) {
    this.messageListener(message);
  }

  /** What cap does when the interface goes down under it. */
  abort() {
    this.exitListener(null, "SIGABRT", CAP_ABORT);
  }
}
