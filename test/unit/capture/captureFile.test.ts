import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CaptureFileError, CaptureFileReader } from "../../../src/core/capture/captureFile.js";
import type { Frame } from "../../../src/core/capture/frame.js";
import {
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  obsoletePacketBlock,
  type PcapngInterfaceOptions,
  pcapngBlock,
  sectionHeaderBlock,
  simplePacketBlock,
  type WrittenFrame,
  writePcap,
  writePcapng,
} from "../../support/pcapWriter.js";
import { mulberry32 } from "../../support/random.js";

const REAL = new URL("../../fixtures/captures/real/", import.meta.url);

interface Read {
  frames: Frame[];
  error: CaptureFileError | null;
  format: string | null;
}

/** Reads bytes in pieces whose sizes come from `sizes` (whole file when omitted). */
function read(bytes: Uint8Array, sizes?: () => number): Read {
  const frames: Frame[] = [];
  // Copy: a frame's data may be a view into the reader's carry-over buffer.
  const reader = new CaptureFileReader((f) => frames.push({ ...f, data: new Uint8Array(f.data) }));
  let error: CaptureFileError | null = null;
  for (let at = 0; at < bytes.length && error === null; ) {
    const size = sizes ? Math.max(1, sizes()) : bytes.length;
    error = reader.push(bytes.subarray(at, at + size));
    at += size;
  }
  error ??= reader.end();
  expect(reader.framesRead).toBe(frames.length);
  return { frames, error, format: reader.format };
}

const micros = (f: Frame) => Math.round(f.timestampMs * 1000);

/** Frames with lengths 0..299 and microsecond timestamps around 2023 (µs counts kept exact). */
function sampleFrames(
  count: number,
  seed: number,
  interfaces = 1,
): (WrittenFrame & { us: number })[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const data = Uint8Array.from({ length: Math.floor(random() * 300) }, () => random() * 256);
    const us = 1_700_000_000_000_000 + i * 1_234_567 + Math.floor(random() * 1e6);
    return { data, us, timestampMs: us / 1000, interfaceId: i % interfaces };
  });
}

