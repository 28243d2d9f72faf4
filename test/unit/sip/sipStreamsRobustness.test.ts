import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../../src/core/capture/frame.js";
import { FrameDecoder, type FrameDecoderOptions } from "../../../src/core/packet/decodeFrame.js";
import type { TcpSegment } from "../../../src/core/packet/tcp.js";
import { type SipPayload, SipStreams } from "../../../src/core/sip/sipStreams.js";
import { concat, sllFrame } from "../../support/frameBuilder.js";
import { mulberry32 } from "../../support/random.js";
import {
  bytesOf,
  contentLengthFraming,
  sipMessage,
  TcpConnection,
  textOf,
  wsFrame,
} from "../../support/sipFraming.js";
import {
  ipSctpPacket,
  type SctpFrameSpec,
  sctpFrame,
  tcpFrame,
} from "../../support/transportFrames.js";

const INVITE = sipMessage("INVITE sip:100@pbx SIP/2.0", "v=0\r\n".repeat(20));
const RINGING = sipMessage("SIP/2.0 180 Ringing");
const GET = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
const SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
const MASK: [number, number, number, number] = [1, 2, 3, 4];
const EXPECTED = new Set([INVITE, RINGING]);
const DECODER: FrameDecoderOptions = { ports: [5060], tcpPorts: [5060, 8080], sctpPorts: [5060] };
const MAX_FLOWS = 8;
const MAX_BYTES = 4_096;

type Scenario = [linkType: number, frame: Uint8Array][];

/** The frames of a TCP connection, from its segments (Ethernet, IPv4 or IPv6). */
function tcpFrames(segments: TcpSegment[]): Scenario {
  return segments.map((s) => [
    LINKTYPE.ETHERNET,
    tcpFrame({
      src: s.src,
      dst: s.dst,
      srcPort: s.srcPort,
      dstPort: s.dstPort,
      seq: s.seq,
      flags: `${s.syn ? "S" : ""}${s.fin ? "F" : ""}${s.rst ? "R" : ""}A`,
      payload: s.payload,
    }),
  ]);
}

function scenarios(): Scenario[] {
  const plain = new TcpConnection(
    { address: "10.0.0.2", port: 40_000 },
    { address: "10.0.0.1", port: 5060 },
  );
  const sip = tcpFrames([
    plain.syn("c"),
    ...plain.sendSplit("c", `${INVITE}\r\n\r\n${RINGING}`, 90),
    plain.send("s", RINGING),
    plain.send("c", "", { fin: true }),
  ]);
  const ws = new TcpConnection(
    { address: "fd00::2", port: 43_380 },
    { address: "fd00::1", port: 8080 },
  );
  const client = concat(
    wsFrame(INVITE.slice(0, 60), { mask: MASK, fin: false }),
    wsFrame("", { opcode: 9, mask: MASK }),
  );
  const webSocket = tcpFrames([
    ws.send("c", GET),
    ws.send("s", SWITCHING),
    ...ws.sendSplit("c", concat(client, wsFrame(INVITE.slice(60), { opcode: 0, mask: MASK })), 70),
    ws.send("s", wsFrame(RINGING, { lengthForm: 64 })),
  ]);
  const base: Omit<SctpFrameSpec, "chunks"> = {
    src: "10.0.0.2",
    dst: "10.0.0.1",
    srcPort: 57_098,
    dstPort: 5060,
  };
  const sctp: Scenario = [
    [
      LINKTYPE.ETHERNET,
      sctpFrame({ ...base, chunks: [{ tsn: 1, flags: "B", payload: INVITE.slice(0, 50) }] }),
    ],
    [
      LINKTYPE.LINUX_SLL,
      sllFrame(
        ipSctpPacket({
          ...base,
          chunks: [
            { tsn: 2, flags: "", payload: INVITE.slice(50, 100) },
            { tsn: 3, flags: "E", payload: INVITE.slice(100) },
            { tsn: 4, payload: RINGING },
          ],
        }),
        1,
      ),
    ],
  ];
  return [sip, webSocket, sctp];
}

/** Runs frames through decoder and streams; every message must be one that was sent. */
function run(frames: Scenario, check: (payload: SipPayload) => void): SipStreams {
  const decoder = new FrameDecoder(DECODER);
  const streams = new SipStreams({
    messageLength: contentLengthFraming,
    maxFlows: MAX_FLOWS,
    maxBufferedBytes: MAX_BYTES,
    gapTimeoutMs: 50,
    idleTimeoutMs: 1_000,
  });
  frames.forEach(([linkType, data], index) => {
    const at = index * 10;
    const outcome = decoder.decode({
      linkType,
      data,
      timestampMs: at,
      originalLength: data.length,
    });
    let payloads: SipPayload[] = [];
    if (outcome.kind === "tcp") payloads = streams.fromTcp(outcome.segment, at);
    else if (outcome.kind === "sctp")
      payloads = outcome.chunks.flatMap((c) => streams.fromSctp(c, at));
    else if (outcome.kind === "datagram") payloads = streams.fromUdp(outcome.datagram);
    for (const payload of payloads) check(payload);
  });
  for (const payload of streams.tick(frames.length * 10 + 2_000)) check(payload);
  return streams;
}

