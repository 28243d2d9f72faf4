import { describe, expect, it } from "vitest";
import type { TcpSegment } from "../../../src/core/packet/tcp.js";
import { type SipPayload, SipStreams } from "../../../src/core/sip/sipStreams.js";
import {
  bytesOf,
  contentLengthFraming,
  sipMessage,
  TcpConnection,
  textOf,
  wsFrame,
} from "../../support/sipFraming.js";

const INVITE = sipMessage("INVITE sip:+12263382742@example.com SIP/2.0", "v=0\r\n".repeat(60));
const TRYING = sipMessage("SIP/2.0 100 Trying");
const MASK: [number, number, number, number] = [0x37, 0xfa, 0x21, 0x3d];
const GET =
  "GET / HTTP/1.1\r\nHost: pbx\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
  "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
const SWITCHING =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
const DEFLATE = SWITCHING.replace(
  "\r\n\r\n",
  "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
);

function setUp(answer = SWITCHING) {
  const conn = new TcpConnection(
    { address: "10.243.17.55", port: 43_380 },
    { address: "10.243.0.157", port: 8080 },
  );
  const streams = new SipStreams({ messageLength: contentLengthFraming, maxBufferedBytes: 8_192 });
  const out: SipPayload[] = [];
  const feed = (...segments: TcpSegment[]) => {
    for (const segment of segments) out.push(...streams.fromTcp(segment, 0));
    return out;
  };
  feed(conn.syn("c"), conn.syn("s"), conn.send("c", GET), conn.send("s", answer));
  return { conn, streams, out, feed };
}

const summary = (payloads: SipPayload[]) =>
  payloads.map(
    (p) => `${p.transport} ${p.srcPort}>${p.dstPort} ${textOf(p.bytes).split("\r\n")[0]}`,
  );

