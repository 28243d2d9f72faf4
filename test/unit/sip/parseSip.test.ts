import { describe, expect, it } from "vitest";
import { calledOf, callerOf, dialogKey } from "../../../src/core/sip/identity.js";
import {
  isSipKeepAlive,
  parseSipMessage,
  type SipMessage,
  type SipParseResult,
  sipMessageLength,
} from "../../../src/core/sip/parseSip.js";
import { mulberry32 } from "../../support/random.js";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const ok = (input: string | Uint8Array) => {
  const result = parseSipMessage(typeof input === "string" ? bytes(input) : input);
  if (!result.ok) throw new Error(`expected a message, got ${result.code}`);
  return result;
};
const request = (input: string | Uint8Array) => {
  const { message } = ok(input);
  if (message.kind !== "request") throw new Error("expected a request");
  return message;
};
const codeOf = (input: string | Uint8Array) => {
  const result = parseSipMessage(typeof input === "string" ? bytes(input) : input);
  return result.ok ? "ok" : result.code;
};
const text = (body: Uint8Array) => new TextDecoder().decode(body);

/** sip-rtp-opus-hybrid.pcap frame 1 (SIPp): padded Content-Length, bare Contact URI. */
const OPUS_INVITE = [
  "INVITE sip:test@10.0.2.15:5060 SIP/2.0",
  "Via: SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-4237-1-0",
  'From: "opus/48000/2" <sip:sipp@10.0.2.20:5060>;tag=1',
  "To: test <sip:test@10.0.2.15:5060>",
  "Call-ID: 1-4237@10.0.2.20",
  "CSeq: 1 INVITE",
  "Contact: sip:sipp@10.0.2.20:5060",
  "Max-Forwards: 70",
  "Content-Type: application/sdp",
  "Content-Length:   128",
  "",
  "v=0",
  "o=- 42 42 IN IP4 10.0.2.20",
  "s=-",
  "c=IN IP4 10.0.2.20",
  "t=0 0",
  "m=audio 6000 RTP/AVP 99",
  "a=rtpmap:99 opus/48000/2",
  "a=recvonly",
  "",
].join("\r\n");

/** sip-rtp-opus-hybrid.pcap frame 2 (FreeSWITCH 200 OK with a callee Remote-Party-ID). */
const FREESWITCH_OK = [
  "SIP/2.0 200 OK",
  "Via: SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-4237-1-0",
  'From: "opus/48000/2" <sip:sipp@10.0.2.20:5060>;tag=1',
  "To: test <sip:test@10.0.2.15:5060>;tag=gm5D9rB47ggme",
  "Call-ID: 1-4237@10.0.2.20",
  "CSeq: 1 INVITE",
  "Supported: timer, path, replaces",
  "Content-Length: 0",
  'Remote-Party-ID: "test" <sip:test@10.0.2.15>;party=calling;privacy=off;screen=no',
  "",
  "",
].join("\r\n");

/** sip-metasploit-invite-spoof.pcap frame 1: no Content-Length, no user parts, no body. */
const METASPLOIT_INVITE =
  'INVITE sip:@127.0.0.1 SIP/2.0\r\nTo: <sip:10.0.1.45>\r\nVia: SIP/2.0/UDP 10.0.1.45\r\nFrom: "testtest"<sip:10.0.1.199>\r\nCall-ID: 14810.0.1.45\r\nCSeq: 1 INVITE\r\nMax-Forwards: 20\r\nContact: <sip:127.0.0.1>\r\n\r\n';

