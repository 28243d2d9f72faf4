/**
 * The real MGCP capture against tshark 4.0.17's reading of it (the table in
 * test/fixtures/captures/real/README.md, as data in mgcp-ndpi.tshark.json): one row per
 * message, same fields.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { Frame } from "../../src/core/capture/frame.js";
import { parseMgcp } from "../../src/core/mgcp/parseMgcp.js";
import { FrameDecoder } from "../../src/core/packet/decodeFrame.js";
import { readCaptureFileSync } from "../../src/io/captureFileSource.js";

// frame, src:port, dst:port, verb or code, transid, endpoint, version or commentary, X, R, S, O, RM
type Row = [
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
/** tshark's rows, transcribed from the README's MGCP table, one message per line. */
const ORACLE = JSON.parse(
  readFileSync(new URL("../fixtures/captures/real/mgcp-ndpi.tshark.json", import.meta.url), "utf8"),
) as Row[];

it("mgcp-ndpi.pcap reads as tshark reads it, message by message", () => {
  const decoder = new FrameDecoder({ ports: [2427, 2727] });
  const rows: Row[] = [];
  let frameNumber = 0;
  const outcome = readCaptureFileSync(
    new URL("../fixtures/captures/real/mgcp-ndpi.pcap", import.meta.url).pathname,
    (frame: Frame) => {
      frameNumber++;
      const decoded = decoder.decode(frame);
      if (decoded.kind !== "datagram") return;
      const { datagram } = decoded;
      const parsed = parseMgcp(datagram.payload);
      expect(parsed.errors).toEqual([]);
      for (const m of parsed.messages) {
        const p = (code: string) => m.params.get(code)?.[0] ?? "";
        rows.push([
          frameNumber,
          `${datagram.src}:${datagram.srcPort}`,
          `${datagram.dst}:${datagram.dstPort}`,
          m.kind === "command" ? m.verb : String(m.code),
          m.transactionId,
          m.kind === "command" ? m.endpoint : "",
          m.kind === "command" ? m.version : m.commentary,
          p("X"),
          p("R"),
          p("S"),
          p("O"),
          p("RM"),
        ]);
      }
    },
  );
  expect(outcome).toMatchObject({ ok: true, frames: 29, error: null });
  expect(rows).toEqual(ORACLE);
});