function expectSameFrames(actual: Frame[], expected: (WrittenFrame & { us: number })[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((frame, i) => {
    const want = expected[i];
    expect(want).toBeDefined();
    if (want === undefined) return;
    expect(Buffer.from(frame.data).equals(Buffer.from(want.data))).toBe(true);
    expect(micros(frame)).toBe(want.us);
    expect(frame.originalLength).toBe(want.originalLength ?? want.data.length);
  });
}

const byteOrders = ["le", "be"] as const;

describe("pcap", () => {
  for (const byteOrder of byteOrders) {
    for (const resolution of ["us", "ns"] as const) {
      it(`round-trips ${byteOrder} ${resolution}`, () => {
        const frames = sampleFrames(50, 1);
        const frame0 = frames[0];
        if (frame0) frame0.originalLength = frame0.data.length + 1000; // cut by the snap length
        const result = read(writePcap(frames, { byteOrder, resolution, linkType: 113 }));
        expect(result.error).toBeNull();
        expect(result.format).toBe("pcap");
        expectSameFrames(result.frames, frames);
        expect(result.frames.every((f) => f.linkType === 113)).toBe(true);
      });
    }
  }

  it("keeps nanoseconds and ignores the FCS bits above the link type", () => {
    const file = writePcap([], { resolution: "ns", byteOrder: "be", linkType: 0x14000001 });
    const record = Buffer.alloc(17);
    record.writeUInt32BE(1_700_000_000, 0);
    record.writeUInt32BE(123_456_789, 4);
    record.writeUInt32BE(1, 8);
    record.writeUInt32BE(1, 12);
    const [frame] = read(Buffer.concat([file, record])).frames;
    expect(frame?.timestampMs).toBe(1_700_000_000_000 + 123_456_789 / 1e6);
    expect(frame?.linkType).toBe(1);
  });

  it("accepts records up to max(snaplen, 262144) and rejects longer ones", () => {
    const big = { data: new Uint8Array(262_144), timestampMs: 0 };
    expect(read(writePcap([big], { snapLen: 65_535 })).frames).toHaveLength(1);
    const huge = { data: new Uint8Array(262_145), timestampMs: 0 };
    expect(read(writePcap([huge], { snapLen: 65_535 })).error?.code).toBe("bad-block");
    expect(read(writePcap([huge], { snapLen: 300_000 })).frames).toHaveLength(1);
    const absurd = writePcap([{ data: new Uint8Array(1), timestampMs: 0 }], {
      snapLen: 0xffffffff,
    });
    absurd.writeUInt32LE(16 * 1024 * 1024 + 1, 24 + 8);
    expect(read(absurd).error?.code).toBe("bad-block");
  });

  it("refuses unknown magic numbers and other major versions", () => {
    expect(read(Buffer.from("GET / HTTP/1.1\r\n\r\n")).error?.code).toBe("not-a-capture-file");
    const v3 = writePcap([]);
    v3.writeUInt16LE(3, 4);
    expect(read(v3).error?.code).toBe("unsupported-version");
    expect(read(new Uint8Array(3)).error?.code).toBe("not-a-capture-file");
    expect(read(new Uint8Array(0)).error?.code).toBe("not-a-capture-file");
  });

  it("delivers frames as views into the pushed chunk when a record lies inside it", () => {
    const file = writePcap(sampleFrames(3, 2));
    const buffers: ArrayBufferLike[] = [];
    new CaptureFileReader((f) => buffers.push(f.data.buffer)).push(file);
    expect(buffers).toEqual([file.buffer, file.buffer, file.buffer]);
  });
});

const interfaces: PcapngInterfaceOptions[] = [
  { linkType: 1 },
  { linkType: 113, tsresol: 9 },
  { linkType: 101, tsresol: 0x80 | 20, tsoffset: 3600 },
  { linkType: 276, tsresol: 6, tsoffset: -100 },
];

describe("pcapng", () => {
  for (const byteOrder of byteOrders) {
    it(`round-trips ${byteOrder} with several interfaces, resolutions and offsets`, () => {
      const frames = sampleFrames(60, 3, interfaces.length);
      const result = read(writePcapng(frames, { byteOrder, interfaces }));
      expect(result.error).toBeNull();
      expect(result.format).toBe("pcapng");
      expectSameFrames(result.frames, frames);
      result.frames.forEach((f, i) => {
        expect(f.linkType).toBe(interfaces[i % interfaces.length]?.linkType);
      });
    });
  }

  it("reads 64-bit nanosecond timestamps exactly", () => {
    const ns = 1_700_000_000_123_456_789n;
    const body = Buffer.alloc(20);
    body.writeUInt32BE(Number(ns >> 32n), 4);
    body.writeUInt32BE(Number(ns & 0xffffffffn), 8);
    const file = Buffer.concat([
      sectionHeaderBlock("be"),
      interfaceDescriptionBlock({ linkType: 1, tsresol: 9 }, "be"),
      pcapngBlock(6, body, "be"),
    ]);
    const [frame] = read(file).frames;
    expect(frame?.timestampMs).toBe(1_700_000_000_000 + 123_456_789 / 1e6);
  });

  it("reads simple and obsolete packet blocks and skips unknown blocks", () => {
    const [a, b] = sampleFrames(2, 4);
    if (a === undefined || b === undefined) throw new Error("no sample");
    const file = Buffer.concat([
      sectionHeaderBlock(),
      interfaceDescriptionBlock({ linkType: 1, snapLen: 100 }),
      simplePacketBlock(new Uint8Array(10).fill(7)), // before any timestamp: 0
      pcapngBlock(4, new Uint8Array(8)), // name resolution block
      interfaceDescriptionBlock({ linkType: 113, tsresol: 9 }),
      enhancedPacketBlock(a),
      pcapngBlock(5, new Uint8Array(20)), // interface statistics block
      simplePacketBlock(new Uint8Array(150).fill(9)), // cut to the snap length
      pcapngBlock(0x40000bad, new Uint8Array(13)), // custom / unknown
      obsoletePacketBlock({ ...b, interfaceId: 1 }, { tsresol: 9 }),
    ]);
    const { frames, error } = read(file);
    expect(error).toBeNull();
    expect(frames.map((f) => [f.linkType, f.data.length, f.originalLength])).toEqual([
      [1, 10, 10],
      [1, a.data.length, a.data.length],
      [1, 100, 150],
      [113, b.data.length, b.data.length],
    ]);
    expect(frames.map(micros)).toEqual([0, a.us, a.us, b.us]);
  });

  it("starts a new section (and interface list) at every section header", () => {
    const [a, b] = sampleFrames(2, 5);
    if (a === undefined || b === undefined) throw new Error("no sample");
    const second = [sectionHeaderBlock("be"), interfaceDescriptionBlock({ linkType: 229 }, "be")];
    const file = Buffer.concat([
      writePcapng([a], { interfaces: [{ linkType: 1 }, { linkType: 113 }] }),
      ...second,
      enhancedPacketBlock(b, {}, "be"),
      enhancedPacketBlock({ ...b, interfaceId: 1 }, {}, "be"), // interface 1 was in section 1
    ]);
    const { frames, error } = read(file);
    expect(frames.map((f) => f.linkType)).toEqual([1, 229]);
    expect(frames.map(micros)).toEqual([a.us, b.us]);
    expect(error?.code).toBe("bad-block");
  });

  it("rejects malformed blocks", () => {
    const frame = { data: new Uint8Array(5), timestampMs: 0 };
    const valid = writePcapng([frame]);
    const epbAt = valid.length - 40; // SHB 28 + IDB 20, then the EPB (40)
    const withLength = (at: number, value: number) => {
      const copy = Buffer.from(valid);
      copy.writeUInt32LE(value, at);
      return copy;
    };
    const badBlock = [
      withLength(epbAt + 4, 34), // not a multiple of 4
      withLength(epbAt + 4, 8), // shorter than 12
      withLength(epbAt + 4, 16 * 1024 * 1024 + 4), // absurd
      withLength(valid.length - 4, 44), // trailing copy differs
      withLength(epbAt + 8, 1), // unknown interface
      withLength(epbAt + 20, 9), // captured longer than the block
      Buffer.concat([
        valid.subarray(0, 28),
        pcapngBlock(1, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 8, 0)),
      ]),
      Buffer.concat([sectionHeaderBlock(), simplePacketBlock(new Uint8Array(4))]), // no interface
      Buffer.concat([valid, withLength(8, 0x12345678).subarray(0, 28)]), // 2nd SHB: bad magic
    ];
    for (const file of badBlock) expect(read(file).error?.code).toBe("bad-block");
    expect(read(withLength(8, 0x12345678)).error?.code).toBe("not-a-capture-file");
    expect(read(sectionHeaderBlock("le", 2)).error?.code).toBe("unsupported-version");
  });

  it("ignores further pushes after an error and returns the same error", () => {
    const frames: Frame[] = [];
    const reader = new CaptureFileReader((f) => frames.push(f));
    const error = reader.push(Buffer.from("not a capture"));
    expect(error?.code).toBe("not-a-capture-file");
    expect(reader.push(writePcap(sampleFrames(2, 6)))).toBe(error);
    expect(reader.end()).toBe(error);
    expect(frames).toHaveLength(0);
  });
});

