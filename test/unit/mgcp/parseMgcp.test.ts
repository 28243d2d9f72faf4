import { describe, expect, it } from "vitest";
import { parseMgcp } from "../../../src/core/mgcp/parseMgcp.js";
import type { MgcpCommand, MgcpMessage, MgcpResponse } from "../../../src/core/mgcp/types.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const one = (text: string) => {
  const result = parseMgcp(bytes(text));
  expect(result.errors).toEqual([]);
  expect(result.messages).toHaveLength(1);
  return result.messages[0] as MgcpMessage;
};

describe("parseMgcp: real messages from mgcp-ndpi.pcap", () => {
  it("frame 3: CRLF command, lower-case events, blank line at the end", () => {
    const m = one(
      "RQNT 1 *@gateway44.myplace.com MGCP 0.1\r\nR: l/hd(n)\r\nX: 2\r\n\r\n",
    ) as MgcpCommand;
    expect(m).toMatchObject({
      kind: "command",
      verb: "RQNT",
      transactionId: "1",
      endpoint: "*@gateway44.myplace.com",
      version: "MGCP 0.1",
      sdp: null,
    });
    expect(Object.fromEntries(m.params)).toEqual({ R: ["l/hd(n)"], X: ["2"] });
  });

  it("frame 4: LF-only response with commentary and no blank line", () => {
    const m = one("510 1 Protocol Error: Forbidden parameter line present.\n") as MgcpResponse;
    expect(m).toMatchObject({
      kind: "response",
      code: 510,
      transactionId: "1",
      commentary: "Protocol Error: Forbidden parameter line present.",
    });
  });

  it("frame 16: empty commentary with a trailing space", () => {
    expect(one("200 262662134 \n")).toMatchObject({
      code: 200,
      transactionId: "262662134",
      commentary: "",
    });
  });

  it("frame 19: upper-case endpoint kept as received, X before R", () => {
    const m = one(
      "RQNT 80 AALN/S2/1@vg224 MGCP 0.1\nX: 2\nR: L/hd\nQ: process,loop\n",
    ) as MgcpCommand;
    expect(m.endpoint).toBe("AALN/S2/1@vg224");
    expect(Object.fromEntries(m.params)).toEqual({ X: ["2"], R: ["L/hd"], Q: ["process,loop"] });
  });

  it("frame 22: repeated L: lines and an empty I: are all kept", () => {
    const text = `200 81 \nI:\n${Array.from({ length: 7 }, (_, i) => `L: p:${i}, a:PCMU`).join("\n")}\nM: sendrecv\n`;
    const m = one(text);
    expect(m.params.get("L")).toHaveLength(7);
    expect(m.params.get("I")).toEqual([""]);
  });

  it("frame 23: empty observed events", () => {
    const m = one("NTFY 262662138 *@vg224 MGCP 0.1\nX: 0\nO: \n");
    expect(m.params.get("O")).toEqual([""]);
  });

  it("frames 27-29: CR-only line ends", () => {
    const m = one("RQNT 1 *@gateway44.myplace.com MGCP 0.1\rR: l/hd(n)\rX: 1\r") as MgcpCommand;
    expect(m.verb).toBe("RQNT");
    expect(Object.fromEntries(m.params)).toEqual({ R: ["l/hd(n)"], X: ["1"] });
  });
});

