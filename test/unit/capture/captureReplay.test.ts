/**
 * openCaptureReplay: the frames of `run --replay` pulled one at a time from the files, with
 * only one chunk of a file read ahead of the frame being played.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCaptureReplay } from "../../../src/io/captureFileSource.js";
import { framesInMemory, printFrame, scratchFolder } from "../../support/captureFiles.js";
import { type WrittenFrame, writePcap, writePcapng } from "../../support/pcapWriter.js";
import { mulberry32 } from "../../support/random.js";

const { folder: scratch, file: scratchFile } = scratchFolder("capture-replay-");

function frames(count: number, seed: number, startMs: number): WrittenFrame[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    data: Uint8Array.from({ length: 40 + Math.floor(random() * 300) }, () =>
      Math.floor(random() * 256),
    ),
    timestampMs: startMs + i * 10,
  }));
}

describe("openCaptureReplay", () => {
  it("hands out every frame of several files in order, never reading more than a chunk ahead", () => {
    const first = frames(5000, 1, 1_700_000_000_000);
    const second = frames(3000, 2, 1_700_000_100_000);
    const pcap = writePcap(first);
    const pcapng = writePcapng(second);
    const paths = [scratchFile("a.pcap", pcap), scratchFile("b.pcapng", pcapng)];
    const chunkSize = 4096;
    const replay = openCaptureReplay(paths, chunkSize);
    if (!replay.ok) throw new Error(replay.message);
    expect(replay.firstTimestampMs).toBe(1_700_000_000_000);
    expect(replay.bytesRead).toBe(0); // checked, but nothing read for playing yet

    // Where each frame's record ends in the concatenated files: the reader may have read up
    // to one chunk past it when the frame is handed out, and no further.
    const ends: number[] = [];
    let at = 24;
    for (const f of first) {
      at += 16 + f.data.length;
      ends.push(at);
    }
    const pcapngFrameEnds = (() => {
      const out: number[] = [];
      // SHB (28) + IDB (20 without options) in the writer's defaults: found from the sizes.
      let offset = pcapng.length;
      for (let i = second.length - 1; i >= 0; i -= 1) {
        out.unshift(pcap.length + offset);
        const data = second[i]?.data.length ?? 0;
        offset -= 32 + ((data + 3) & ~3);
      }
      return out;
    })();
    ends.push(...pcapngFrameEnds);

    const seen: string[] = [];
    const warnings: string[] = [];
    let index = 0;
    let furthestAhead = 0;
    for (const frame of replay.frames((w) => warnings.push(w))) {
      seen.push(printFrame(frame));
      const ahead = replay.bytesRead - (ends[index] ?? 0);
      furthestAhead = Math.max(furthestAhead, ahead);
      expect(ahead).toBeGreaterThanOrEqual(0);
      index += 1;
    }
    expect(furthestAhead).toBeLessThanOrEqual(chunkSize);
    expect(seen).toEqual([...framesInMemory(pcap), ...framesInMemory(pcapng)]);
    expect(replay.bytesRead).toBe(pcap.length + pcapng.length);
    expect(warnings).toEqual([]);
  });

  it("refuses a missing file, a directory or a file that is no capture before playing any", () => {
    const good = scratchFile("good.pcap", writePcap(frames(3, 3, 0)));
    const missing = join(scratch, "missing.pcap");
    const dir = join(scratch, "dir.pcap");
    mkdirSync(dir);
    const text = scratchFile("notes.pcap", Buffer.from("not a capture\n"));
    expect(openCaptureReplay([good, missing])).toEqual({
      ok: false,
      reason: "missing",
      message: `capture file not found: ${missing}`,
    });
    expect(openCaptureReplay([good, dir])).toMatchObject({ ok: false, reason: "is-directory" });
    expect(openCaptureReplay([good, text])).toEqual({
      ok: false,
      reason: "not-a-capture-file",
      message: `${text} is not a pcap or pcapng capture file`,
    });
  });

  it("warns about a file that breaks on the way, after its good frames, and plays the next", () => {
    const written = frames(50, 4, 1000);
    const bytes = writePcap(written);
    const truncated = scratchFile("cut.pcap", bytes.subarray(0, bytes.length - 5));
    const next = scratchFile("next.pcap", writePcap(frames(2, 5, 99_000)));
    const replay = openCaptureReplay([truncated, next], 512);
    if (!replay.ok) throw new Error(replay.message);
    const warnings: string[] = [];
    const times = [...replay.frames((w) => warnings.push(w))].map((f) => f.timestampMs);
    expect(times).toEqual([...written.slice(0, 49).map((f) => f.timestampMs), 99_000, 99_010]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^.*cut\.pcap: file ends inside the record at byte \d+: .*; the packets before it were replayed$/,
      ),
    ]);
  });

  it("starts the clock nowhere for files without a packet", () => {
    const replay = openCaptureReplay([scratchFile("empty.pcap", writePcap([]))]);
    expect(replay).toMatchObject({ ok: true, firstTimestampMs: null });
    if (replay.ok) expect([...replay.frames(() => undefined)]).toEqual([]);
  });
});
