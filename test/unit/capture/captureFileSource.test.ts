import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readCaptureFileSync } from "../../../src/io/captureFileSource.js";
import { framesInMemory, printFrame, scratchFolder } from "../../support/captureFiles.js";
import {
  PcapFileWriter,
  type WrittenFrame,
  writePcap,
  writePcapng,
} from "../../support/pcapWriter.js";
import { mulberry32 } from "../../support/random.js";

const REAL = fileURLToPath(new URL("../../fixtures/captures/real/", import.meta.url));
const { folder: scratch, file: scratchFile } = scratchFolder("capture-source-");

function readFile(path: string, chunkSize?: number) {
  const frames: string[] = [];
  const outcome = readCaptureFileSync(path, (f) => frames.push(printFrame(f)), chunkSize);
  return { outcome, frames };
}

function bigFrames(count: number, seed: number): WrittenFrame[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    // Several records longer than every small chunk size, some far longer.
    data: Uint8Array.from({ length: i % 5 === 0 ? 70_000 : Math.floor(random() * 200) }, () =>
      Math.floor(random() * 256),
    ),
    timestampMs: 1_700_000_000_000 + i * 0.001,
    interfaceId: i % 2,
  }));
}

/** The README's summary table: file name → "pkts" column. */
function readmePacketCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(REAL, "README.md"), "utf8").split("\n")) {
    const row = /^\|\s*`([^`]+\.(?:pcap|cap))`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/.exec(line);
    if (row?.[1] && row[3]) counts.set(row[1], Number(row[3]));
  }
  return counts;
}

describe("real captures", () => {
  const counts = readmePacketCounts();

  it("lists all fourteen captures in the README", () => {
    expect(counts.size).toBe(14);
  });

  for (const [name, packets] of counts) {
    it(`${name} has ${packets} frames, as the README says`, () => {
      // The PROTOS capture is a Microsoft Network Monitor 2 file, not pcap: the test reads its
      // editcap conversion and checks the original is refused cleanly.
      let file = name;
      if (name.endsWith(".cap")) {
        const original = readFile(join(REAL, name)).outcome;
        expect(original).toMatchObject({ ok: false, reason: "not-a-capture-file" });
        file = name.replace(/\.cap$/, ".converted.pcap");
      }
      const { outcome, frames } = readFile(join(REAL, file));
      expect(outcome).toMatchObject({ ok: true, frames: packets, error: null });
      expect(frames).toHaveLength(packets);
      expect(readFile(join(REAL, file), 7).frames).toEqual(frames);
    });
  }

  it("reads the editcap pcapng with tiny chunks", () => {
    const path = join(REAL, "mgcp-ndpi.pcapng");
    const whole = framesInMemory(readFileSync(path));
    for (const chunkSize of [1, 7, 64, 4096]) {
      const { outcome, frames } = readFile(path, chunkSize);
      expect(outcome).toEqual({ ok: true, frames: 29, format: "pcapng", error: null });
      expect(frames).toEqual(whole);
    }
  });
});

describe("chunked reads through one reused buffer", () => {
  const pcapBytes = writePcap(bigFrames(40, 1), { snapLen: 65_535 * 2 });
  const pcapngBytes = writePcapng(bigFrames(40, 2), {
    byteOrder: "be",
    interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 9 }],
  });

  for (const [name, bytes] of [
    ["pcap", pcapBytes],
    ["pcapng", pcapngBytes],
  ] as const) {
    it(`${name}: chunk sizes 7, 64 and 1 MiB give the frames read from memory`, () => {
      const path = scratchFile(`chunks.${name}`, bytes);
      const expected = framesInMemory(bytes);
      expect(expected).toHaveLength(40);
      for (const chunkSize of [7, 64, 1 << 20]) {
        const { outcome, frames } = readFile(path, chunkSize);
        expect(outcome).toEqual({ ok: true, frames: 40, format: name, error: null });
        expect(frames).toEqual(expected);
      }
    });
  }

  it("streams a file written by PcapFileWriter", () => {
    const path = join(scratch, "streamed.pcap");
    const writer = new PcapFileWriter(path, { linkType: 113 });
    const frames = bigFrames(30, 3);
    for (const frame of frames) writer.write(frame);
    writer.close();
    const bytes = readFileSync(path);
    expect(bytes.equals(writePcap(frames, { linkType: 113 }))).toBe(true);
    expect(readFile(path, 64).outcome).toMatchObject({ ok: true, frames: 30 });
  });

  it("returns ok with the error when the file breaks after some frames", () => {
    const path = scratchFile("truncated.pcap", pcapBytes.subarray(0, pcapBytes.length - 3));
    const { outcome, frames } = readFile(path, 64);
    expect(outcome).toMatchObject({ ok: true, frames: 39, format: "pcap" });
    expect(outcome.ok && outcome.error?.code).toBe("file-truncated");
    expect(frames).toEqual(framesInMemory(pcapBytes).slice(0, 39));

    const corrupt = Buffer.from(pcapngBytes);
    corrupt.writeUInt32BE(13, corrupt.length - 4); // last block's trailing length differs
    const broken = readFile(scratchFile("corrupt.pcapng", corrupt), 7).outcome;
    expect(broken).toMatchObject({ ok: true, frames: 39, error: { code: "bad-block" } });
  });
});

describe("failures a user can act on", () => {
  it("missing file", () => {
    const path = join(scratch, "nope.pcap");
    expect(readFile(path).outcome).toEqual({
      ok: false,
      reason: "missing",
      message: `capture file not found: ${path}`,
    });
  });

  it("directory", () => {
    const path = join(scratch, "a-directory");
    mkdirSync(path);
    expect(readFile(path).outcome).toMatchObject({ ok: false, reason: "is-directory" });
  });

  // Root reads every file whatever its mode; as root the same case runs as an ordinary user
  // through the command line (test/integration/cli.test.ts, "a file it may not read").
  it.skipIf(process.getuid?.() === 0)("unreadable file", () => {
    const path = scratchFile("locked.pcap", writePcap([]));
    chmodSync(path, 0o000);
    expect(readFile(path).outcome).toMatchObject({ ok: false, reason: "not-readable" });
  });

  for (const [name, bytes] of [
    ["text.pcap", Buffer.from("this is not a capture\n")],
    ["empty.pcap", Buffer.alloc(0)],
    ["short.pcap", Buffer.from([0xd4, 0xc3])],
  ] as const) {
    it(`not a capture file: ${name}`, () => {
      const path = scratchFile(name, bytes);
      for (const chunkSize of [2, 1 << 20]) {
        expect(readFile(path, chunkSize).outcome).toEqual({
          ok: false,
          reason: "not-a-capture-file",
          message: `${path} is not a pcap or pcapng capture file`,
        });
      }
    });
  }
});
