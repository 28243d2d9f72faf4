import { describe, expect, it } from "vitest";
import { filtersByLinkType } from "../../../src/capture/captureProtocol.js";
import {
  checkLinkType,
  classifyTcpdumpLine,
  expectedLinkType,
  PcapStream,
  tcpdumpArguments,
} from "../../../src/capture/tcpdumpOutput.js";
import { type Frame, LINKTYPE } from "../../../src/core/capture/frame.js";
import { writePcap } from "../../support/pcapWriter.js";

const FILTER = "udp port 2427";
const classify = (line: string) => classifyTcpdumpLine(line, "eth0", FILTER);

describe("what tcpdump says on stderr", () => {
  it("knows when the capture is on", () => {
    expect(
      classify(
        "tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
      ),
    ).toEqual({ kind: "listening" });
  });

  it("refuses for good without the permission to capture, and says what is needed", () => {
    expect(
      classify("tcpdump: eth0: You don't have permission to perform this capture on that device"),
    ).toEqual({
      kind: "failed",
      failure: "permanent",
      message:
        "capturing on eth0 needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities (tcpdump: eth0: You don't have permission to perform this capture on that device)",
    });
  });

  it("takes a missing, down or vanished interface as something to wait for", () => {
    for (const line of [
      "tcpdump: eth0: No such device exists",
      "tcpdump: eth0: That device is not up",
      "tcpdump: pcap_loop: The interface disappeared",
      "tcpdump: pcap_loop: The interface went down",
    ]) {
      expect(classify(line), line).toEqual({ kind: "interface-lost" });
    }
  });

  it("refuses for good a filter libpcap cannot compile, quoting it", () => {
    for (const line of [
      "tcpdump: syntax error in filter expression: syntax error",
      "tcpdump: ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel",
      "tcpdump: illegal link layer address",
    ]) {
      const meaning = classify(line);
      expect(meaning, line).toMatchObject({ kind: "failed", failure: "permanent" });
      expect(meaning, line).toMatchObject({
        message: expect.stringContaining(`invalid capture filter "${FILTER}": `),
      });
    }
  });

  it("ignores statistics, warnings and echoes; keeps anything else as a possible reason", () => {
    for (const line of [
      "",
      "0 packets captured",
      "1 packet received by filter",
      "0 packets dropped by kernel",
      "(No such device exists)",
      "tcpdump: data link type LINUX_SLL",
      "Warning: SIOCGIFADDR: eth0: Cannot assign requested address",
    ]) {
      expect(classify(line), line).toEqual({ kind: "noise" });
    }
    expect(classify("tcpdump: something new")).toEqual({ kind: "other" });
  });
});

describe("the link type a capture expects", () => {
  it("tells the any device which one (LINUX_SLL), and reads the others' ARP type", () => {
    expect(expectedLinkType("any", null)).toBe(LINKTYPE.LINUX_SLL);
    expect(expectedLinkType("any", null, LINKTYPE.ETHERNET)).toBe(LINKTYPE.LINUX_SLL);
    expect(expectedLinkType("eth0", 1)).toBe(LINKTYPE.ETHERNET);
    expect(expectedLinkType("lo", 772)).toBe(LINKTYPE.ETHERNET);
    expect(expectedLinkType("tun0", 65534)).toBe(LINKTYPE.RAW);
    expect(expectedLinkType("gone0", null)).toBe(LINKTYPE.RAW);
    expect(expectedLinkType("ppp0", 512, LINKTYPE.LINUX_SLL)).toBe(LINKTYPE.LINUX_SLL);
  });

  it("starts tcpdump without a shell, the filter one argument, -y only on the any device", () => {
    const filter = "udp port 2427 and ether host 00:90:f8:00:00:10";
    expect(tcpdumpArguments("eth0", LINKTYPE.ETHERNET, filter)).toEqual([
      "-i",
      "eth0",
      "-n",
      "-U",
      "--immediate-mode",
      "-B",
      "1024",
      "-w",
      "-",
      filter,
    ]);
    expect(tcpdumpArguments("any", LINKTYPE.LINUX_SLL, FILTER).slice(0, 4)).toEqual([
      "-i",
      "any",
      "-y",
      "LINUX_SLL",
    ]);
  });
});

