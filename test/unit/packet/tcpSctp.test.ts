import { describe, expect, it } from "vitest";
import { LINKTYPE } from "../../../src/core/capture/frame.js";
import {
  type DecodeOutcome,
  FrameDecoder,
  type FrameDecoderOptions,
} from "../../../src/core/packet/decodeFrame.js";
import { asFrame, sllFrame, udpFrame } from "../../support/frameBuilder.js";
import { mulberry32 } from "../../support/random.js";
import {
  ipSctpPacket,
  ipTcpPacket,
  type SctpFrameSpec,
  sctpFrame,
  type TcpFrameSpec,
  tcpFrame,
} from "../../support/transportFrames.js";

const SIP = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
const TCP: TcpFrameSpec = {
  src: "10.0.0.2",
  dst: "10.0.0.1",
  srcPort: 40_000,
  dstPort: 5060,
  seq: 0xffff_fff0,
  payload: SIP,
};
const TCP6: TcpFrameSpec = { ...TCP, src: "fd00::2", dst: "fd00::1" };
const SCTP: SctpFrameSpec = {
  src: "10.0.0.2",
  dst: "10.0.0.1",
  srcPort: 57_098,
  dstPort: 5060,
  chunks: [
    { type: 3, value: new Uint8Array(12) }, // SACK first: stepped over
    { tsn: 7, streamId: 2, streamSequence: 9, ppid: 0, flags: "B", payload: "INVITE" },
    { tsn: 8, streamId: 2, streamSequence: 9, ppid: 0, flags: "E", payload: " sip:x SIP/2.0\r\n" },
  ],
};
const OPTIONS: FrameDecoderOptions = { ports: [2427], tcpPorts: [5060], sctpPorts: [5060] };

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function tcpOf(outcome: DecodeOutcome) {
  if (outcome.kind !== "tcp") throw new Error(`expected tcp, got ${JSON.stringify(outcome)}`);
  return outcome.segment;
}

