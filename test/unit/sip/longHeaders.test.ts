/**
 * Odd caller text must not lose the call (issue 15, item 4): a SIP header line over 8 KiB — a
 * display name of tens of kilobytes — is cut in its middle, in a datagram and on a stream,
 * where the cut is made as the bytes arrive so that the buffer stays bounded.
 */
import { describe, expect, it } from "vitest";
import type { TcpSegment } from "../../../src/core/packet/tcp.js";
import { callerOf } from "../../../src/core/sip/identity.js";
import {
  parseSipMessage,
  sipMessageLength,
  sipStreamFraming,
} from "../../../src/core/sip/parseSip.js";
import { SipStreams } from "../../../src/core/sip/sipStreams.js";
import { mulberry32 } from "../../support/random.js";
import { bytesOf, TcpConnection, textOf } from "../../support/sipFraming.js";

const CLIENT = { address: "198.51.100.5", port: 5060 };
const SERVER = { address: "192.0.2.10", port: 5060 };

function invite(displayName: string, callId = "odd@provider.example"): string {
  return [
    "INVITE sip:0441112233@192.0.2.10 SIP/2.0",
    "Via: SIP/2.0/TCP 198.51.100.5:5060;branch=z9hG4bK-1",
    `From: "${displayName}" <sip:0449876543@provider.example>;tag=f-1`,
    "To: <sip:0441112233@ata.example>",
    `Call-ID: ${callId}`,
    "CSeq: 1 INVITE",
    "Content-Length: 2",
    "",
    "hi",
  ].join("\r\n");
}

const caller = (raw: Uint8Array) => {
  const result = parseSipMessage(raw);
  if (!result.ok || result.message.kind !== "request") throw new Error("not a request");
  return { result, party: callerOf(result.message) };
};

/** A stream loop over sipStreamFraming, applying its cuts to a copy: the messages it frames. */
function drainWithCuts(input: Uint8Array): { messages: Uint8Array[]; cuts: number } {
  let rest = input.slice();
  const messages: Uint8Array[] = [];
  let cuts = 0;
  for (let rounds = 0; rest.length > 0; rounds++) {
    expect(rounds).toBeLessThanOrEqual(input.length);
    const answer = sipStreamFraming(rest);
    if (answer === "incomplete") break;
    if (typeof answer === "number") {
      expect(answer).toBeGreaterThan(0);
      expect(answer).toBeLessThanOrEqual(rest.length);
      const parsed = parseSipMessage(rest.subarray(0, answer));
      expect(parsed.ok && parsed.length).toBe(answer);
      messages.push(rest.slice(0, answer));
      rest = rest.subarray(answer);
    } else if ("skip" in answer) {
      expect(answer.skip).toBeGreaterThan(0);
      expect(answer.skip).toBeLessThanOrEqual(rest.length);
      rest = rest.subarray(answer.skip);
    } else {
      const { at, count } = answer.cut;
      expect(count).toBeGreaterThan(0);
      expect(at + count).toBeLessThanOrEqual(rest.length);
      const shorter = new Uint8Array(rest.length - count);
      shorter.set(rest.subarray(0, at));
      shorter.set(rest.subarray(at + count), at);
      rest = shorter;
      cuts++;
    }
  }
  return { messages, cuts };
}