/** The shape of sip-heplify-sctp-pai.pcap frame 2: no space after colons, multipart with ISUP. */
const ISUP = Uint8Array.from([
  0x01, 0x00, 0x20, 0x01, 0x0a, 0x00, 0x02, 0x0a, 0x08, 0x83, 0x90, 0xff,
]);
const BOUNDARY = "8AF759A68474B6758999EB624E30C5271AF8251E";
const SIP_I_BODY = concat(
  bytes(
    `--${BOUNDARY}\r\nContent-Type:application/sdp\r\n\r\nv=0\r\nc=IN IP4 10.249.30.145\r\n\r\n--${BOUNDARY}\r\nContent-Type:application/ISUP;base=itu-t92+;version=itu-t92+\r\nContent-Transfer-Encoding:binary\r\n\r\n`,
  ),
  ISUP,
  bytes(`\r\n--${BOUNDARY}--`),
);
const SIP_I_INVITE = concat(
  bytes(
    [
      "INVITE sip:9275890000@VMSSM;user=phone SIP/2.0",
      `Content-Length:${SIP_I_BODY.length}`,
      "From:<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>;tag=9Ub.i1YV7Yag2._5",
      "To:<sip:9275890000@VMSSM;user=phone>",
      "Via:SIP/2.0/SCTP 10.249.30.11:5060;branch=z9hG4bKXfVD0C87Be5AV626",
      "Call-ID:717B2539AD2002C9152DC497@0870ffffffff",
      "CSeq:1 INVITE",
      "P-Asserted-Identity:<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>,<tel:9171969136;phone-context=+7>",
      `Content-Type:multipart/mixed;boundary=${BOUNDARY}`,
      "MIME-Version:1.0",
      "",
      "",
    ].join("\r\n"),
  ),
  SIP_I_BODY,
);

/** sip-heplify-tcp6060-pai-privacy.pcap frame 104 (headers abridged): UTF-8, commas in quotes. */
const CYRILLIC_INVITE = [
  "INVITE sip:699818@10.186.205.131:6060;transport=tcp SIP/2.0",
  "Via: SIP/2.0/TCP 10.186.207.1:6060;branch=z9hG4bKQ4NNX45yatFaN",
  'From: "Воронеж, IT" <sip:562735@maxus.lan>;tag=7r05pg33Bma6H',
  "To: <sip:699818@10.186.205.131:6060>",
  "Call-ID: 75efbc75-eff6-4442-b0a0-5a0dfe91f5e1",
  "CSeq: 125660933 INVITE",
  "Privacy: none",
  "Content-Length: 0",
  'P-Asserted-Identity: "Воронеж, IT" <sip:562735@maxus.lan>',
  "",
  "",
].join("\r\n");

const OPTIONS_PING = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";

const SAMPLES: Uint8Array[] = [
  bytes(OPUS_INVITE),
  bytes(FREESWITCH_OK),
  bytes(METASPLOIT_INVITE),
  SIP_I_INVITE,
  bytes(CYRILLIC_INVITE),
];