describe("TCP segments", () => {
  it("lifts ports, sequence number, flags and data out of IPv4 and IPv6", () => {
    for (const spec of [TCP, TCP6]) {
      const segment = tcpOf(new FrameDecoder(OPTIONS).decode(asFrame(tcpFrame(spec))));
      expect(segment).toMatchObject({
        family: spec === TCP ? 4 : 6,
        src: spec.src,
        dst: spec.dst,
        srcPort: 40_000,
        dstPort: 5060,
        seq: 0xffff_fff0,
        syn: false,
        fin: false,
        rst: false,
        vlans: [],
      });
      expect(text(segment.payload)).toBe(SIP);
    }
  });

  it("reports SYN, FIN and RST, also without data; a pure ACK is skipped", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const flags = (f: string) =>
      tcpOf(decoder.decode(asFrame(tcpFrame({ ...TCP, payload: "", flags: f }))));
    expect(flags("S")).toMatchObject({ syn: true, fin: false, rst: false });
    expect(flags("FA")).toMatchObject({ syn: false, fin: true, rst: false });
    expect(flags("R")).toMatchObject({ syn: false, fin: false, rst: true });
    expect(decoder.decode(asFrame(tcpFrame({ ...TCP, payload: "", flags: "A" })))).toEqual({
      kind: "skipped",
    });
  });

  it("filters on the TCP port set, source or destination, and keeps VLAN ids", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const reply = { ...TCP, srcPort: 5060, dstPort: 40_000, vlans: [12] };
    expect(tcpOf(decoder.decode(asFrame(tcpFrame(reply)))).vlans).toEqual([12]);
    const other = tcpFrame({ ...TCP, dstPort: 2427 }); // a UDP port is not a TCP port
    expect(decoder.decode(asFrame(other)).kind).toBe("skipped");
    expect(new FrameDecoder({ ports: [5060] }).decode(asFrame(tcpFrame(TCP))).kind).toBe("skipped");
  });

  it("reads Linux cooked captures and an options-bearing header", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const sll = sllFrame(ipTcpPacket(TCP), 1);
    expect(text(tcpOf(decoder.decode(asFrame(sll, LINKTYPE.LINUX_SLL))).payload)).toBe(SIP);
    // Data offset 6: 4 bytes of options (NOP padding) before the data.
    const packet = ipTcpPacket({ ...TCP, payload: `\x01\x01\x01\x01${SIP}` });
    packet[32] = 6 << 4;
    const segment = tcpOf(decoder.decode(asFrame(packet, LINKTYPE.RAW)));
    expect(text(segment.payload)).toBe(SIP);
  });

  it("answers coded errors for a bad data offset or a cut header", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const bad = ipTcpPacket(TCP);
    bad[32] = 4 << 4;
    expect(decoder.decode(asFrame(bad, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "tcp-bad-header",
    });
    bad[32] = 15 << 4; // 60 bytes of header in a shorter segment
    const beyond = bad.slice(0, 20 + 20 + 10);
    beyond[3] = beyond.length;
    expect(decoder.decode(asFrame(beyond, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "tcp-bad-header",
    });
    const short = ipTcpPacket(TCP).slice(0, 20 + 12);
    short[3] = short.length; // the IP packet claims only 12 bytes of TCP
    expect(decoder.decode(asFrame(short, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "tcp-truncated",
    });
    const snapped = ipTcpPacket(TCP).slice(0, 60);
    expect(decoder.decode(asFrame(snapped, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "ipv4-truncated",
    });
  });

  it("skips fragmented IPv4 TCP (never reassembled)", () => {
    const frame = tcpFrame(TCP);
    frame[14 + 6] = 0x20; // MF
    const decoder = new FrameDecoder(OPTIONS);
    expect(decoder.decode(asFrame(frame)).kind).toBe("skipped");
    expect(decoder.pendingFragments).toBe(0);
  });
});

describe("SCTP DATA chunks", () => {
  it("returns each DATA chunk with its fields, stepping over other chunks", () => {
    const outcome = new FrameDecoder(OPTIONS).decode(asFrame(sctpFrame(SCTP)));
    if (outcome.kind !== "sctp") throw new Error(JSON.stringify(outcome));
    expect(outcome.chunks.map((c) => ({ ...c, payload: text(c.payload) }))).toEqual([
      {
        family: 4,
        src: "10.0.0.2",
        dst: "10.0.0.1",
        srcPort: 57_098,
        dstPort: 5060,
        tsn: 7,
        streamId: 2,
        streamSequence: 9,
        ppid: 0,
        beginning: true,
        ending: false,
        unordered: false,
        payload: "INVITE",
        vlans: [],
      },
      expect.objectContaining({
        tsn: 8,
        beginning: false,
        ending: true,
        payload: " sip:x SIP/2.0\r\n",
      }),
    ]);
  });

  it("reads IPv6 and Linux cooked SCTP; a packet without DATA is skipped", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const v6 = decoder.decode(asFrame(sctpFrame({ ...SCTP, src: "fd00::2", dst: "fd00::1" })));
    expect(v6.kind === "sctp" && v6.chunks[0]?.src).toBe("fd00::2");
    const sll = decoder.decode(asFrame(sllFrame(ipSctpPacket(SCTP), 1), LINKTYPE.LINUX_SLL));
    expect(sll.kind === "sctp" && sll.chunks.length).toBe(2);
    const sackOnly = sctpFrame({ ...SCTP, chunks: [{ type: 3, value: new Uint8Array(12) }] });
    expect(decoder.decode(asFrame(sackOnly)).kind).toBe("skipped");
    expect(decoder.decode(asFrame(sctpFrame({ ...SCTP, dstPort: 5061 }))).kind).toBe("skipped");
  });

  it("answers coded errors for bad chunk lengths and a cut common header", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const packet = ipSctpPacket(SCTP);
    const chunkLength = 20 + 12 + 2;
    const zero = packet.slice();
    zero[chunkLength] = 0;
    zero[chunkLength + 1] = 2; // a chunk length below 4
    expect(decoder.decode(asFrame(zero, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "sctp-bad-chunk",
    });
    const long = packet.slice();
    long[chunkLength] = 0x7f; // past the packet's end
    expect(decoder.decode(asFrame(long, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "sctp-bad-chunk",
    });
    const short = packet.slice(0, 20 + 8);
    short[3] = short.length;
    expect(decoder.decode(asFrame(short, LINKTYPE.RAW))).toEqual({
      kind: "error",
      code: "sctp-truncated",
    });
  });
});

describe("isUnwanted prefilter with TCP and SCTP", () => {
  it("is false for TCP / SCTP frames on wanted ports and true, like decode, on others", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const wanted = [
      tcpFrame(TCP),
      sctpFrame(SCTP),
      tcpFrame({ ...TCP, srcPort: 5060, dstPort: 9 }),
    ];
    for (const frame of wanted) expect(decoder.isUnwanted(1, frame, 0, frame.length)).toBe(false);
    const unwanted = [tcpFrame({ ...TCP, dstPort: 443 }), sctpFrame({ ...SCTP, dstPort: 2905 })];
    for (const frame of unwanted) {
      expect(decoder.isUnwanted(1, frame, 0, frame.length)).toBe(true);
      expect(decoder.decode(asFrame(frame)).kind).toBe("skipped");
    }
    // Without TCP / SCTP ports both protocols are skipped outright, and so prefiltered.
    const udpOnly = new FrameDecoder({ ports: [5060] });
    for (const frame of wanted) expect(udpOnly.isUnwanted(1, frame, 0, frame.length)).toBe(true);
  });

  it("agrees with decode on 20,000 mutated TCP, SCTP and UDP frames", () => {
    const decoder = new FrameDecoder(OPTIONS);
    const random = mulberry32(0x7c9);
    const int = (n: number) => Math.floor(random() * n);
    const bases = [
      tcpFrame(TCP),
      sctpFrame(SCTP),
      tcpFrame({ ...TCP, dstPort: 443 }),
      udpFrame({ ...TCP, srcPort: 16_384, dstPort: 16_386 }),
    ];
    let prefiltered = 0;
    for (let i = 0; i < 20_000; i++) {
      const frame = (bases[int(bases.length)] as Uint8Array).slice();
      for (let n = int(3); n > 0; n--) frame[12 + int(30)] = int(4) === 0 ? int(256) : int(64);
      if (decoder.isUnwanted(1, frame, 0, frame.length)) {
        prefiltered++;
        expect(decoder.decode(asFrame(frame)).kind).toBe("skipped");
      }
    }
    expect(prefiltered).toBeGreaterThan(2_000);
  });
});

