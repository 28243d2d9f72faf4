/**
 * The real SIP/UDP captures against tshark 4.0.17's reading of them (the SIP oracle tables in
 * test/fixtures/captures/real/README.md): every INVITE, with the Call-ID, the From display as
 * written (quotes and trailing spaces included), From user and host, and the identity header
 * lines as they stand on the wire. Then the caller each call's first INVITE names.
 *
 * Left out here: the TCP 6060, SCTP and WebSocket captures and the two WebSocket frames (11, 18)
 * of sip-heplify-websocket-rpid.pcap, which need the stream transports. The metasploit INVITE
 * goes to UDP 10270 and the MagicJack call uses 5070, so those ports are listened to as well.
 * The zeek "junk" capture has no INVITE: its NUL bytes arrive as a datagram of their own.
 */
import { describe, expect, it } from "vitest";
import type { Frame } from "../../src/core/capture/frame.js";
import { FrameDecoder } from "../../src/core/packet/decodeFrame.js";
import { callerOf, parseNameAddr, parseUri, type SipParty } from "../../src/core/sip/identity.js";
import { parseSipMessage, type SipMessage, sipMessageLength } from "../../src/core/sip/parseSip.js";
import { readCaptureFileSync } from "../../src/io/captureFileSource.js";

// frame, Call-ID, From display, From user, From host, P-Asserted-Identity,
// P-Preferred-Identity, Remote-Party-ID, Privacy
type Row = [number, string, string, string, string, string, string, string, string];

interface Capture {
  ports: number[];
  invites: Row[];
}

