import { type CallEvent, callEventToJson } from "../core/calls/callEvent.js";
import { buildCaptureFilter } from "../core/capture/bpfFilter.js";
import { type Frame, LINKTYPE } from "../core/capture/frame.js";
import { CallerIdPipeline } from "../core/pipeline.js";
import type { LiveCaptureFailure, LiveCaptureHandle } from "../io/liveCapture.js";
import type { CaptureOptions } from "./args.js";
import { formatSummary } from "./summary.js";

export interface ListenDeps {
  readonly openCapture: (options: {
    interfaceName: string;
    filter: (linkType: number) => string;
    onFrame: (frame: Frame) => void;
    now: () => number;
  }) => { ok: true; handle: LiveCaptureHandle } | LiveCaptureFailure;
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
  const opened = deps.openCapture({
    interfaceName,
    filter,
    now: deps.now,
    onFrame: (frame) => print(pipeline.handleFrame(frame)),
  });
  if (!opened.ok) {
    deps.writeErr(`voip-callerid: ${opened.message}`);
    return 1;
  }
  deps.writeErr(`listening on ${interfaceName} (filter: ${opened.handle.filter})`);
  const timer = setInterval(() => print(pipeline.tick(deps.now())), TICK_MS);
  await deps.stopRequested;
  clearInterval(timer);
  opened.handle.close();
  deps.writeErr(`listen: ${formatSummary(pipeline.stats)}`);
  return 0;
}