describe("a datagram with a long display name", () => {
  it("is read with its number; the name cut to 64 characters, one warning", () => {
    const raw = bytesOf(invite("Ä".repeat(20_000))); // two bytes each: the cut falls between them
    const { result, party } = caller(raw);
    expect(result.ok && result.warnings).toEqual(["sip-header-cut"]);
    expect(result.ok && result.length).toBe(raw.length);
    expect(result.ok && textOf(result.message.body)).toBe("hi");
    expect(result.ok && result.message.headers.get("from")).toMatch(
      /^"Ä+" <sip:0449876543@provider\.example>;tag=f-1$/,
    );
    expect(party).toMatchObject({ number: "0449876543", name: "Ä".repeat(64) });
  });

  it("cleans ESC, markup and NUL in the name as well", () => {
    const { party } = caller(bytesOf(invite(`\x1b[2J<b>Hans</b>\0Muster${" x".repeat(5000)}`)));
    expect(party.number).toBe("0449876543");
    expect(party.name).toBe(`[2J Hans Muster${" x".repeat(25)}`.slice(0, 64).trim());
  });

  it("never leaves half a UTF-8 character at either end of the cut", () => {
    for (const pad of [0, 1, 2, 3]) {
      const raw = bytesOf(invite(`${"x".repeat(pad)}${"😀".repeat(5000)}`));
      const { result, party } = caller(raw);
      expect(result.ok && result.message.headers.get("from")).not.toContain("\ufffd");
      expect(party.name).toMatch(/^x*(😀)+$/u);
    }
  });

  it("sipMessageLength alone still refuses to frame it (a stream must cut it first)", () => {
    const raw = bytesOf(invite("a".repeat(9000)));
    // Dropped up to its last line, "hi", which may still grow into a start line.
    expect(sipMessageLength(raw)).toEqual({ skip: raw.length - 2 });
    expect(sipStreamFraming(raw)).toMatchObject({ cut: { line: raw.indexOf(0x46 /* F */) } });
  });
});

describe("a TCP stream with a long display name", () => {
  it("cuts the line as it arrives: one message, its number, one warning, a bounded buffer", () => {
    const name = "Hans Muster ".repeat(10_000); // 120 kB, far over the 64 KiB message limit
    const conn = new TcpConnection(CLIENT, SERVER);
    const streams = new SipStreams({ messageLength: sipStreamFraming });
    const out = [];
    let mostBuffered = 0;
    for (const segment of [conn.syn("c"), ...conn.sendSplit("c", invite(name), 1400)]) {
      out.push(...streams.fromTcp(segment, 0));
      mostBuffered = Math.max(mostBuffered, streams.bufferedBytes);
    }
    expect(out).toHaveLength(1);
    expect(mostBuffered).toBeLessThanOrEqual(8192 + 1400 + 200);
    const { party } = caller(out[0]?.bytes ?? new Uint8Array());
    expect(party).toMatchObject({
      number: "0449876543",
      name: "Hans Muster ".repeat(6).slice(0, 64).trim(),
    });
    expect(Object.fromEntries(streams.errors)).toEqual({ "sip-header-cut": 1 });
    expect(streams.bufferedBytes).toBe(0);
  });

  it("counts each cut line once, and reads the next message after it", () => {
    const conn = new TcpConnection(CLIENT, SERVER);
    const streams = new SipStreams({ messageLength: sipStreamFraming });
    const two = `${invite("a".repeat(30_000), "one")}${invite("b".repeat(30_000), "two")}`;
    const out = conn.sendSplit("c", two, 1000).flatMap((s) => streams.fromTcp(s, 0));
    expect(
      out.map((p) => parseSipMessage(p.bytes).ok && textOf(p.bytes).match(/Call-ID: (\w+)/)?.[1]),
    ).toEqual(["one", "two"]);
    expect(Object.fromEntries(streams.errors)).toEqual({ "sip-header-cut": 2 });
  });
});