describe("parseSipMessage: real messages", () => {
  it("reads the SIPp INVITE: start line, padded Content-Length, SDP body", () => {
    const result = ok(OPUS_INVITE);
    const m = result.message as SipMessage & { kind: "request" };
    expect(m).toMatchObject({
      kind: "request",
      method: "INVITE",
      requestUri: "sip:test@10.0.2.15:5060",
    });
    expect(m.headers.get("contact")).toBe("sip:sipp@10.0.2.20:5060");
    expect(m.headers.get("Content-Length")).toBe("128");
    expect(m.body).toHaveLength(128);
    expect(text(m.body)).toMatch(/^v=0\r\n[\s\S]*a=recvonly\r\n$/);
    expect(result.length).toBe(OPUS_INVITE.length);
  });

  it("reads a response with its status, reason and headers", () => {
    const { message } = ok(FREESWITCH_OK);
    expect(message).toMatchObject({ kind: "response", status: 200, reason: "OK" });
    expect(message.headers.get("remote-party-id")).toBe(
      '"test" <sip:test@10.0.2.15>;party=calling;privacy=off;screen=no',
    );
    expect(message.body).toHaveLength(0);
  });

  it("takes a datagram without Content-Length and without a body", () => {
    const result = ok(METASPLOIT_INVITE);
    expect(result.message).toMatchObject({ method: "INVITE", requestUri: "sip:@127.0.0.1" });
    expect(result.message.headers.get("from")).toBe('"testtest"<sip:10.0.1.199>');
    expect(result.message.body).toHaveLength(0);
    expect(result.length).toBe(METASPLOIT_INVITE.length);
  });

  it("reads headers with no space after the colon and keeps a binary multipart body as bytes", () => {
    const m = request(SIP_I_INVITE);
    expect(m.headers.get("from")).toBe(
      "<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>;tag=9Ub.i1YV7Yag2._5",
    );
    expect(m.headers.getAll("p-asserted-identity")).toEqual([
      "<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>,<tel:9171969136;phone-context=+7>",
    ]);
    expect(m.body).toEqual(SIP_I_BODY);
  });

  it("decodes UTF-8 display names in headers", () => {
    const m = request(CYRILLIC_INVITE);
    expect(m.headers.get("p-asserted-identity")).toBe('"Воронеж, IT" <sip:562735@maxus.lan>');
  });

  it("falls back to Latin-1 when the header bytes are not UTF-8", () => {
    const raw = concat(
      bytes('INVITE sip:a@b SIP/2.0\r\nFrom: "'),
      Uint8Array.of(0x4d, 0xfc),
      bytes('ller" <sip:1@b>\r\n\r\n'),
    );
    expect(request(raw).headers.get("from")).toBe('"Müller" <sip:1@b>');
  });

  it("skips the NUL bytes in front of a REGISTER (sip-zeek-junk-before-request.pcap)", () => {
    const raw = "\0\0\0\0REGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n";
    const result = ok(raw);
    expect(result.message).toMatchObject({ method: "REGISTER", requestUri: "sip:1.1.1.1:5060" });
    expect(result.message.headers.get("expires")).toBe("3600");
    expect(result.length).toBe(raw.length);
  });
});