describe("robustness", () => {
  const cases: [string, number, Uint8Array][] = [
    ["tcp ipv4", LINKTYPE.ETHERNET, tcpFrame(TCP)],
    ["tcp ipv6", LINKTYPE.ETHERNET, tcpFrame(TCP6)],
    ["tcp syn vlan", LINKTYPE.ETHERNET, tcpFrame({ ...TCP, vlans: [3], flags: "S", payload: "" })],
    ["sctp ipv4", LINKTYPE.ETHERNET, sctpFrame(SCTP)],
    [
      "sctp sll ipv6",
      LINKTYPE.LINUX_SLL,
      sllFrame(ipSctpPacket({ ...SCTP, src: "fd00::2", dst: "fd00::1" }), 1),
    ],
  ];

  it.each(cases)(
    "%s truncated at every offset never throws nor returns cut data",
    (_, linkType, frame) => {
      const whole = new FrameDecoder(OPTIONS).decode(asFrame(frame, linkType));
      expect(["tcp", "sctp"]).toContain(whole.kind);
      for (let length = 0; length < frame.length; length++) {
        const outcome = new FrameDecoder(OPTIONS).decode(
          asFrame(frame.subarray(0, length), linkType),
        );
        if (outcome.kind === "tcp" || outcome.kind === "sctp") {
          // Only Ethernet padding may be cut without harm.
          expect(JSON.stringify(outcome)).toBe(JSON.stringify(whole));
        }
      }
    },
  );

  it("20,000 seeded mutations never throw and stay within their frame", () => {
    const random = mulberry32(0x5c7b);
    const int = (n: number) => Math.floor(random() * n);
    const decoder = new FrameDecoder(OPTIONS);
    const kinds: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const [, linkType, base] = cases[int(cases.length)] as [string, number, Uint8Array];
      let data = base.slice();
      const mutation = int(4);
      if (mutation === 0) data = data.subarray(0, int(data.length + 1));
      for (let n = 1 + int(6); n > 0; n--) data[int(data.length)] = int(256);
      if (mutation === 1) data[14 + 20 + 12] = int(256); // TCP data offset / SCTP chunk type
      const outcome = decoder.decode({
        linkType,
        data,
        timestampMs: i,
        originalLength: data.length,
      });
      kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
      const payloads =
        outcome.kind === "tcp"
          ? [outcome.segment.payload]
          : outcome.kind === "sctp"
            ? outcome.chunks.map((c) => c.payload)
            : [];
      for (const p of payloads) {
        if (p.buffer !== data.buffer || p.byteOffset + p.length > data.byteOffset + data.length) {
          expect.fail(`payload outside its frame: ${Buffer.from(data).toString("hex")}`);
        }
      }
    }
    expect(kinds.tcp).toBeGreaterThan(1_000);
    expect(kinds.sctp).toBeGreaterThan(1_000);
    expect(kinds.error).toBeGreaterThan(100);
  });
});