describe("parseMgcp: grammar", () => {
  it("is case-insensitive in verbs and parameter codes, tabs and runs of spaces separate", () => {
    const m = one("rqnt\t42  aaln/1@gw   mgcp 1.0 NCS 1.0\ns: L/rg\nx:7\n") as MgcpCommand;
    expect(m.verb).toBe("RQNT");
    expect(m.version).toBe("MGCP 1.0 NCS 1.0");
    expect(m.params.get("S")).toEqual(["L/rg"]);
    expect(m.params.get("X")).toEqual(["7"]);
  });

  it("keeps the SDP after the empty line", () => {
    const m = one("200 5 OK\nI: 1F\n\nv=0\r\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n");
    expect(m.sdp).toBe("v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0");
    expect(m.params.get("I")).toEqual(["1F"]);
  });

  it("splits piggy-backed messages on a single-dot line", () => {
    const r = parseMgcp(
      bytes(
        "200 10 OK\n.\nRQNT 11 aaln/1@gw MGCP 1.0\nX: 1\nS: L/rg\n.\nNTFY 12 aaln/2@gw MGCP 1.0\nO: L/hd\n",
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.messages.map((m) => (m.kind === "command" ? m.verb : m.code))).toEqual([
      200,
      "RQNT",
      "NTFY",
    ]);
  });

  it("accepts SGCP and extension verbs", () => {
    expect(one("XABC 1 aaln/1@gw SGCP 1.1\n")).toMatchObject({ verb: "XABC", version: "SGCP 1.1" });
  });

  it("decodes UTF-8 names and falls back to Latin-1", () => {
    const utf8 = one('RQNT 1 aaln/1@gw MGCP 1.0\nS: L/ci(,"0441234567","Müller")\n');
    expect(utf8.params.get("S")?.[0]).toContain("Müller");
    const latin1 = Uint8Array.from([
      ...bytes('RQNT 1 aaln/1@gw MGCP 1.0\nS: L/ci(,1,"M'),
      0xfc,
      ...bytes('ller")\n'),
    ]);
    expect(parseMgcp(latin1).messages[0]?.params.get("S")?.[0]).toContain("Müller");
  });

  it.each([
    ["empty datagram", "", "mgcp-not-text"],
    ["binary (RTP)", "\x80\x00\x01\x02", "mgcp-not-text"],
    ["NUL in the start line", "RQNT 1 a@b\x00 MGCP 1.0\nS: L/rg\n", "mgcp-not-text"],
    ["no transaction id", "RQNT aaln/1@gw MGCP 1.0\n", "mgcp-bad-start-line"],
    ["ten-digit transaction id", "RQNT 1234567890 aaln/1@gw MGCP 1.0\n", "mgcp-bad-start-line"],
    ["no protocol", "RQNT 1 aaln/1@gw\n", "mgcp-bad-start-line"],
    ["bad version", "RQNT 1 aaln/1@gw MGCP one\n", "mgcp-bad-start-line"],
    ["verb too long", "NOTIFY 1 aaln/1@gw MGCP 1.0\n", "mgcp-bad-start-line"],
    ["SIP on an MGCP port", "INVITE sip:a@b SIP/2.0\n", "mgcp-bad-start-line"],
    ["overlong start line", `RQNT 1 aaln/${"1".repeat(5000)}@gw MGCP 1.0\n`, "mgcp-too-long"],
    [
      "over 256 parameter lines",
      `RQNT 1 aaln/1@gw MGCP 1.0\n${"X: 1\n".repeat(257)}`,
      "mgcp-too-long",
    ],
  ])("rejects %s with a code", (_, text, code) => {
    const r = parseMgcp(bytes(text));
    expect(r.messages).toEqual([]);
    expect(r.errors).toEqual([code]);
  });

  it("keeps a message with a NUL after its start line, and says so with a warning", () => {
    const r = parseMgcp(
      bytes('RQNT 7 aaln/1@gw MGCP 1.0\nS: L/rg,L/ci(,0441234567,"Hans\x00Muster")\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(["mgcp-nul-in-text"]);
    expect(r.messages[0]?.params.get("S")).toEqual(['L/rg,L/ci(,0441234567,"Hans\x00Muster")']);
  });

  it("cuts an overlong parameter line in its middle, keeping its code and its end", () => {
    const name = `${"A".repeat(3000)}${"B".repeat(3000)}`;
    const r = parseMgcp(
      bytes(`RQNT 7 aaln/1@gw MGCP 1.0\nS: L/rg,L/ci(,0441234567,"${name}")\nX: 9\n`),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(["mgcp-line-cut"]);
    const value = r.messages[0]?.params.get("S")?.[0] ?? "";
    expect(value).toMatch(/^L\/rg,L\/ci\(,0441234567,"A+B+"\)$/);
    expect(`S: ${value}`).toHaveLength(4096);
    expect(r.messages[0]?.params.get("X")).toEqual(["9"]);
  });

  it("never cuts a line between the halves of a surrogate pair", () => {
    for (const pad of [0, 1]) {
      const line = `S: ${"x".repeat(pad)}${"😀".repeat(3000)}`;
      const r = parseMgcp(bytes(`RQNT 7 aaln/1@gw MGCP 1.0\n${line}\n`));
      const value = r.messages[0]?.params.get("S")?.[0] ?? "";
      expect(value).not.toMatch(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
    }
  });

  it("keeps a message whose one parameter line is malformed, and counts the line", () => {
    const r = parseMgcp(bytes("RQNT 1 aaln/1@gw MGCP 1.0\nno colon here\nS: L/rg\n"));
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.params.get("S")).toEqual(["L/rg"]);
    expect(r.errors).toEqual(["mgcp-bad-parameter"]);
  });

  it("parses the good sections of a datagram whose other section is garbage", () => {
    const r = parseMgcp(bytes("garbage\n.\n200 7 OK\n"));
    expect(r.messages).toHaveLength(1);
    expect(r.errors).toEqual(["mgcp-bad-start-line"]);
  });
});