describe("SIP over WebSocket (RFC 7118)", () => {
  it("reads masked client frames and unmasked server frames after the upgrade", () => {
    const { conn, out, feed } = setUp();
    feed(conn.send("c", wsFrame(INVITE, { mask: MASK })), conn.send("s", wsFrame(TRYING)));
    expect(summary(out)).toEqual([
      "ws 43380>8080 INVITE sip:+12263382742@example.com SIP/2.0",
      "ws 8080>43380 SIP/2.0 100 Trying",
    ]);
    expect(textOf(out[0]?.bytes ?? new Uint8Array())).toBe(INVITE);
  });

  it("reads a frame split across TCP segments at every offset, and 16/64-bit lengths", () => {
    const frames = [
      wsFrame(INVITE, { mask: MASK }),
      wsFrame(TRYING, { mask: MASK, lengthForm: 64 }),
      wsFrame(TRYING, { opcode: 2, lengthForm: 16 }),
    ];
    const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const frame of frames) {
      bytes.set(frame, offset);
      offset += frame.length;
    }
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const { conn, out, feed } = setUp();
      feed(conn.send("c", bytes.slice(0, cut)), conn.send("c", bytes.slice(cut)));
      expect(out.map((p) => textOf(p.bytes))).toEqual([INVITE, TRYING, TRYING]);
    }
  });

  it("reassembles a fragmented message with a ping between its fragments", () => {
    const { conn, out, feed, streams } = setUp();
    feed(
      conn.send("c", wsFrame(INVITE.slice(0, 100), { mask: MASK, fin: false })),
      conn.send("c", wsFrame("are you there?", { mask: MASK, opcode: 9 })),
      conn.send("s", wsFrame("are you there?", { opcode: 10 })),
      conn.send("c", wsFrame(INVITE.slice(100, 200), { mask: MASK, fin: false, opcode: 0 })),
      conn.send("c", wsFrame(INVITE.slice(200), { mask: MASK, opcode: 0 })),
    );
    expect(out.map((p) => textOf(p.bytes))).toEqual([INVITE]);
    expect(streams.bufferedBytes).toBe(0);
    expect([...streams.errors]).toEqual([]);
  });

  it("stops reading a direction after its close frame", () => {
    const { conn, out, feed } = setUp();
    feed(
      conn.send("s", wsFrame(Uint8Array.of(3, 232), { opcode: 8 })),
      conn.send("s", wsFrame(TRYING)),
    );
    feed(conn.send("c", wsFrame(INVITE, { mask: MASK })));
    expect(summary(out)).toEqual(["ws 43380>8080 INVITE sip:+12263382742@example.com SIP/2.0"]);
  });

  it("refuses a connection whose answer puts permessage-deflate in force", () => {
    const { conn, out, feed, streams } = setUp(DEFLATE);
    feed(
      conn.send("c", wsFrame(bytesOf("compressed?"), { mask: MASK, rsv: 4 })),
      conn.send("s", wsFrame(TRYING, { rsv: 4 })),
      conn.send("c", wsFrame(INVITE, { mask: MASK })),
    );
    expect(out).toEqual([]);
    expect([...streams.errors]).toEqual([["ws-extension", 1]]);
    expect(streams.bufferedBytes).toBe(0);
  });

  it("ignores a direction that sends compressed (RSV1) frames without negotiation", () => {
    const { conn, out, feed, streams } = setUp();
    feed(
      conn.send("c", wsFrame(bytesOf("zz"), { mask: MASK, rsv: 4 })),
      conn.send("s", wsFrame(TRYING)),
    );
    feed(conn.send("c", wsFrame(INVITE, { mask: MASK })));
    expect(summary(out)).toEqual(["ws 8080>43380 SIP/2.0 100 Trying"]);
    expect([...streams.errors]).toEqual([["ws-extension", 1]]);
  });

  it("counts a refused upgrade and bad frames", () => {
    const refused = setUp("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    refused.feed(refused.conn.send("c", wsFrame(INVITE, { mask: MASK })));
    expect(refused.out).toEqual([]);
    expect([...refused.streams.errors]).toEqual([["ws-handshake-failed", 1]]);

    for (const bad of [
      wsFrame("x", { opcode: 3 }),
      wsFrame("x", { opcode: 9, fin: false }),
      wsFrame("x".repeat(126), { opcode: 10 }),
      wsFrame("x", { opcode: 0 }),
    ]) {
      const { conn, out, feed, streams } = setUp();
      feed(conn.send("s", bad), conn.send("s", wsFrame(TRYING)));
      expect(out).toEqual([]);
      expect([...streams.errors]).toEqual([["ws-bad-frame", 1]]);
    }
  });

  it("steps over a message larger than half the buffer cap, then reads on", () => {
    const { conn, out, feed, streams } = setUp();
    const big = "x".repeat(30_000);
    feed(
      ...conn.sendSplit("c", wsFrame(big.slice(0, 10_000), { mask: MASK, fin: false }), 1_448),
      ...conn.sendSplit("c", wsFrame(big.slice(10_000), { mask: MASK, opcode: 0 }), 1_448),
      conn.send("c", wsFrame(INVITE, { mask: MASK })),
    );
    expect(out.map((p) => textOf(p.bytes))).toEqual([INVITE]);
    expect([...streams.errors]).toEqual([["ws-message-too-large", 1]]);
    expect(streams.bufferedBytes).toBe(0);
  });

  it("switches both directions on a 101 whose GET was not captured", () => {
    const conn = new TcpConnection(
      { address: "10.0.0.9", port: 50_000 },
      { address: "10.0.0.1", port: 8080 },
    );
    const streams = new SipStreams({ messageLength: contentLengthFraming });
    const out = [
      conn.send("s", SWITCHING),
      conn.send("c", wsFrame(INVITE, { mask: MASK })),
    ].flatMap((segment) => streams.fromTcp(segment, 0));
    expect(summary(out)).toEqual(["ws 50000>8080 INVITE sip:+12263382742@example.com SIP/2.0"]);
  });
});