describe("SipStreams robustness", () => {
  it("the intact scenarios deliver every message", () => {
    const delivered = scenarios().map((frames) => {
      const texts: string[] = [];
      const streams = run(frames, (p) => texts.push(textOf(p.bytes)));
      expect([...streams.errors]).toEqual([]);
      return texts;
    });
    expect(delivered).toEqual([
      [INVITE, RINGING, RINGING],
      [INVITE, RINGING],
      [INVITE, RINGING],
    ]);
  });

  it("every frame truncated at every offset never throws nor yields a wrong message", () => {
    let runs = 0;
    for (const frames of scenarios()) {
      frames.forEach(([linkType, frame], index) => {
        for (let length = 0; length < frame.length; length++) {
          const cut = frames.slice();
          cut[index] = [linkType, frame.subarray(0, length)];
          run(cut, (payload) => {
            if (!EXPECTED.has(textOf(payload.bytes)))
              expect.fail(`wrong message: ${textOf(payload.bytes)}`);
          });
          runs++;
        }
      });
    }
    expect(runs).toBe(
      scenarios()
        .flat()
        .reduce((n, [, frame]) => n + frame.length, 0),
    );
  });

  it("20,000 seeded mutations of the frames never throw and stay bounded", () => {
    const random = mulberry32(0x51b5);
    const int = (n: number) => Math.floor(random() * n);
    const all = scenarios();
    let delivered = 0;
    for (let i = 0; i < 20_000; i++) {
      const frames = (all[int(all.length)] as Scenario).map(([t, f]): [number, Uint8Array] => [
        t,
        f.slice(),
      ]);
      for (let n = 1 + int(4); n > 0 && frames.length > 0; n--) {
        const target = frames[int(frames.length)] as [number, Uint8Array];
        const kind = int(5);
        if (kind === 0)
          frames.splice(int(frames.length), 1); // lost
        else if (kind === 1)
          frames.splice(int(frames.length), 0, target); // duplicated
        else if (kind === 2)
          frames.reverse(); // reordered
        else target[1][int(target[1].length)] = int(256); // corrupted
      }
      const streams = run(frames, () => delivered++);
      if (streams.flowCount > MAX_FLOWS || streams.bufferedBytes > MAX_FLOWS * MAX_BYTES * 1.5) {
        expect.fail(`unbounded after mutation ${i}`);
      }
    }
    expect(delivered).toBeGreaterThan(10_000);
  });

  it("20,000 seeded random segment streams (HTTP, WebSocket, SIP, junk) never throw", () => {
    const random = mulberry32(0xfeed);
    const int = (n: number) => Math.floor(random() * n);
    const pieces = [
      bytesOf(GET),
      bytesOf(SWITCHING),
      bytesOf(INVITE),
      bytesOf("\r\n\r\n"),
      wsFrame(INVITE, { mask: MASK }),
      wsFrame(RINGING, { fin: false }),
      wsFrame(RINGING, { opcode: 0 }),
      wsFrame("x", { opcode: 8 }),
      wsFrame(new Uint8Array(70_000), { lengthForm: 64 }),
    ];
    for (let i = 0; i < 20_000; i++) {
      const streams = new SipStreams({
        messageLength: contentLengthFraming,
        maxFlows: 4,
        maxBufferedBytes: 2_048,
      });
      const conns = [0, 1, 2].map(
        (n) =>
          new TcpConnection(
            { address: `10.0.0.${n}`, port: 1000 + n },
            { address: "10.0.0.9", port: 5060 },
          ),
      );
      for (let step = 0; step < 12; step++) {
        const conn = conns[int(conns.length)] as TcpConnection;
        const from = random() < 0.5 ? "c" : "s";
        const piece = pieces[int(pieces.length)] as Uint8Array;
        const bytes =
          random() < 0.3
            ? Uint8Array.from({ length: int(200) }, () => int(256))
            : piece.slice(0, 1 + int(piece.length));
        const seq = random() < 0.8 ? conn.seq(from) : int(2 ** 32);
        const flags = { syn: random() < 0.05, fin: random() < 0.05, rst: random() < 0.03 };
        const segment = random() < 0.8 ? conn.send(from, bytes) : conn.at(from, seq, bytes, flags);
        for (const p of streams.fromTcp(segment, step * 100)) {
          if (!(p.bytes.length > 0)) expect.fail("empty payload");
        }
        if (streams.bufferedBytes > 4 * 2_048 * 1.5) expect.fail(`unbounded in run ${i}`);
      }
      streams.tick(1e7);
      if (streams.flowCount !== 0) expect.fail("idle flows not forgotten");
    }
  });
});
