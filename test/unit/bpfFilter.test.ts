import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCaptureFilter, formatMac, parseMac } from "../../src/core/capture/bpfFilter.js";
import { LINKTYPE } from "../../src/core/capture/frame.js";

describe("parseMac / formatMac", () => {
  const expected = [0x00, 0x90, 0xf8, 0x01, 0x02, 0x03];

  it.each(["00:90:f8:01:02:03", "00-90-F8-01-02-03", "0090.f801.0203", "00:90:F8:01:02:03"])(
    "accepts %s",
    (text) => {
      expect(Array.from(parseMac(text) ?? [])).toEqual(expected);
    },
  );

  it.each([
    "",
    "00:90:f8:01:02",
    "00:90:f8:01:02:03:04",
    "00:90-f8:01:02:03",
    "0:90:f8:01:02:03",
    "00:90:f8:01:02:0g",
    " 00:90:f8:01:02:03",
    "00:90:f8:01:02:03\n",
    "0090f8010203",
    "0090.f801.020",
    "0090:f801:0203",
    "00.90.f8.01.02.03",
  ])("rejects %j", (text) => {
    expect(parseMac(text)).toBeNull();
  });

  it("formats lower-case and colon-separated, round-tripping", () => {
    expect(formatMac(new Uint8Array(expected))).toBe("00:90:f8:01:02:03");
    expect(formatMac(parseMac("AA-BB-CC-0D-0E-0F") ?? new Uint8Array())).toBe("aa:bb:cc:0d:0e:0f");
  });
});

describe("buildCaptureFilter", () => {
  it("covers every port, both fragment kinds and one or two VLAN tags", () => {
    const filter = buildCaptureFilter({ udpPorts: [2427, 2727] });
    const payload = "(udp port 2427 or udp port 2727 or (ip[6:2] & 0x3fff != 0) or (ip6[6] == 44))";
    expect(filter).toBe(`${payload} or (vlan and (${payload} or (vlan and ${payload})))`);
  });

  it("puts the MAC restriction in front of every vlan keyword, normalised", () => {
    const filter = buildCaptureFilter({ udpPorts: [5060], mac: "0090.F801.0203" });
    expect(filter.startsWith("ether host 00:90:f8:01:02:03 and (")).toBe(true);
    expect(filter.indexOf("ether host")).toBeLessThan(filter.indexOf("vlan"));
  });

  it("takes the MAC as bytes too", () => {
    const bytes = new Uint8Array([0x00, 0x90, 0xf8, 0x01, 0x02, 0x03]);
    expect(buildCaptureFilter({ udpPorts: [5060], mac: bytes })).toBe(
      buildCaptureFilter({ udpPorts: [5060], mac: "00:90:f8:01:02:03" }),
    );
  });

  it("leaves out VLAN clauses for link types without an Ethernet header", () => {
    for (const linkType of [LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.RAW]) {
      expect(buildCaptureFilter({ udpPorts: [2427], linkType })).not.toContain("vlan");
    }
  });

  it("removes duplicate ports", () => {
    expect(buildCaptureFilter({ udpPorts: [2427, 2427] }).match(/udp port 2427/g)).toHaveLength(3);
  });

  it.each([
    [{ udpPorts: [] }, /at least one UDP port/],
    [{ udpPorts: [0] }, /invalid UDP port 0/],
    [{ udpPorts: [65536] }, /invalid UDP port 65536/],
    [{ udpPorts: [24.5] }, /invalid UDP port 24.5/],
    [{ udpPorts: [2427], mac: "nope" }, /invalid MAC address "nope"/],
    [{ udpPorts: [2427], mac: new Uint8Array([1, 2, 3]) }, /invalid MAC address "01:02:03"/],
    [{ udpPorts: [2427], mac: "00:90:f8:01:02:03", linkType: LINKTYPE.LINUX_SLL }, /Ethernet/],
  ])("rejects invalid options %j", (options, message) => {
    expect(() => buildCaptureFilter(options)).toThrow(message);
  });
});

// ---------------------------------------------------------------------------------------
// libpcap itself: every built filter must compile, and must select the right frames.
// ---------------------------------------------------------------------------------------

const tcpdumpMissing = spawnSync("tcpdump", ["--version"]).error !== undefined;
const requireTcpdump = process.env.CI === "true";
if (tcpdumpMissing && !requireTcpdump) {
  console.warn("bpfFilter: libpcap checks skipped: tcpdump is not installed");
}
const describeWithTcpdump = tcpdumpMissing && !requireTcpdump ? describe.skip : describe;

const MAC_PHONE = "00:90:f8:01:02:03";
const MAC_GATEWAY = "00:00:5e:00:53:01";
const MAC_OTHER = "00:00:5e:00:53:99";