describe("the link type in tcpdump's pcap header", () => {
  const filters = filtersByLinkType((linkType) => {
    if (linkType === LINKTYPE.ETHERNET) return `${FILTER} and ether host 00:90:f8:00:00:10`;
    if (linkType === LINKTYPE.LINUX_SLL) throw new Error("adapter_mac needs an Ethernet port");
    return FILTER;
  });

  it("is read in either byte order", () => {
    const headerLinkType = (bytes: Uint8Array) => new PcapStream().push(bytes).headerLinkType;
    for (const byteOrder of ["le", "be"] as const) {
      const header = writePcap([], { linkType: LINKTYPE.LINUX_SLL2, byteOrder });
      expect(headerLinkType(header)).toBe(LINKTYPE.LINUX_SLL2);
    }
    expect(headerLinkType(new Uint8Array(24))).toBeNull();
    // Ten bytes of a header are no header yet: nothing is said about it.
    const header = writePcap([], { linkType: LINKTYPE.ETHERNET });
    expect(headerLinkType(header.subarray(0, 10))).toBeUndefined();
  });

  it("goes on when it is the expected one or has the same filter", () => {
    expect(checkLinkType("tun0", filters, FILTER, LINKTYPE.RAW)).toEqual({
      kind: "ok",
      filter: FILTER,
    });
    expect(checkLinkType("tun0", filters, FILTER, LINKTYPE.IPV4)).toEqual({
      kind: "ok",
      filter: FILTER,
    });
  });

  it("starts again when another filter applies, and refuses what the table refuses", () => {
    expect(checkLinkType("x0", filters, FILTER, LINKTYPE.ETHERNET)).toEqual({ kind: "restart" });
    expect(checkLinkType("x0", filters, FILTER, LINKTYPE.LINUX_SLL)).toEqual({
      kind: "refused",
      message: "adapter_mac needs an Ethernet port",
    });
    expect(checkLinkType("wlan0", filters, FILTER, 127)).toEqual({
      kind: "refused",
      message:
        "interface wlan0 delivers frames of link type 127; supported: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback",
    });
  });
});

describe("tcpdump's stdout as frames", () => {
  const written = [60, 1514, 9000, 61].map((length, index) => ({
    data: Uint8Array.from({ length }, (_, i) => (i * 7 + index) & 0xff),
    timestampMs: 1_760_000_000_000 + index * 1.5,
  }));
  const stream = writePcap(written, { linkType: LINKTYPE.ETHERNET });
  const expected = written.map((frame) => ({
    linkType: LINKTYPE.ETHERNET,
    data: frame.data,
    timestampMs: frame.timestampMs,
    originalLength: frame.data.length,
  }));

  it("gives every frame once, whole, wherever the pipe cuts the stream", () => {
    for (const cut of [0, 1, 23, 24, 25, 40, 100, stream.length - 1, stream.length]) {
      const pcap = new PcapStream();
      const first = pcap.push(stream.subarray(0, cut));
      const second = pcap.push(stream.subarray(cut));
      expect([first.headerLinkType, second.headerLinkType], `cut ${cut}`).toContain(1);
      expect([...first.frames, ...second.frames], `cut ${cut}`).toEqual(expected);
      expect(first.error ?? second.error).toBeNull();
    }
  });

  it("gives every frame once when the stream is cut at every offset", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const pcap = new PcapStream();
      const a = stream.subarray(0, cut);
      const b = stream.subarray(cut);
      const frames: Frame[] = [...pcap.push(a).frames, ...pcap.push(b).frames];
      const same =
        frames.length === expected.length &&
        frames.every(
          (frame, i) =>
            Buffer.from(frame.data).equals(expected[i]?.data ?? new Uint8Array()) &&
            frame.timestampMs === expected[i]?.timestampMs &&
            frame.linkType === LINKTYPE.ETHERNET,
        );
      // One assertion per offset would be thousands; the first wrong offset is named.
      if (!same) expect(frames, `cut at ${cut}`).toEqual(expected);
    }
  });

  it("keeps its frames valid after the next chunk arrives (copies, not views)", () => {
    const pcap = new PcapStream();
    const cut = 24 + 16 + 60 + 16 + 700; // inside the second record: carried over
    const copy = Buffer.from(stream);
    const frames = [...pcap.push(copy.subarray(0, cut)).frames];
    frames.push(...pcap.push(copy.subarray(cut, cut + 2000)).frames);
    pcap.push(copy.subarray(cut + 2000));
    copy.fill(0);
    expect(frames.map((frame) => frame.data)).toEqual([written[0]?.data, written[1]?.data]);
  });

  it("batches one message's worth per chunk, the frames the chunk completes", () => {
    const pcap = new PcapStream();
    const header = pcap.push(stream.subarray(0, 24));
    expect(header).toEqual({ headerLinkType: LINKTYPE.ETHERNET, frames: [], error: null });
    const rest = pcap.push(stream.subarray(24));
    expect(rest.frames).toHaveLength(4);
    expect(rest.headerLinkType).toBeUndefined();
  });
});
