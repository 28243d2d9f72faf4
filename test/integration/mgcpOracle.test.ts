/**
 * The real MGCP capture against tshark 4.0.17's reading of it (the table in
 * test/fixtures/captures/real/README.md): one row per message, same fields.
 */
import { expect, it } from "vitest";
import type { Frame } from "../../src/core/capture/frame.js";
import { parseMgcp } from "../../src/core/mgcp/parseMgcp.js";
import { FrameDecoder } from "../../src/core/packet/decodeFrame.js";
import { readCaptureFileSync } from "../../src/io/captureFileSource.js";

// frame, src:port, dst:port, verb or code, transid, endpoint, version or commentary, X, R, S, O, RM
type Row = [number, string, string, string, string, string, string, string, string, string, string, string];
const ORACLE: Row[] = [
  [3, "172.16.1.116:2427", "172.16.1.119:2427", "RQNT", "1", "*@gateway44.myplace.com", "MGCP 0.1", "2", "l/hd(n)", "", "", ""],
  [4, "172.16.1.119:2427", "172.16.1.116:2427", "510", "1", "", "Protocol Error: Forbidden parameter line present.", "", "", "", "", ""],
  [7, "172.16.1.119:2427", "172.16.1.116:2427", "RSIP", "31656860", "*@gateway44.myplace.com", "MGCP 1.0", "", "", "", "", "restart"],
  [8, "172.16.1.116:2427", "172.16.1.119:2427", "200", "31656860", "", "ok", "", "", "", "", ""],
  [9, "172.16.1.116:2427", "172.16.1.119:2427", "RQNT", "1", "*@gateway44.myplace.com", "MGCP 0.1", "2", "l/hd(n)", "", "", ""],
  [10, "172.16.1.119:2427", "172.16.1.116:2427", "510", "1", "", "Protocol Error: Forbidden parameter line present.", "", "", "", "", ""],
  [11, "172.16.1.116:2427", "172.16.1.119:2427", "RQNT", "2", "*@gateway44.myplace.com", "MGCP 0.1", "3", "l/hd(n)", "", "", ""],
  [12, "172.16.1.119:2427", "172.16.1.116:2427", "510", "2", "", "Protocol Error: Forbidden parameter line present.", "", "", "", "", ""],
  [15, "10.10.228.72:2427", "10.10.244.2:2427", "RSIP", "262662134", "*@vg224", "MGCP 0.1", "", "", "", "", "graceful"],
  [16, "10.10.244.2:2427", "10.10.228.72:2427", "200", "262662134", "", "", "", "", "", "", ""],
  [17, "10.10.228.72:2427", "10.10.244.2:2427", "RSIP", "262662136", "*@vg224", "MGCP 0.1", "", "", "", "", "restart"],
  [18, "10.10.244.2:2427", "10.10.228.72:2427", "200", "262662136", "", "", "", "", "", "", ""],
  [19, "10.10.244.2:2427", "10.10.228.72:2427", "RQNT", "80", "AALN/S2/1@vg224", "MGCP 0.1", "2", "L/hd", "", "", ""],
  [20, "10.10.228.72:2427", "10.10.244.2:2427", "200", "80", "", "OK", "", "", "", "", ""],
  [21, "10.10.244.2:2427", "10.10.228.72:2427", "AUEP", "81", "AALN/S2/1@vg224", "MGCP 0.1", "", "", "", "", ""],
  [22, "10.10.228.72:2427", "10.10.244.2:2427", "200", "81", "", "", "2", "", "", "", ""],
  [23, "10.10.228.72:2427", "10.10.244.2:2427", "NTFY", "262662138", "*@vg224", "MGCP 0.1", "0", "", "", "", ""],
  [24, "10.10.244.2:2427", "10.10.228.72:2427", "200", "262662138", "", "", "", "", "", "", ""],
  [25, "10.10.228.72:2427", "10.10.244.2:2427", "RSIP", "262662135", "*@vg224", "MGCP 0.1", "", "", "", "", "restart"],
  [26, "10.10.244.2:2427", "10.10.228.72:2427", "200", "262662135", "", "", "", "", "", "", ""],
  [27, "187.43.37.188:40798", "196.167.59.124:2427", "RQNT", "1", "*@gateway44.myplace.com", "MGCP 0.1", "1", "l/hd(n)", "", "", ""],
  [28, "67.232.180.250:38238", "186.112.128.179:2427", "RQNT", "1", "*@gateway44.myplace.com", "MGCP 0.1", "1", "l/hd(n)", "", "", ""],
  [29, "92.173.166.213:51954", "83.250.239.33:2427", "RQNT", "1", "*@gateway44.myplace.com", "MGCP 0.1", "1", "l/hd(n)", "", "", ""],
];

it("mgcp-ndpi.pcap reads as tshark reads it, message by message", () => {
  const decoder = new FrameDecoder({ ports: [2427, 2727] });
  const rows: Row[] = [];
  let frameNumber = 0;
  const outcome = readCaptureFileSync(new URL("../fixtures/captures/real/mgcp-ndpi.pcap", import.meta.url).pathname, (frame: Frame) => {
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
  });
  expect(outcome).toMatchObject({ ok: true, frames: 29, error: null });
  expect(rows).toEqual(ORACLE);
});