describe("robustness of the cut on a TCP stream", () => {
  const LONG = bytesOf(`${invite("Ä".repeat(12_000), "long")}${invite("Anna", "short")}`);
  const callIds = (payloads: { bytes: Uint8Array }[]) =>
    payloads.map((p) => textOf(p.bytes).match(/Call-ID: (\w+)/)?.[1]);

  it("two segments split at every 61st offset: both messages, one cut, nothing held after", () => {
    for (let split = 1; split < LONG.length; split += 61) {
      const conn = new TcpConnection(CLIENT, SERVER);
      const streams = new SipStreams({ messageLength: sipStreamFraming });
      const out = [
        conn.syn("c"),
        conn.send("c", LONG.subarray(0, split)),
        conn.send("c", LONG.subarray(split)),
      ].flatMap((segment) => streams.fromTcp(segment, 0));
      expect(callIds(out), `split ${split}`).toEqual(["long", "short"]);
      expect(Object.fromEntries(streams.errors)).toEqual({ "sip-header-cut": 1 });
      expect(streams.bufferedBytes).toBe(0);
    }
  });

  it("500 seeded segmentations, reordered and duplicated (seed 0x7c9): the same two messages", () => {
    const random = mulberry32(0x7c9);
    for (let round = 0; round < 500; round++) {
      const conn = new TcpConnection(CLIENT, SERVER);
      const streams = new SipStreams({ messageLength: sipStreamFraming });
      const syn = conn.syn("c");
      const segments: TcpSegment[] = [];
      for (let at = 0; at < LONG.length; ) {
        const size = 1 + Math.floor(random() * 3000);
        segments.push(conn.send("c", LONG.slice(at, at + size)));
        at += size;
      }
      // Neighbours swapped and some sent twice, as retransmissions after a loss arrive.
      for (let i = 0; i + 1 < segments.length; i++) {
        const r = random();
        const [here, next] = [segments[i], segments[i + 1]] as [TcpSegment, TcpSegment];
        if (r < 0.2) segments.splice(i, 2, next, here);
        else if (r < 0.3) segments.splice(i + 1, 0, here);
      }
      const out = [syn, ...segments].flatMap((segment) => streams.fromTcp(segment, 0));
      expect(callIds(out), `round ${round}`).toEqual(["long", "short"]);
      expect(streams.errors.get("sip-header-cut")).toBe(1);
      const { party } = caller(out[0]?.bytes ?? new Uint8Array());
      expect(party).toMatchObject({ number: "0449876543", name: "Ä".repeat(64) });
    }
  });
});

describe("robustness of the cut: wire input never throws", () => {
  const SAMPLE = bytesOf(
    `${invite(`Ä${"Hans Muster ".repeat(800)}😀`)}\r\n\r\n${invite("Anna", "second")}`,
  );

  it("survives every truncation, as a datagram and as a stream", () => {
    for (let cut = 0; cut <= SAMPLE.length; cut += 7) {
      const prefix = SAMPLE.subarray(0, cut);
      const parsed = parseSipMessage(prefix);
      if (parsed.ok) expect(parsed.length).toBeLessThanOrEqual(prefix.length);
      const { messages } = drainWithCuts(prefix);
      for (const m of messages) expect(m.length).toBeLessThanOrEqual(64 * 1024);
    }
    const whole = drainWithCuts(SAMPLE);
    expect(whole.messages).toHaveLength(2);
    expect(whole.cuts).toBe(1);
  });

  it("survives 1,000 seeded mutations (seed 0x0dd5)", () => {
    const random = mulberry32(0x0dd5);
    const pick = (n: number) => Math.floor(random() * n);
    const tokens = ["\r\n", "\n", '"', "<", ">", "\0", "\u00ff", "😀", "a".repeat(9000)].map(
      bytesOf,
    );
    let read = 0;
    for (let round = 0; round < 1_000; round++) {
      let input = SAMPLE.slice();
      for (let e = 0; e < 1 + pick(3); e++) {
        const at = pick(input.length + 1);
        const token = tokens[pick(tokens.length)] ?? new Uint8Array();
        const next = new Uint8Array(input.length + token.length);
        next.set(input.subarray(0, at));
        next.set(token, at);
        next.set(input.subarray(at), at + token.length);
        input = pick(4) === 0 ? next.subarray(0, pick(next.length + 1)) : next;
      }
      const parsed = parseSipMessage(input);
      if (parsed.ok) {
        read++;
        if (parsed.message.kind === "request") callerOf(parsed.message);
      }
      drainWithCuts(input);
    }
    expect(read).toBeGreaterThan(500);
  });
});
