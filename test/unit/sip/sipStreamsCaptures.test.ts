import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FrameDecoder, type FrameDecoderOptions } from "../../../src/core/packet/decodeFrame.js";
import { type SipPayload, SipStreams } from "../../../src/core/sip/sipStreams.js";
import { readCaptureFileSync } from "../../../src/io/captureFileSource.js";
import { contentLengthFraming, textOf } from "../../support/sipFraming.js";

const REAL = new URL("../../fixtures/captures/real/", import.meta.url);

interface Found {
  frame: number;
  transport: SipPayload["transport"];
  startLine: string;
  callId: string;
}

/** Every SIP message the decoder + SipStreams find in a capture, by completing frame. */
function messagesOf(
  file: string,
  options: FrameDecoderOptions,
): { found: Found[]; streams: SipStreams } {
  const decoder = new FrameDecoder(options);
  const streams = new SipStreams({ messageLength: contentLengthFraming });
  const found: Found[] = [];
  let frameNumber = 0;
  const outcome = readCaptureFileSync(new URL(file, REAL).pathname, (frame) => {
    frameNumber++;
    const decoded = decoder.decode(frame);
    expect(decoded.kind).not.toBe("error");
    let payloads: SipPayload[] = [];
    if (decoded.kind === "tcp") payloads = streams.fromTcp(decoded.segment, frame.timestampMs);
    else if (decoded.kind === "sctp") {
      payloads = decoded.chunks.flatMap((chunk) => streams.fromSctp(chunk, frame.timestampMs));
    } else if (decoded.kind === "datagram") payloads = streams.fromUdp(decoded.datagram);
    for (const payload of payloads) {
      const text = textOf(payload.bytes);
      found.push({
        frame: frameNumber,
        transport: payload.transport,
        startLine: text.slice(0, text.indexOf("\r\n")),
        callId: /^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)\r$/im.exec(text)?.[1] ?? "",
      });
    }
  });
  expect(outcome.ok).toBe(true);
  return { found, streams };
}

/** [frame, Call-ID] of the INVITE rows of one capture's table in the fixtures README. */
function oracleInvites(file: string): [number, string][] {
  const readme = readFileSync(new URL("README.md", REAL), "utf8");
  const section = readme.slice(readme.indexOf(`### \`${file}\``));
  const rows: [number, string][] = [];
  for (const line of section.split("\n").slice(1)) {
    if (line.startsWith("###") || line.startsWith("Notes")) break;
    const cells = line.split("|").map((cell) => cell.trim());
    if (/^\d+$/.test(cells[1] ?? "")) rows.push([Number(cells[1]), cells[3] ?? ""]);
  }
  return rows;
}

const invites = (found: Found[]) => found.filter((m) => m.startLine.startsWith("INVITE "));

describe("real captures through FrameDecoder + SipStreams", () => {
  it("sip-heplify-tcp6060-pai-privacy.pcap: the 37 INVITEs tshark lists, at the same frames", () => {
    const file = "sip-heplify-tcp6060-pai-privacy.pcap";
    const oracle = oracleInvites(file);
    expect(oracle.length).toBe(37);
    const { found, streams } = messagesOf(file, { ports: [], tcpPorts: [6060] });
    expect(invites(found).map((m) => [m.frame, m.callId])).toEqual(oracle);
    expect(found.every((m) => m.transport === "tcp")).toBe(true);
    expect(found.length).toBe(406); // README: 406 SIP messages
    expect([...streams.errors]).toEqual([]);
  });

  it("sip-heplify-sctp-pai.pcap: the fragmented INVITE (frame 2) and the 403", () => {
    const file = "sip-heplify-sctp-pai.pcap";
    const { found, streams } = messagesOf(file, { ports: [], sctpPorts: [5060] });
    expect(invites(found).map((m) => [m.frame, m.callId])).toEqual(oracleInvites(file));
    expect(found.map((m) => [m.frame, m.transport, m.startLine])).toEqual([
      [2, "sctp", "INVITE sip:9275890000@VMSSM;user=phone SIP/2.0"],
      [3, "sctp", "SIP/2.0 100 Giving a try"],
      [4, "sctp", "SIP/2.0 403 The reason is nocallee"],
      [5, "sctp", "ACK sip:9275890000@VMSSM;user=phone SIP/2.0"],
    ]);
    expect([...streams.errors]).toEqual([]);
  });

  it("sip-heplify-websocket-rpid.pcap: INVITEs 11 and 18 over WebSocket, 20/26/28 over UDP", () => {
    const file = "sip-heplify-websocket-rpid.pcap";
    const { found, streams } = messagesOf(file, { ports: [5060], tcpPorts: [8080] });
    expect(invites(found).map((m) => [m.frame, m.transport, m.callId])).toEqual(
      oracleInvites(file).map(([frame, callId]) => [frame, frame < 20 ? "ws" : "udp", callId]),
    );
    // Every WebSocket frame tshark shows (11 of them) is one SIP message.
    expect(found.filter((m) => m.transport === "ws").map((m) => m.frame)).toEqual([
      11, 13, 15, 18, 19, 24, 34, 46, 49, 52, 56,
    ]);
    expect([...streams.errors]).toEqual([]);
  });
});