describe("parseSipMessage: header grammar", () => {
  const COMPACT: [string, string][] = [
    ["i", "Call-ID"],
    ["f", "From"],
    ["t", "To"],
    ["m", "Contact"],
    ["v", "Via"],
    ["l", "Content-Length"],
    ["c", "Content-Type"],
    ["k", "Supported"],
    ["s", "Subject"],
    ["e", "Content-Encoding"],
    ["o", "Event"],
    ["u", "Allow-Events"],
    ["r", "Refer-To"],
    ["b", "Referred-By"],
    ["x", "Session-Expires"],
    ["y", "Identity"],
    ["a", "Accept-Contact"],
    ["d", "Request-Disposition"],
    ["j", "Reject-Contact"],
    ["n", "Identity-Info"],
  ];

  it.each(COMPACT)("maps the compact form %s to %s, both ways", (short, long) => {
    const value = short === "l" ? "0" : `value-${short}`;
    const m = request(`INVITE sip:a@b SIP/2.0\r\n${short.toUpperCase()}: ${value}\r\n\r\n`);
    expect(m.headers.get(long)).toBe(value);
    expect(m.headers.get(long.toLowerCase())).toBe(value);
    expect(m.headers.get(long.toUpperCase())).toBe(value);
    expect(m.headers.get(short)).toBe(value);
  });

  it("merges compact and full forms into one list, in wire order", () => {
    const m = request("INVITE sip:a@b SIP/2.0\r\nVia: one\r\nv: two\r\nVIA: three\r\n\r\n");
    expect(m.headers.getAll("via")).toEqual(["one", "two", "three"]);
    expect(m.headers.getAll("v")).toEqual(["one", "two", "three"]);
  });

  it("keeps a comma-separated line as one occurrence and separate lines as separate ones", () => {
    const m = request(
      "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP a, SIP/2.0/UDP b\r\nVia: SIP/2.0/UDP c\r\n\r\n",
    );
    expect(m.headers.getAll("via")).toEqual(["SIP/2.0/UDP a, SIP/2.0/UDP b", "SIP/2.0/UDP c"]);
  });

  it("unfolds continuation lines that start with a space or a tab (§7.3.1)", () => {
    const m = request(
      "INVITE sip:a@b SIP/2.0\r\nSubject: I know you're there,\r\n   pretty well\r\n\tthere\r\nTo: <sip:a@b>\r\n\r\n",
    );
    expect(m.headers.get("subject")).toBe("I know you're there, pretty well there");
    expect(m.headers.get("to")).toBe("<sip:a@b>");
  });

  it("folds a value that starts on the next line", () => {
    const m = request("INVITE sip:a@b SIP/2.0\r\nFrom:\r\n  <sip:1@b>;tag=9\r\n\r\n");
    expect(m.headers.get("from")).toBe("<sip:1@b>;tag=9");
  });

  it("accepts any case, white space before the colon, none after it, and trims values", () => {
    const m = request(
      "INVITE sip:a@b SIP/2.0\r\ncAlL-iD:abc@host  \r\nSubject \t:  hello \r\nX-Empty:\r\n\r\n",
    );
    expect(m.headers.get("CALL-ID")).toBe("abc@host");
    expect(m.headers.get("subject")).toBe("hello");
    expect(m.headers.get("x-empty")).toBe("");
    expect(m.headers.get("missing")).toBeUndefined();
    expect(m.headers.getAll("missing")).toEqual([]);
  });

  it("shows the headers by full lower-case name in JSON", () => {
    const m = request("INVITE sip:a@b SIP/2.0\r\ni: x\r\nVia: one\r\nv: two\r\n\r\n");
    expect(JSON.parse(JSON.stringify(m.headers))).toEqual({
      "call-id": ["x"],
      via: ["one", "two"],
    });
  });

  it("rejects a start line that only looks whole before UTF-8 decoding (U+2028 in the URI)", () => {
    const raw = "INVITE sip:a\u2028b@c SIP/2.0\r\nCall-ID: x\r\n\r\n";
    expect(codeOf(raw)).toBe("sip-bad-start-line");
    expect(sipMessageLength(bytes(raw))).toEqual({ skip: bytes(raw).length });
  });

  it("returns copies from getAll", () => {
    const m = request("INVITE sip:a@b SIP/2.0\r\nVia: one\r\n\r\n");
    m.headers.getAll("via").push("two");
    expect(m.headers.getAll("via")).toEqual(["one"]);
  });

  it("skips malformed header lines instead of losing the message", () => {
    const m = request(
      "INVITE sip:a@b SIP/2.0\r\nthis is no header\r\nbad name: x\r\n: no name\r\nCall-ID: kept\r\n\r\n",
    );
    expect(m.headers.get("call-id")).toBe("kept");
    expect(m.headers.get("bad name")).toBeUndefined();
  });

  it("ignores a continuation line with no header above it", () => {
    const m = request("INVITE sip:a@b SIP/2.0\r\n  stray\r\nTo: <sip:a@b>\r\n\r\n");
    expect(m.headers.get("to")).toBe("<sip:a@b>");
  });

  it("accepts LF-only and mixed line ends", () => {
    const m = request("INVITE sip:a@b SIP/2.0\nCall-ID: x\r\nContent-Length: 3\n\nabc");
    expect(m.headers.get("call-id")).toBe("x");
    expect(text(m.body)).toBe("abc");
  });

  it("upper-cases the method and keeps the Request-URI as written", () => {
    const m = request("invite SIPS:Alice@Example.COM;transport=tls SIP/2.0\r\n\r\n");
    expect(m.method).toBe("INVITE");
    expect(m.requestUri).toBe("SIPS:Alice@Example.COM;transport=tls");
  });

  it.each([
    ["SIP/2.0 180 Ringing", 180, "Ringing"],
    ["SIP/2.0 486 Busy Here", 486, "Busy Here"],
    ["sip/2.0 200 ok", 200, "ok"],
    ["SIP/2.0 200", 200, ""],
    ["SIP/2.0 200 ", 200, ""],
    ["SIP/2.0 603 Отклонено", 603, "Отклонено"],
  ])("reads the status line %j", (line, status, reason) => {
    expect(ok(`${line}\r\nCall-ID: x\r\n\r\n`).message).toMatchObject({
      kind: "response",
      status,
      reason,
    });
  });

  it.each([
    "SIP/3.0 200 OK",
    "SIP/2.0 99 Too low",
    "SIP/2.0 700 Too high",
    "SIP/2.0 2000 OK",
    "INVITE sip:a@b SIP/3.0",
    "INVITE sip:a@b",
    "INVITE  SIP/2.0",
    "INVITE <sip:a@b> SIP/2.0",
    "INVITE sip:a@b SIP/2.0 extra",
    "IN VITE sip:a@b SIP/2.0",
    "Via: SIP/2.0/UDP host",
    " sip:tori@localhost SIP/2.0",
  ])("rejects the start line %j", (line) => {
    expect(codeOf(`${line}\r\nCall-ID: x\r\n\r\n`)).toBe("sip-bad-start-line");
  });

  it.each([
    ["an empty datagram", new Uint8Array(0)],
    ["RTP", Uint8Array.from([0x80, 0x00, 0x12, 0x34, 0x0d, 0x0a, 0x49])],
    ["keep-alive CRLFs", bytes("\r\n\r\n")],
    ["a keep-alive of spaces (sip-ndpi-sip.pcap)", bytes("     ")],
    ["NUL bytes alone", new Uint8Array(4)],
  ])("calls %s not text", (_name, raw) => {
    expect(codeOf(raw)).toBe("sip-not-text");
  });

  it("tells keep-alives from other datagrams that are not text", () => {
    expect(isSipKeepAlive(bytes("\r\n\r\n"))).toBe(true);
    expect(isSipKeepAlive(bytes("     "))).toBe(true);
    expect(isSipKeepAlive(new Uint8Array(4))).toBe(true);
    expect(isSipKeepAlive(new Uint8Array(0))).toBe(false);
    expect(isSipKeepAlive(Uint8Array.from([0x80, 0x00]))).toBe(false);
    expect(isSipKeepAlive(bytes(OPTIONS_PING))).toBe(false);
  });

  it("skips CRLF keep-alives and whole junk lines before the start line", () => {
    const message = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";
    const junk = `\r\n\r\njunk line\r\n\0\0 \t${message}`;
    const result = ok(junk);
    expect(result.message).toMatchObject({ method: "OPTIONS" });
    expect(result.length).toBe(junk.length);
  });
});

