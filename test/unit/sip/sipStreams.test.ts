import { describe, expect, it } from "vitest";
import type { TcpSegment } from "../../../src/core/packet/tcp.js";
import {
  type SipPayload,
  SipStreams,
  type SipStreamsOptions,
} from "../../../src/core/sip/sipStreams.js";
import {
  bytesOf,
  contentLengthFraming,
  sctpChunk,
  sipMessage,
  TcpConnection,
  textOf,
} from "../../support/sipFraming.js";

const INVITE = sipMessage("INVITE sip:100@pbx SIP/2.0", "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\n");
const RINGING = sipMessage("SIP/2.0 180 Ringing");
const BYE = sipMessage("BYE sip:100@pbx SIP/2.0", "", "l-ish: not a length\r\n");
const CLIENT = { address: "10.0.0.2", port: 40_000 };
const SERVER = { address: "10.0.0.1", port: 5060 };

function streams(options: Partial<SipStreamsOptions> = {}): SipStreams {
  return new SipStreams({ messageLength: contentLengthFraming, ...options });
}

function feed(target: SipStreams, segments: TcpSegment[], at = 0): SipPayload[] {
  return segments.flatMap((segment) => target.fromTcp(segment, at));
}

const texts = (payloads: SipPayload[]) => payloads.map((p) => textOf(p.bytes));
const errors = (target: SipStreams) => Object.fromEntries(target.errors);

describe("TCP framing (RFC 3261 §18.3)", () => {
  it("finds one message split across two segments at every offset", () => {
    for (let cut = 1; cut < INVITE.length; cut++) {
      const conn = new TcpConnection(CLIENT, SERVER);
      const s = streams();
      const out = feed(s, [
        conn.send("c", INVITE.slice(0, cut)),
        conn.send("c", INVITE.slice(cut)),
      ]);
      expect(texts(out)).toEqual([INVITE]);
      expect(s.bufferedBytes).toBe(0);
    }
  });

  it("finds several messages in one segment, and keep-alive CRLFs between them", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const out = s.fromTcp(conn.send("c", `${INVITE}\r\n\r\n${BYE}${RINGING.slice(0, 20)}`), 0);
    expect(texts(out)).toEqual([INVITE, BYE]);
    expect(out[0]).toEqual({
      src: "10.0.0.2",
      dst: "10.0.0.1",
      srcPort: 40_000,
      dstPort: 5060,
      transport: "tcp",
      bytes: bytesOf(INVITE),
    });
    expect(texts(s.fromTcp(conn.send("c", RINGING.slice(20)), 1))).toEqual([RINGING]);
  });

  it("keeps the two directions apart", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const out = feed(s, [
      conn.send("c", INVITE.slice(0, 30)),
      conn.send("s", RINGING),
      conn.send("c", INVITE.slice(30)),
    ]);
    expect(out.map((p) => [p.srcPort, textOf(p.bytes)])).toEqual([
      [5060, RINGING],
      [40_000, INVITE],
    ]);
  });

  it("drops retransmitted and overlapping bytes", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const first = conn.send("c", INVITE.slice(0, 50));
    const second = conn.send("c", INVITE.slice(50));
    const overlap = conn.at("c", first.seq + 10, bytesOf(INVITE.slice(10, 90)));
    const out = feed(s, [first, first, overlap, second, second, overlap]);
    expect(texts(out)).toEqual([INVITE]);
  });

  it("holds out-of-order segments until the gap fills", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const syn = conn.syn("c");
    const segments = conn.sendSplit("c", INVITE + BYE, 40);
    const reversed = [...segments].reverse();
    const out = feed(s, [syn, ...reversed.slice(0, -1)]);
    expect(out).toEqual([]);
    expect(s.bufferedBytes).toBeGreaterThan(0);
    expect(texts(feed(s, reversed.slice(-1)))).toEqual([INVITE, BYE]);
    expect(s.bufferedBytes).toBe(0);
  });

  it("starts from the SYN, ignores a retransmitted SYN, and restarts on a new one", () => {
    const conn = new TcpConnection(CLIENT, SERVER, 0xffff_ffd0); // wraps during the INVITE
    const s = streams();
    const syn = conn.syn("c");
    const segments = conn.sendSplit("c", INVITE, 25);
    const swapped = [segments[1], segments[0], ...segments.slice(2)] as TcpSegment[];
    expect(texts(feed(s, [syn, syn, ...swapped]))).toEqual([INVITE]);
    // Same 4-tuple, new connection: an unfinished message of the old one is dropped.
    feed(s, [conn.send("c", BYE.slice(0, 10))]);
    const again = new TcpConnection(CLIENT, SERVER, 7);
    expect(texts(feed(s, [again.syn("c"), again.send("c", BYE)]))).toEqual([BYE]);
    expect(errors(s)).toEqual({ "sip-stream-unfinished": 1 });
  });

  it("skips what precedes the first start line when joining a stream mid-message", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const out = feed(s, [conn.send("c", INVITE.slice(37)), conn.send("c", BYE)]);
    expect(texts(out)).toEqual([BYE]);
  });

  it("delivers the message completed by a FIN, then ignores late retransmissions", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const first = conn.send("c", INVITE.slice(0, 60));
    const last = conn.send("c", INVITE.slice(60), { fin: true });
    expect(texts(feed(s, [first, last]))).toEqual([INVITE]);
    expect(feed(s, [first, last])).toEqual([]);
    expect(s.bufferedBytes).toBe(0);
  });

  it("drops the unfinished message on RST, in both directions, and counts it", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    feed(s, [conn.send("c", INVITE.slice(0, 60)), conn.send("s", RINGING.slice(0, 5))]);
    expect(feed(s, [conn.at("s", conn.seq("s"), new Uint8Array(0), { rst: true })])).toEqual([]);
    expect(feed(s, [conn.send("c", INVITE.slice(60)), conn.send("s", RINGING.slice(5))])).toEqual(
      [],
    );
    expect(errors(s)).toEqual({ "sip-stream-unfinished": 2 });
    expect(s.bufferedBytes).toBe(0);
  });
});