/** Compiles with `tcpdump -d`, which uses pcap_open_dead and so needs no privileges. */
function compile(filter: string, linkTypeName: string): { ok: boolean; stderr: string } {
  const result = spawnSync("tcpdump", ["-d", "-y", linkTypeName, filter], { encoding: "utf8" });
  if (result.error !== undefined) throw result.error;
  return { ok: result.status === 0, stderr: result.stderr };
}

describeWithTcpdump("built filters under libpcap (tcpdump)", () => {
  let workDir = "";
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), "bpf-filter-test-"));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  const variants = [
    { udpPorts: [2427] },
    { udpPorts: [2427, 2727, 5060] },
    { udpPorts: [2427, 2727], mac: MAC_PHONE },
    { udpPorts: [5060], mac: "00-90-F8-01-02-03" },
  ];

  it.each(variants)("compiles for EN10MB: %j", (options) => {
    const result = compile(buildCaptureFilter(options), "EN10MB");
    expect(result.stderr).toBe("");
    expect(result.ok).toBe(true);
  });

  it.each([
    [LINKTYPE.LINUX_SLL, "LINUX_SLL"],
    [LINKTYPE.LINUX_SLL2, "LINUX_SLL2"],
    [LINKTYPE.RAW, "RAW"],
    [LINKTYPE.NULL, "NULL"],
  ])("compiles for link type %i (%s) when built for it", (linkType, name) => {
    const result = compile(buildCaptureFilter({ udpPorts: [2427, 2727], linkType }), name);
    expect(result.stderr).toBe("");
    expect(result.ok).toBe(true);
  });

  it("would not compile for LINUX_SLL with VLAN clauses (why linkType exists)", () => {
    const result = compile(buildCaptureFilter({ udpPorts: [2427] }), "LINUX_SLL");
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/VLAN/);
  });

  /** Writes frames as a pcap (frame i stamped i seconds) and returns the indexes that match. */
  function matchingFrames(filter: string, linkType: number, frames: Uint8Array[]): number[] {
    const file = join(workDir, `frames-${linkType}.pcap`);
    writeFileSync(file, pcapFile(linkType, frames));
    const result = spawnSync("tcpdump", ["-r", file, "-nn", "-tt", filter], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => Number.parseInt(line, 10));
  }

  /** Asserts exactly the cases marked true pass the filter. */
  function expectSelected(filter: string, linkType: number, cases: [Uint8Array, boolean][]) {
    const expected = cases.flatMap(([, matches], index) => (matches ? [index] : []));
    expect(
      matchingFrames(
        filter,
        linkType,
        cases.map(([frame]) => frame),
      ),
    ).toEqual(expected);
  }

  it("selects MGCP, fragments and tagged traffic on Ethernet; nothing else", () => {
    const cases: [Uint8Array, boolean][] = [
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Udp(2427)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Udp(2727)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Udp(9999)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Tcp(2427)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4NonFirstFragment()), true],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv6Udp(2427)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv6Udp(9999)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv6Fragment()), true],
      [ether(MAC_PHONE, MAC_GATEWAY, VLAN7, ipv4Udp(2427)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, VLAN7, ipv4Udp(9999)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, VLAN7, ipv4NonFirstFragment()), true],
      [ether(MAC_PHONE, MAC_GATEWAY, VLAN7, ipv6Udp(2427)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, QINQ, ipv4Udp(2727)), true],
      [ether(MAC_PHONE, MAC_GATEWAY, QINQ, ipv4Udp(9999)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, QINQ, ipv6Fragment()), true],
      [ether(MAC_OTHER, MAC_GATEWAY, [], ipv4Udp(2427)), true],
    ];
    const filter = buildCaptureFilter({ udpPorts: [2427, 2727] });
    expectSelected(filter, LINKTYPE.ETHERNET, cases);
  });

  it("with a MAC, selects only frames from or to it, tagged or not", () => {
    const cases: [Uint8Array, boolean][] = [
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Udp(2427)), true],
      [ether(MAC_GATEWAY, MAC_PHONE, [], ipv4Udp(2427)), true],
      [ether(MAC_OTHER, MAC_GATEWAY, [], ipv4Udp(2427)), false],
      [ether(MAC_PHONE, MAC_GATEWAY, VLAN7, ipv4Udp(2427)), true],
      [ether(MAC_OTHER, MAC_GATEWAY, VLAN7, ipv4Udp(2427)), false],
      [
        ether(
          MAC_GATEWAY,
          MAC_PHONE,
          [
            [0x88a8, 1],
            [0x8100, 2],
          ],
          ipv4NonFirstFragment(),
        ),
        true,
      ],
      [ether(MAC_PHONE, MAC_GATEWAY, [], ipv4Udp(9999)), false],
    ];
    const filter = buildCaptureFilter({ udpPorts: [2427], mac: "0090.f801.0203" });
    expectSelected(filter, LINKTYPE.ETHERNET, cases);
  });

  it("selects MGCP and fragments on Linux cooked (the any device)", () => {
    const cases: [Uint8Array, boolean][] = [
      [linuxSll(0x0800, ipv4Udp(2427)), true],
      [linuxSll(0x0800, ipv4Udp(9999)), false],
      [linuxSll(0x0800, ipv4NonFirstFragment()), true],
      [linuxSll(0x86dd, ipv6Udp(2727)), true],
      [linuxSll(0x86dd, ipv6Fragment()), true],
    ];
    const filter = buildCaptureFilter({ udpPorts: [2427, 2727], linkType: LINKTYPE.LINUX_SLL });
    expectSelected(filter, LINKTYPE.LINUX_SLL, cases);
  });
});