describe("parseSipMessage: framing by Content-Length (§18.3)", () => {
  const head = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n";

  it("takes the rest of a datagram as the body when Content-Length is absent", () => {
    const m = request(`${head}\r\nhello\r\nworld`);
    expect(text(m.body)).toBe("hello\r\nworld");
  });

  it("cuts the body at Content-Length and reports the bytes consumed", () => {
    const raw = `${head}l: 5\r\n\r\nhello and more`;
    const result = ok(raw);
    expect(text(result.message.body)).toBe("hello");
    expect(result.length).toBe(raw.length - " and more".length);
  });

  it("counts the junk in front in the bytes consumed", () => {
    const result = ok(`\r\n\r\n${head}Content-Length: 2\r\n\r\nhi`);
    expect(result.length).toBe(4 + head.length + "Content-Length: 2\r\n\r\nhi".length);
  });

  it("reports a body shorter than Content-Length as truncated", () => {
    expect(codeOf(`${head}Content-Length: 6\r\n\r\nhello`)).toBe("sip-truncated-body");
    expect(codeOf(`${head}Content-Length: 6`)).toBe("sip-truncated-body");
  });

  it("accepts a datagram that ends without the blank line when there is no body", () => {
    const m = request(`${head}Content-Length: 0`);
    expect(m.headers.get("call-id")).toBe("x");
    expect(m.body).toHaveLength(0);
    expect(request(head).headers.get("call-id")).toBe("x");
  });

  it("accepts repeated Content-Length headers that agree, leading zeros included", () => {
    expect(text(request(`${head}Content-Length: 2\r\nl: 002\r\n\r\nhi`).body)).toBe("hi");
  });

  it.each(["abc", "-1", "1 2", "0x10", "", "12345678901"])(
    "calls Content-Length %j a bad header",
    (value) => {
      expect(codeOf(`${head}Content-Length: ${value}\r\n\r\nhi`)).toBe("sip-bad-header");
    },
  );

  it("calls disagreeing Content-Length headers a bad header", () => {
    expect(codeOf(`${head}Content-Length: 2\r\nl: 3\r\n\r\nhi!`)).toBe("sip-bad-header");
  });

  it("copies the body out of the input", () => {
    const raw = bytes(`${head}Content-Length: 2\r\n\r\nhi`);
    const m = request(raw);
    raw.fill(0x41);
    expect(text(m.body)).toBe("hi");
  });
});