describe("bounds", () => {
  it("gives up a gap that never fills after gapTimeoutMs, and reads on", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams({ gapTimeoutMs: 1_000 });
    const [head, lost, ...rest] = conn.sendSplit("c", INVITE, 60) as TcpSegment[];
    const after = conn.send("c", BYE);
    expect(feed(s, [head as TcpSegment, ...rest, after], 0)).toEqual([]);
    expect(s.tick(999)).toEqual([]);
    expect(texts(s.tick(1_001))).toEqual([BYE]);
    expect(lost).toBeDefined();
    expect(errors(s)).toEqual({ "sip-stream-gap": 1 });
    expect(s.bufferedBytes).toBe(0);
  });

  it("gives up a gap when too many segments wait behind it", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams();
    const first = conn.send("c", BYE);
    conn.send("c", "x"); // never seen
    const waiting = Array.from({ length: 70 }, () => conn.send("c", BYE));
    const out = feed(s, [first, ...waiting]);
    expect(out.length).toBe(71);
    expect(errors(s)).toEqual({ "sip-stream-gap": 1 });
  });

  it("resets a flow whose buffer would pass the cap, then finds the next message", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams({ maxBufferedBytes: 1_024 });
    const huge = sipMessage("MESSAGE sip:a@b SIP/2.0", "x".repeat(3_000));
    const out = feed(s, [...conn.sendSplit("c", huge, 500), conn.send("c", BYE)]);
    expect(texts(out)).toEqual([BYE]);
    expect(errors(s)["sip-stream-overflow"]).toBeGreaterThanOrEqual(1);
    expect(s.bufferedBytes).toBe(0);
  });

  it("holds out-of-order bytes only up to the cap", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams({ maxBufferedBytes: 2_048 });
    feed(s, [conn.syn("c")]);
    conn.send("c", "x"); // the gap
    for (let i = 0; i < 40; i++) {
      feed(s, [conn.send("c", "y".repeat(100))]);
      expect(s.bufferedBytes).toBeLessThanOrEqual(2_048);
    }
    expect(errors(s)["sip-stream-overflow"]).toBeGreaterThanOrEqual(1);
  });

  it("forgets idle flows, counting an unfinished message", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const s = streams({ idleTimeoutMs: 60_000 });
    feed(s, [conn.send("c", INVITE.slice(0, 30))], 0);
    expect(s.flowCount).toBe(1);
    expect(s.tick(60_000)).toEqual([]);
    expect(s.flowCount).toBe(1);
    s.tick(60_001);
    expect(s.flowCount).toBe(0);
    expect(errors(s)).toEqual({ "sip-stream-unfinished": 1 });
    // The rest arrives as a new stream that starts mid-message: skipped, not misread.
    expect(feed(s, [conn.send("c", INVITE.slice(30)), conn.send("c", BYE)], 70_000).length).toBe(1);
  });

  it("tracks at most maxFlows directions, evicting the least recently used", () => {
    const s = streams({ maxFlows: 4 });
    const connections = Array.from(
      { length: 10 },
      (_, i) => new TcpConnection({ address: `10.0.1.${i}`, port: 40_000 + i }, SERVER),
    );
    for (const conn of connections) feed(s, [conn.send("c", INVITE.slice(0, 10))]);
    expect(s.flowCount).toBe(4);
    expect(errors(s)["sip-stream-evicted"]).toBe(6);
    const last = connections[9] as TcpConnection;
    expect(texts(feed(s, [last.send("c", INVITE.slice(10))]))).toEqual([INVITE]);
  });

  it("counts impossible answers of messageLength instead of looping or throwing", () => {
    for (const answer of [0, -1, 1.5, 10_000, { skip: 0 }, { skip: Number.NaN }]) {
      const conn = new TcpConnection(CLIENT, SERVER);
      const s = new SipStreams({ messageLength: () => answer });
      expect(feed(s, [conn.send("c", INVITE), conn.send("c", BYE)])).toEqual([]);
      expect(errors(s)).toEqual({ "sip-stream-bad-length": 2 });
    }
  });

  it("takeErrors returns increments and starts afresh", () => {
    const s = new SipStreams({ messageLength: () => 0 });
    const conn = new TcpConnection(CLIENT, SERVER);
    expect([...s.takeErrors()]).toEqual([]);
    feed(s, [conn.send("c", INVITE)]);
    expect([...s.takeErrors()]).toEqual([["sip-stream-bad-length", 1]]);
    expect([...s.takeErrors()]).toEqual([]);
    expect([...s.errors]).toEqual([["sip-stream-bad-length", 1]]);
  });

  it("rejects invalid options", () => {
    expect(() => streams({ maxFlows: 0 })).toThrow(RangeError);
    expect(() => streams({ maxBufferedBytes: 1 })).toThrow(RangeError);
    expect(() => streams({ idleTimeoutMs: -1 })).toThrow(RangeError);
  });
});