const samples: [string, Buffer][] = [
  ["pcap le", writePcap(sampleFrames(12, 7))],
  ["pcap be ns", writePcap(sampleFrames(12, 8), { byteOrder: "be", resolution: "ns" })],
  ["pcapng le", writePcapng(sampleFrames(12, 9, 4), { interfaces })],
  ["pcapng be", writePcapng(sampleFrames(12, 10, 4), { interfaces, byteOrder: "be" })],
  ["real pcapng", readFileSync(new URL("mgcp-ndpi.pcapng", REAL))],
];

/** One string per frame, so that thousands of comparisons stay cheap. */
function fingerprints(frames: Frame[]): string[] {
  return frames.map(
    (f) =>
      `${f.linkType} ${f.timestampMs} ${f.originalLength} ${Buffer.from(f.data).toString("hex")}`,
  );
}

/** Offsets where a record or block ends: a file cut there is a valid, shorter file. */
function recordBoundaries(file: Buffer): Set<number> {
  const pcapng = file.readUInt32LE(0) === 0x0a0d0d0a;
  const le = pcapng ? file.readUInt32LE(8) === 0x1a2b3c4d : file.readUInt32LE(0) >>> 16 === 0xa1b2;
  const u32 = (at: number) => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const ends = new Set<number>();
  for (let at = pcapng ? 0 : 24; at < file.length; ) {
    ends.add(at);
    at += pcapng ? u32(at + 4) : 16 + u32(at + 8);
  }
  ends.add(file.length);
  return ends;
}