describe("parseSipMessage: limits", () => {
  const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: ${i}\r\n`).join("");

  it("accepts 256 headers and refuses 257", () => {
    expect(codeOf(`INVITE sip:a@b SIP/2.0\r\n${headers(256)}\r\n`)).toBe("ok");
    expect(codeOf(`INVITE sip:a@b SIP/2.0\r\n${headers(257)}\r\n`)).toBe("sip-too-long");
  });

  it("keeps an 8 KiB header line whole, cuts a longer one, and refuses a longer start line", () => {
    const line = (length: number) => `Subject: ${"a".repeat(length - 9)}`;
    const whole = parseSipMessage(bytes(`INVITE sip:a@b SIP/2.0\r\n${line(8192)}\r\n\r\n`));
    expect(whole.ok && whole.warnings).toEqual([]);
    expect(codeOf(`INVITE sip:a@b SIP/2.0\n${line(8192)}\n\n`)).toBe("ok");
    const raw = bytes(`INVITE sip:a@b SIP/2.0\r\n${line(8193)}\r\n\r\n`);
    const cut = parseSipMessage(raw);
    expect(cut.ok && cut.warnings).toEqual(["sip-header-cut"]);
    expect(cut.ok && cut.length).toBe(raw.length);
    expect(cut.ok && cut.message.headers.get("subject")).toHaveLength(8192 - 9);
    expect(codeOf(`INVITE sip:${"a".repeat(8200)} SIP/2.0\r\n\r\n`)).toBe("sip-too-long");
  });

  it("refuses a message over 64 KiB, in the headers or in the body", () => {
    const many = Array.from({ length: 20 }, () => `Subject: ${"a".repeat(4000)}\r\n`).join("");
    expect(codeOf(`INVITE sip:a@b SIP/2.0\r\n${many}\r\n`)).toBe("sip-too-long");
    const body = "b".repeat(65_536);
    expect(codeOf(`INVITE sip:a@b SIP/2.0\r\nContent-Length: ${body.length}\r\n\r\n${body}`)).toBe(
      "sip-too-long",
    );
    expect(codeOf(`INVITE sip:a@b SIP/2.0\r\n\r\n${body}`)).toBe("sip-too-long");
  });
});

describe("sipMessageLength: stream framing", () => {
  const first = bytes(OPUS_INVITE);
  const second = bytes(FREESWITCH_OK);
  const stream = concat(first, second);

  it("frames two messages back to back", () => {
    expect(sipMessageLength(stream)).toBe(first.length);
    expect(sipMessageLength(stream.subarray(first.length))).toBe(second.length);
    const a = parseSipMessage(stream.subarray(0, first.length));
    const b = parseSipMessage(stream.subarray(first.length));
    expect(a.ok && a.message.kind === "request" && a.length).toBe(first.length);
    expect(b.ok && b.message.kind === "response" && b.length).toBe(second.length);
  });

  it("answers incomplete at every split point before the end, and the length after it", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const answer = sipMessageLength(stream.subarray(0, cut));
      expect(answer, `cut ${cut}`).toBe(cut < first.length ? "incomplete" : first.length);
    }
  });

  it("treats a missing Content-Length on a stream as no body", () => {
    const bye = "BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";
    expect(sipMessageLength(bytes(`${bye}INVITE sip:a@b SIP/2.0\r\n`))).toBe(bye.length);
  });

  it("skips keep-alive CRLFs and NUL padding", () => {
    expect(sipMessageLength(bytes("\r\n\r\n"))).toEqual({ skip: 4 });
    expect(sipMessageLength(concat(bytes("\r\n\0 "), first))).toEqual({ skip: 4 });
  });

  it("skips garbage up to the next line that starts a message", () => {
    const garbage = bytes("this is not SIP\r\nnor this\r\n");
    expect(sipMessageLength(concat(garbage, first))).toEqual({ skip: garbage.length });
    expect(sipMessageLength(concat(bytes("junk\r\n\0\0"), first))).toEqual({ skip: 6 });
  });

  it("keeps an unfinished line that may still become a start line", () => {
    expect(sipMessageLength(bytes("INVITE sip:a@b SIP/2."))).toBe("incomplete");
    expect(sipMessageLength(bytes("SIP/2.0 18"))).toBe("incomplete");
    expect(sipMessageLength(bytes("junk\r\nINVI"))).toEqual({ skip: 6 });
    expect(sipMessageLength(bytes("junk\r\nVia: x"))).toEqual({ skip: 12 });
  });

  it("drops an unfinished line that can never start a message", () => {
    expect(sipMessageLength(Uint8Array.from([0x16, 0x03, 0x01, 0x00]))).toEqual({ skip: 4 });
    expect(sipMessageLength(bytes("Via: SIP/2.0/TCP"))).toEqual({ skip: 16 });
    expect(sipMessageLength(bytes("a".repeat(9000)))).toEqual({ skip: 9000 });
  });

  it("drops a message that can never be accepted, up to the next start line", () => {
    const bad = bytes("INVITE sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n");
    expect(sipMessageLength(concat(bad, second))).toEqual({ skip: bad.length });
    expect(sipMessageLength(concat(bad.subarray(24), second))).toEqual({ skip: bad.length - 24 });
    const huge = bytes("INVITE sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n");
    expect(sipMessageLength(concat(huge, second))).toEqual({ skip: huge.length });
    const longLine = bytes(`INVITE sip:a@b SIP/2.0\r\nSubject: ${"a".repeat(9000)}`);
    expect(sipMessageLength(longLine)).toEqual({ skip: longLine.length });
    const manyHeaders = bytes(`INVITE sip:a@b SIP/2.0\r\n${"X: 1\r\n".repeat(300)}\r\n`);
    expect(sipMessageLength(manyHeaders)).toEqual({ skip: manyHeaders.length });
  });

  it("waits while a start line's headers are still arriving", () => {
    expect(sipMessageLength(bytes("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n"))).toBe("incomplete");
    expect(sipMessageLength(bytes("INVITE sip:a@b SIP/2.0\r\nl: 10\r\n\r\nabc"))).toBe(
      "incomplete",
    );
  });
});

/** Every answer is well formed; a stream loop over sipMessageLength always advances. */
function checkResult(input: Uint8Array, result: SipParseResult): void {
  if (!result.ok) return;
  expect(result.length).toBeGreaterThan(0);
  expect(result.length).toBeLessThanOrEqual(input.length);
  expect(result.message.body.length).toBeLessThan(result.length);
  const dialog = dialogKey(result.message);
  if (dialog) expect(dialog.callId).not.toBe("");
  if (result.message.kind === "request") {
    callerOf(result.message);
    calledOf(result.message);
  }
}

function drainStream(input: Uint8Array): number {
  let rest = input;
  let messages = 0;
  for (let rounds = 0; rest.length > 0; rounds++) {
    expect(rounds).toBeLessThanOrEqual(input.length);
    const answer = sipMessageLength(rest);
    if (answer === "incomplete") break;
    if (typeof answer === "number") {
      expect(answer).toBeGreaterThan(0);
      expect(answer).toBeLessThanOrEqual(rest.length);
      const parsed = parseSipMessage(rest.subarray(0, answer));
      expect(parsed.ok && parsed.length).toBe(answer);
      messages++;
      rest = rest.subarray(answer);
    } else {
      expect(answer.skip).toBeGreaterThan(0);
      expect(answer.skip).toBeLessThanOrEqual(rest.length);
      rest = rest.subarray(answer.skip);
    }
  }
  return messages;
}

describe("robustness: wire input never throws", () => {
  it("survives every truncation of every sample", () => {
    for (const sample of SAMPLES) {
      for (let cut = 0; cut <= sample.length; cut++) {
        const prefix = sample.subarray(0, cut);
        checkResult(prefix, parseSipMessage(prefix));
        drainStream(prefix);
      }
    }
  });

  it("frames a stream of all samples with keep-alives between them", () => {
    const keepAlive = bytes("\r\n\r\n");
    const stream = concat(...SAMPLES.flatMap((s) => [keepAlive, s]));
    expect(drainStream(stream)).toBe(SAMPLES.length);
  });

  it("survives 20,000 seeded mutations (seed 0x5195)", () => {
    const random = mulberry32(0x5195);
    const pick = (n: number) => Math.floor(random() * n);
    const tokens = [
      "\r\n",
      "\n",
      "\r\n\r\n",
      "\r\n ",
      ":",
      ";",
      ",",
      '"',
      "\\",
      "<",
      ">",
      "@",
      "%",
      "%zz",
      "\0",
      "\t",
      "Content-Length: 99999\r\n",
      "l: 3\r\n",
      "SIP/2.0 200 OK\r\n",
      "INVITE sip:x SIP/2.0\r\n",
      "tel:",
      ";tag=",
      "\u00ff",
      "Ω",
    ].map(bytes);
    let parsed = 0;
    for (let round = 0; round < 20_000; round++) {
      let input: Uint8Array = (SAMPLES[pick(SAMPLES.length)] ?? new Uint8Array()).slice();
      const edits = 1 + pick(4);
      for (let e = 0; e < edits; e++) {
        const at = pick(input.length + 1);
        switch (pick(5)) {
          case 0:
            if (input.length > 0) input[pick(input.length)] = pick(256);
            break;
          case 1:
            input = concat(
              input.subarray(0, at),
              tokens[pick(tokens.length)] ?? new Uint8Array(),
              input.subarray(at),
            );
            break;
          case 2:
            input = concat(
              input.subarray(0, at),
              input.subarray(Math.min(input.length, at + 1 + pick(40))),
            );
            break;
          case 3: {
            const from = pick(input.length + 1);
            input = concat(
              input.subarray(0, at),
              input.subarray(from, from + pick(80)),
              input.subarray(at),
            );
            break;
          }
          default:
            input = input.subarray(0, at);
        }
      }
      const result = parseSipMessage(input);
      checkResult(input, result);
      if (result.ok) parsed++;
      drainStream(input);
    }
    // The mutations must leave enough messages intact to exercise the identity readers too.
    expect(parsed).toBeGreaterThan(5_000);
  });
});