describe("SCTP (RFC 4168: one SIP message per user message)", () => {
  it("passes whole messages and reassembles fragments (B ... E)", () => {
    const s = streams();
    expect(texts(s.fromSctp(sctpChunk(10, RINGING)))).toEqual([RINGING]);
    const parts = [INVITE.slice(0, 100), INVITE.slice(100, 150), INVITE.slice(150)];
    const out = [
      ...s.fromSctp(sctpChunk(11, parts[0] as string, { ending: false })),
      ...s.fromSctp(sctpChunk(12, parts[1] as string, { beginning: false, ending: false })),
      ...s.fromSctp(sctpChunk(13, parts[2] as string, { beginning: false })),
    ];
    expect(out.map((p) => [p.transport, p.srcPort, textOf(p.bytes)])).toEqual([
      ["sctp", 57_098, INVITE],
    ]);
    expect(s.bufferedBytes).toBe(0);
  });

  it("drops retransmitted chunks (same TSN)", () => {
    const s = streams();
    const chunks = [sctpChunk(0xffff_ffff, INVITE), sctpChunk(0, BYE), sctpChunk(1, RINGING)];
    const out = [...chunks, chunks[0], chunks[2], chunks[1]].flatMap((c) => s.fromSctp(c as never));
    expect(texts(out)).toEqual([INVITE, BYE, RINGING]);
    // Reordered but new: still delivered once.
    expect(texts([...s.fromSctp(sctpChunk(5, BYE)), ...s.fromSctp(sctpChunk(4, INVITE))])).toEqual([
      BYE,
      INVITE,
    ]);
  });

  it("drops a message whose middle fragment is missing, and an oversized one", () => {
    const s = streams({ maxBufferedBytes: 400 });
    s.fromSctp(sctpChunk(1, "INVITE", { ending: false }));
    expect(s.fromSctp(sctpChunk(3, "rest", { beginning: false }))).toEqual([]);
    expect(errors(s)).toEqual({ "sctp-fragment-gap": 2 });
    s.fromSctp(sctpChunk(4, "x".repeat(150), { ending: false }));
    s.fromSctp(sctpChunk(5, "x".repeat(150), { beginning: false, ending: false }));
    expect(s.fromSctp(sctpChunk(6, "x", { beginning: false }))).toEqual([]);
    expect(errors(s)["sctp-message-too-large"]).toBe(1);
    expect(texts(s.fromSctp(sctpChunk(7, BYE)))).toEqual([BYE]);
  });
});