describe("chunking and damage", () => {
  for (const [name, file] of samples) {
    it(`${name}: 1-byte and random pieces give the same frames as the whole file`, () => {
      const whole = read(file);
      expect(whole.error).toBeNull();
      expect(read(file, () => 1)).toEqual(whole);
      const random = mulberry32(11);
      for (let round = 0; round < 20; round++) {
        expect(read(file, () => Math.floor(random() * 64))).toEqual(whole);
      }
    });

    it(`${name}: a cut at every offset yields a prefix of the frames`, () => {
      const whole = fingerprints(read(file).frames);
      const boundaries = recordBoundaries(file);
      for (let cut = 0; cut <= file.length; cut++) {
        const { frames, error } = read(file.subarray(0, cut));
        const isPrefix = fingerprints(frames).every((print, i) => print === whole[i]);
        expect(isPrefix, `cut at ${cut}`).toBe(true);
        if (cut < 4) expect(error?.code).toBe("not-a-capture-file");
        else if (boundaries.has(cut)) expect(error).toBeNull();
        else expect(error?.code).toBe("file-truncated");
      }
    });
  }

  it("never throws on 20,000 seeded random mutations", () => {
    const random = mulberry32(20_240_601);
    const codes = new Set([
      "not-a-capture-file",
      "file-truncated",
      "bad-block",
      "unsupported-version",
    ]);
    for (let round = 0; round < 20_000; round++) {
      const [, base] = samples[round % samples.length] ?? [];
      if (base === undefined) throw new Error("no sample");
      const file = Buffer.from(base);
      const mutations = 1 + Math.floor(random() * 6);
      for (let m = 0; m < mutations; m++) {
        // Bias half the hits to the first 64 bytes, where the headers and lengths live.
        const span = random() < 0.5 ? Math.min(64, file.length) : file.length;
        file[Math.floor(random() * span)] = Math.floor(random() * 256);
      }
      const cut = random() < 0.2 ? Math.floor(random() * file.length) : file.length;
      const damaged = file.subarray(0, cut);
      const result = read(damaged, () => Math.floor(random() * 300));
      if (result.error !== null) expect(codes.has(result.error.code)).toBe(true);
      if (round % 50 === 0) expect(read(damaged)).toEqual(result);
    }
  });
});

describe("real pcapng written by editcap", () => {
  it("matches the pcap it was converted from, byte for byte", () => {
    const pcap = read(readFileSync(new URL("mgcp-ndpi.pcap", REAL)));
    const pcapng = read(readFileSync(new URL("mgcp-ndpi.pcapng", REAL)));
    expect(pcap.error).toBeNull();
    expect(pcapng.error).toBeNull();
    expect(pcapng.format).toBe("pcapng");
    expect(pcap.frames).toHaveLength(29);
    expect(pcapng.frames).toEqual(pcap.frames);
  });
});
