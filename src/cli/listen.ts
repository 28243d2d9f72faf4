/**
 * `listen --interface IF`: live call events as JSON lines on stdout until stopped. The capture
 * runs in a worker process (capture/startCapture.ts): when the interface goes down or away,
 * listen says so on stderr, waits for it and goes on; calls in progress are kept.
 */
import type { CaptureSettings, RunningCapture } from "../capture/startCapture.js";
import { type CallEvent, callEventToJson } from "../core/calls/callEvent.js";
import { buildCaptureFilter } from "../core/capture/bpfFilter.js";
import { LINKTYPE } from "../core/capture/frame.js";
import { CallerIdPipeline } from "../core/pipeline.js";
import type { CaptureOptions } from "./args.js";
import { formatSummary } from "./summary.js";

export interface ListenDeps {
  readonly startCapture: (settings: CaptureSettings) => RunningCapture;
  readonly now: () => number;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
  /** Resolves when the user asks the program to stop (SIGINT, SIGTERM). */
  readonly stopRequested: Promise<void>;
}

/** How often ring time-outs are checked while no packets arrive. */
const TICK_MS = 1000;

/** `listen --interface IF`: live call events until stopped. Returns the exit code. */
export async function runListen(
  interfaceName: string,
  options: CaptureOptions,
  deps: ListenDeps,
): Promise<number> {
  const pipeline = new CallerIdPipeline(options);
  const print = (events: readonly CallEvent[]) => {
    for (const event of events) deps.writeOut(JSON.stringify(callEventToJson(event)));
  };
  const filter = (linkType: number) => {
    if (options.adapterMac && linkType !== LINKTYPE.ETHERNET) {
      // Linux cooked capture (the "any" device) keeps only the sender's address, so frames
      // *to* the adapter could not be recognised.
      throw new Error(
        `--adapter-mac needs an Ethernet interface; ${interfaceName} has no destination MAC addresses (name the interface the adapter is on)`,
      );
    }
    return buildCaptureFilter({
      udpPorts: [...options.mgcpPorts, ...options.sipPorts],
      streamPorts: [...options.sipPorts],
      linkType,
      ...(options.adapterMac ? { mac: options.adapterMac } : {}),
    });
  };
  let gaveUp: () => void = () => {};
  const givenUp = new Promise<"failed">((resolve) => {
    gaveUp = () => resolve("failed");
  });
  const capture = deps.startCapture({
    interfaceName,
    filter,
    onFrame: (frame) => print(pipeline.handleFrame(frame)),
    log: {
      info: deps.writeErr,
      warn: deps.writeErr,
      error: (text) => deps.writeErr(`voip-callerid: ${text}`),
    },
    // Permissions, or a filter or link type that will not change: waiting would not help.
    onStatus: (status) => {
      if (status.state === "failed") gaveUp();
    },
  });
  const timer = setInterval(() => print(pipeline.tick(deps.now())), TICK_MS);
  const stopped = deps.stopRequested.then(() => "stopped" as const);
  // Failing before it ever captured is a wrong setting: said (by the log), and nothing else.
  const first = await Promise.race([capture.settled, stopped]);
  const outcome =
    first !== "stopped" && first.state === "failed"
      ? "refused"
      : await Promise.race([givenUp, stopped]);
  clearInterval(timer);
  await capture.stop();
  if (outcome !== "refused") deps.writeErr(`listen: ${formatSummary(pipeline.stats)}`);
  return outcome === "stopped" ? 0 : 1;
}