// --- tiny frame builders (checksums left zero: BPF never looks at them) -------------------

type VlanTag = [tpid: number, vlanId: number];
const VLAN7: VlanTag[] = [[0x8100, 7]];
const QINQ: VlanTag[] = [
  [0x88a8, 100],
  [0x8100, 7],
];

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const u16 = (value: number): number[] => [value >> 8, value & 0xff];

/** Ethernet with 0..n VLAN tags [tpid, vlanId]; the ethertype comes from the IP version. */
function ether(src: string, dst: string, tags: VlanTag[], ip: Uint8Array): Uint8Array {
  const macBytes = (text: string) => parseMac(text) ?? new Uint8Array(6);
  const etherType = ip[0] !== undefined && ip[0] >> 4 === 6 ? 0x86dd : 0x0800;
  const tagBytes = tags.flatMap(([tpid, vlanId]) => [...u16(tpid), ...u16(vlanId)]);
  return concat(macBytes(dst), macBytes(src), tagBytes, u16(etherType), ip);
}

function linuxSll(protocol: number, ip: Uint8Array): Uint8Array {
  const address = [0x00, 0x90, 0xf8, 0x01, 0x02, 0x03, 0, 0];
  return concat(u16(0), u16(1), u16(6), address, u16(protocol), ip);
}

function ipv4(protocol: number, flagsAndOffset: number, body: Uint8Array): Uint8Array {
  const header = [0x45, 0, ...u16(20 + body.length), 0x12, 0x34, ...u16(flagsAndOffset)];
  return concat(header, [64, protocol, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1], body);
}

function udp(dstPort: number): Uint8Array {
  const payload = new TextEncoder().encode("RQNT 1 aaln/1@gw MGCP 1.0\r\n");
  return concat(u16(49152), u16(dstPort), u16(8 + payload.length), [0, 0], payload);
}

const ipv4Udp = (dstPort: number) => ipv4(17, 0, udp(dstPort));
const ipv4Tcp = (dstPort: number) =>
  ipv4(6, 0, concat(u16(40000), u16(dstPort), new Uint8Array(16)));
/** Offset 185 × 8 bytes, no UDP header: only the fragment clause can match it. */
const ipv4NonFirstFragment = () => ipv4(17, 185, new Uint8Array(64).fill(0x41));

function ipv6(nextHeader: number, body: Uint8Array): Uint8Array {
  const address = (last: number) => [
    0x20,
    0x01,
    0x0d,
    0xb8,
    ...new Array<number>(11).fill(0),
    last,
  ];
  return concat([0x60, 0, 0, 0], u16(body.length), [nextHeader, 64], address(2), address(1), body);
}

const ipv6Udp = (dstPort: number) => ipv6(17, udp(dstPort));
/** Non-first fragment (offset 1448) of a UDP datagram. */
const ipv6Fragment = () =>
  ipv6(44, concat([17, 0, ...u16(1448), 0, 0, 0, 1], new Uint8Array(64).fill(0x42)));

function pcapFile(linkType: number, frames: Uint8Array[]): Uint8Array {
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true);
  header.setUint32(20, linkType, true);
  const records = frames.map((frame, index) => {
    const record = new DataView(new ArrayBuffer(16));
    record.setUint32(0, index, true);
    record.setUint32(8, frame.length, true);
    record.setUint32(12, frame.length, true);
    return concat(new Uint8Array(record.buffer), frame);
  });
  return concat(new Uint8Array(header.buffer), ...records);
}

describe("SIP over TCP, WebSocket and SCTP", () => {
  it("adds tcp and sctp clauses for the stream ports, and the filter compiles", () => {
    const filter = buildCaptureFilter({ udpPorts: [2427, 5060], streamPorts: [5060, 8080] });
    for (const clause of [
      "udp port 5060",
      "tcp port 5060",
      "sctp port 5060",
      "tcp port 8080",
      "sctp port 8080",
    ])
      expect(filter).toContain(clause);
    if (!tcpdumpMissing)
      expect(spawnSync("tcpdump", ["-d", "-y", "EN10MB", filter]).status).toBe(0);
    expect(() => buildCaptureFilter({ udpPorts: [5060], streamPorts: [70000] })).toThrow(
      /invalid TCP\/SCTP port 70000/,
    );
  });
});
