// Child process of the benchmark: replays one capture RUNS times with the built code (dist/)
// in a fresh process, and prints time and resident memory of each run as one JSON line.
import { runReplay } from "../dist/cli/replay.js";
import { readCaptureFileSync } from "../dist/io/captureFileSource.js";

const [file, runsText] = process.argv.slice(2);
const options = { mgcpPorts: [2427, 2727], adapterMac: undefined, ringTimeoutMs: 180_000 };
const runs = [];
for (let run = 0; run < Number(runsText); run++) {
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  let frames = 0;
  let records = 0;
  let ringing = 0;
  const start = process.hrtime.bigint();
  runReplay([file], options, {
    readCapture: (path, onFrame, chunkSize, prefilter) =>
      readCaptureFileSync(
        path,
        (frame) => {
          onFrame(frame);
          frames++;
        },
        chunkSize,
        (linkType, bytes, start, end) => {
          if ((++records & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage.rss());
          return prefilter(linkType, bytes, start, end);
        },
      ),
    writeOut: (line) => {
      if (line.includes('"type":"ringing"')) ringing++;
    },
    writeErr: () => {},
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rssAfter = process.memoryUsage.rss();
  runs.push({
    ms,
    records,
    frames,
    ringing,
    rssBefore,
    rssPeak: Math.max(peak, rssAfter),
    rssAfter,
  });
}
process.stdout.write(`${JSON.stringify(runs)}\n`);