const ORACLE: Record<string, Capture> = {
  "sip-metasploit-invite-spoof.pcap": {
    ports: [5060, 10270],
    invites: [[1, "14810.0.1.45", '"testtest"', "", "10.0.1.199", "", "", "", ""]],
  },
  "sip-rtp-opus-hybrid.pcap": {
    ports: [5060],
    invites: [[1, "1-4237@10.0.2.20", '"opus/48000/2"', "sipp", "10.0.2.20", "", "", "", ""]],
  },
  "sip-heplify-websocket-rpid.pcap": {
    ports: [5060],
    invites: [
      [
        20,
        "kovfhoptshgn59q712sr",
        "",
        "12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX",
        "dev-mike.tncp.textnow.com",
        "",
        "",
        "",
        "",
      ],
      [
        26,
        "926ffd16-6154-1237-09ba-0270b3230128",
        '"+12675941249"',
        "+12675941249",
        "10.243.0.143",
        "",
        "",
        '"+12675941249" <sip:+12675941249@10.243.0.143>;party=calling;screen=yes;privacy=off',
        "",
      ],
      [
        28,
        "926ffd16-6154-1237-09ba-0270b3230128",
        '"+12675941249"',
        "+12675941249",
        "10.243.0.143",
        "",
        "",
        '"+12675941249" <sip:+12675941249@10.243.0.143>;party=calling;screen=yes;privacy=off',
        "",
      ],
    ],
  },
  "sip-nb6-ims-call-sip-only.pcap": {
    ports: [5060],
    invites: [
      [
        1,
        "1135D8701739D86@10.251.23.139",
        '"0360653674"',
        "+33360653674",
        "ims.mnc010.mcc208.3gppnetwork.org",
        "",
        "<sip:+33360653674@ims.mnc010.mcc208.3gppnetwork.org;user=phone>",
        "",
        "",
      ],
    ],
  },
  "sip-ndpi-sip.pcap": {
    ports: [5060],
    invites: [
      [
        22,
        "105090259-446faf7a@192.168.1.2",
        '"arik"',
        "816666",
        "voip.brurjula.net",
        "",
        "",
        "",
        "",
      ],
      [
        23,
        "105090259-446faf7a@192.168.1.2",
        '"arik"',
        "816666",
        "voip.brurjula.net",
        "",
        "",
        "",
        "",
      ],
      [
        24,
        "105090259-446faf7a@192.168.1.2",
        '"arik"',
        "816666",
        "voip.brurjula.net",
        "",
        "",
        "",
        "",
      ],
      [
        46,
        "85216695-42dcdb1d@192.168.1.2",
        '"arik"',
        "voi18062",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        47,
        "85216695-42dcdb1d@192.168.1.2",
        '"arik"',
        "voi18062",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        48,
        "85216695-42dcdb1d@192.168.1.2",
        '"arik"',
        "voi18062",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        52,
        "85216695-42dcdb1d@192.168.1.2",
        '"arik"',
        "voi18062",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        76,
        "24487391-449bf2a0@192.168.1.2",
        '"arik"',
        "35104723",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        82,
        "24487391-449bf2a0@192.168.1.2",
        '"arik"',
        "35104723",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        87,
        "11894297-4432a9f8@192.168.1.2",
        '"arik"',
        "35104723",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
      [
        90,
        "11894297-4432a9f8@192.168.1.2",
        '"arik"',
        "35104723",
        "sip.cybercity.dk",
        "",
        "",
        "",
        "",
      ],
    ],
  },
  "sip-DTMFsipinfo.pcap": {
    ports: [5060],
    invites: [
      [
        1,
        "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
        '"sam netmon "',
        "admind",
        "178.45.73.241",
        "",
        "",
        "",
        "",
      ],
      [
        2,
        "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
        '"sam netmon "',
        "admind",
        "178.45.73.241",
        "",
        "",
        "",
        "",
      ],
      [
        5,
        "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
        '"sam netmon "',
        "admind",
        "178.45.73.241",
        "",
        "",
        "",
        "",
      ],
      [
        21,
        "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
        "",
        "echo",
        "iptel.org",
        "",
        "",
        "",
        "",
      ],
      [
        25,
        "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
        "",
        "echo",
        "iptel.org",
        "",
        "",
        "",
        "",
      ],
    ],
  },
  "sip-SIP_DTMF2-sip-only.pcap": {
    ports: [5060],
    invites: [
      [7, "5514@192.168.105.110", "2502 ", "2502", "192.168.105.105", "", "", "", ""],
      [14, "25672@192.168.105.110", "2502 ", "2502", "192.168.105.105", "", "", "", ""],
      [16, "25672@192.168.105.110", "2502 ", "2502", "192.168.105.105", "", "", "", ""],
    ],
  },
  "sip-MagicJack-short-call-sip-only.pcap": {
    ports: [5060, 5070],
    invites: [
      [
        1,
        "C5570127C1A6A1ABF7ED9DB9AD608CE00xc0a8000a",
        '"unknown"',
        "E646657195201",
        "talk4free.com",
        "",
        "",
        "",
        "",
      ],
      [
        5,
        "C5570127C1A6A1ABF7ED9DB9AD608CE00xc0a8000a",
        '"unknown"',
        "E646657195201",
        "talk4free.com",
        "",
        "",
        "",
        "",
      ],
    ],
  },
  "sip-FAX-t38-sip-only.pcap": {
    ports: [5060],
    invites: [
      [
        1,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        2,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        4,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        5,
        "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        21,
        "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
        "",
        "061963177",
        "italtel.it",
        "",
        "",
        "",
        "",
      ],
      [
        23,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "061963177",
        "italtel.it",
        "",
        "",
        "",
        "",
      ],
      [
        24,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "061963177",
        "italtel.it",
        "",
        "",
        "",
        "",
      ],
      [
        29,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "061963177",
        "italtel.it",
        "",
        "",
        "",
        "",
      ],
      [
        45,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        46,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        49,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        51,
        "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        61,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        63,
        "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        64,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
      [
        65,
        "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
        "",
        "unavailable",
        "hostportion",
        "",
        "",
        "",
        "",
      ],
    ],
  },
  "sip-protos-c07-r2.converted.pcap": {
    ports: [5060],
    invites: [[3, "0@localhost", "0 ", "ann", "localhost", "", "", "", ""]],
  },
  "sip-zeek-junk-before-request.pcap": { ports: [5060], invites: [] },
};

interface Replay {
  rows: Row[];
  invites: (SipMessage & { kind: "request" })[];
  errors: Record<string, number>;
  payloads: Uint8Array[];
}

function replay(file: string, ports: number[]): Replay {
  const decoder = new FrameDecoder({ ports });
  const result: Replay = { rows: [], invites: [], errors: {}, payloads: [] };
  let frameNumber = 0;
  const outcome = readCaptureFileSync(
    new URL(`../fixtures/captures/real/${file}`, import.meta.url).pathname,
    (frame: Frame) => {
      frameNumber++;
      const decoded = decoder.decode(frame);
      if (decoded.kind !== "datagram") return;
      const payload = decoded.datagram.payload.slice();
      result.payloads.push(payload);
      const parsed = parseSipMessage(payload);
      if (!parsed.ok) {
        result.errors[parsed.code] = (result.errors[parsed.code] ?? 0) + 1;
        return;
      }
      const m = parsed.message;
      if (m.kind !== "request" || m.method !== "INVITE") return;
      const from = parseNameAddr(m.headers.get("from") ?? "");
      const uri = from ? parseUri(from.uri) : null;
      const header = (name: string) => m.headers.get(name) ?? "";
      result.invites.push(m);
      result.rows.push([
        frameNumber,
        header("call-id"),
        from?.displayText ?? "",
        uri?.user ?? "",
        uri?.host ?? "",
        header("p-asserted-identity"),
        header("p-preferred-identity"),
        header("remote-party-id"),
        header("privacy"),
      ]);
    },
  );
  expect(outcome).toMatchObject({ ok: true, error: null });
  return result;
}

/** What each datagram on the SIP ports that is not a message is, per capture. */
const ERRORS: Record<string, Record<string, number>> = {
  // Five-space NAT keep-alives.
  "sip-ndpi-sip.pcap": { "sip-not-text": 21 },
  // Fuzzed methods: empty, overlong, non-ASCII.
  "sip-protos-c07-r2.converted.pcap": {
    "sip-bad-start-line": 9,
    "sip-too-long": 4,
    "sip-not-text": 12,
  },
  "sip-zeek-junk-before-request.pcap": { "sip-not-text": 1 },
};

describe("SIP/UDP captures read as tshark reads them", () => {
  it.each(Object.entries(ORACLE))("%s", (file, { ports, invites }) => {
    const { rows, errors } = replay(file, ports);
    expect(rows).toEqual(invites);
    expect(errors).toEqual(ERRORS[file] ?? {});
  });
});

const party = (p: Partial<SipParty>): SipParty => ({
  number: null,
  user: null,
  name: null,
  anonymous: false,
  unavailable: false,
  source: "from",
  ...p,
});

/** The caller of each call: the first INVITE of each Call-ID (later ones are re-INVITEs or hops). */
const CALLERS: Record<string, [string, SipParty][]> = {
  "sip-metasploit-invite-spoof.pcap": [["14810.0.1.45", party({ name: "testtest" })]],
  "sip-rtp-opus-hybrid.pcap": [
    // The 200 OK's Remote-Party-ID ("test", party=calling) is the callee and is never read.
    ["1-4237@10.0.2.20", party({ user: "sipp", name: "opus/48000/2" })],
  ],
  "sip-heplify-websocket-rpid.pcap": [
    [
      "kovfhoptshgn59q712sr",
      party({ user: "12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX" }),
    ],
    [
      "926ffd16-6154-1237-09ba-0270b3230128",
      party({ number: "+12675941249", user: "+12675941249", source: "remote-party-id" }),
    ],
  ],
  "sip-nb6-ims-call-sip-only.pcap": [
    ["1135D8701739D86@10.251.23.139", party({ number: "+33360653674", user: "+33360653674" })],
  ],
  "sip-ndpi-sip.pcap": [
    ["105090259-446faf7a@192.168.1.2", party({ number: "816666", user: "816666", name: "arik" })],
    ["85216695-42dcdb1d@192.168.1.2", party({ user: "voi18062", name: "arik" })],
    [
      "24487391-449bf2a0@192.168.1.2",
      party({ number: "35104723", user: "35104723", name: "arik" }),
    ],
    [
      "11894297-4432a9f8@192.168.1.2",
      party({ number: "35104723", user: "35104723", name: "arik" }),
    ],
  ],
  "sip-DTMFsipinfo.pcap": [
    [
      "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
      party({ user: "admind", name: "sam netmon" }),
    ],
  ],
  "sip-SIP_DTMF2-sip-only.pcap": [
    ["5514@192.168.105.110", party({ number: "2502", user: "2502" })],
    ["25672@192.168.105.110", party({ number: "2502", user: "2502" })],
  ],
  "sip-MagicJack-short-call-sip-only.pcap": [
    [
      "C5570127C1A6A1ABF7ED9DB9AD608CE00xc0a8000a",
      party({ user: "E646657195201", anonymous: true }),
    ],
  ],
  "sip-FAX-t38-sip-only.pcap": [
    [
      "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
      party({ user: "unavailable", unavailable: true }),
    ],
    [
      "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
      party({ user: "unavailable", unavailable: true }),
    ],
  ],
  "sip-protos-c07-r2.converted.pcap": [["0@localhost", party({ user: "ann", name: "0" })]],
  "sip-zeek-junk-before-request.pcap": [],
};

describe("the caller of each call in the SIP/UDP captures", () => {
  it.each(Object.entries(CALLERS))("%s", (file, expected) => {
    const { invites } = replay(file, ORACLE[file]?.ports ?? [5060]);
    const first = new Map<string, SipParty>();
    for (const invite of invites) {
      const callId = invite.headers.get("call-id") ?? "";
      if (!first.has(callId)) first.set(callId, callerOf(invite));
    }
    expect([...first]).toEqual(expected);
  });
});

describe("PROTOS c07 fuzzed INVITEs", () => {
  it("frame by frame and as one stream, nothing throws or hangs", () => {
    const { payloads } = replay("sip-protos-c07-r2.converted.pcap", [5060]);
    expect(payloads).toHaveLength(37);
    const stream = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of payloads) {
      stream.set(p, at);
      at += p.length;
    }
    const started = performance.now();
    let rest = stream;
    let messages = 0;
    while (rest.length > 0) {
      const answer = sipMessageLength(rest);
      if (answer === "incomplete") break;
      const advance = typeof answer === "number" ? answer : answer.skip;
      if (typeof answer === "number") {
        const parsed = parseSipMessage(rest.subarray(0, answer));
        expect(parsed.ok).toBe(true);
        messages++;
      }
      expect(advance).toBeGreaterThan(0);
      rest = rest.subarray(advance);
    }
    expect(messages).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
