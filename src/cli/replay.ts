import { callEventToJson } from "../core/calls/callEvent.js";
import type { Frame, FramePrefilter } from "../core/capture/frame.js";
import { CallerIdPipeline } from "../core/pipeline.js";
import type { ReadCaptureOutcome } from "../io/captureFileSource.js";
import type { CaptureOptions } from "./args.js";
import { formatSummary } from "./summary.js";

export interface ReplayDeps {
  readonly readCapture: (
    path: string,
    onFrame: (frame: Frame) => void,
    chunkSize: number | undefined,
    prefilter: FramePrefilter,
  ) => ReadCaptureOutcome;
  readonly writeOut: (line: string) => void;
  readonly writeErr: (line: string) => void;
}

/**
 * `replay FILE…`: the files are one stream, in the order given (rotated capture files continue
 * each other's calls). Returns the exit code.
 */
export function runReplay(
  files: readonly string[],
  options: CaptureOptions,
  deps: ReplayDeps,
): number {
  const pipeline = new CallerIdPipeline(options);
  const onFrame = (frame: Frame) => {
    for (const event of pipeline.handleFrame(frame))
      deps.writeOut(JSON.stringify(callEventToJson(event)));
  };
  for (const file of files) {
    const outcome = deps.readCapture(file, onFrame, undefined, pipeline.prefilter);
    if (!outcome.ok) {
      deps.writeErr(`voip-callerid: ${outcome.message}`);
      return 1;
    }
    if (outcome.error) {
      pipeline.stats.errors.add(outcome.error.code);
      deps.writeErr(
        `voip-callerid: warning: ${file}: ${outcome.error.detail}; the ${outcome.frames} packets before it were read`,
      );
    }
  }
  deps.writeErr(`replay: ${formatSummary(pipeline.stats)}`);
  return 0;
}
