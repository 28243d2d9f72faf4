/**
 * The real SIP/UDP captures against tshark 4.0.17's reading of them (the SIP oracle tables in
 * test/fixtures/captures/real/README.md, as data in sip-invites.tshark.json): every INVITE, with the Call-ID, the From display as
 * written (quotes and trailing spaces included), From user and host, and the identity header
 * lines as they stand on the wire. Then the caller each call's first INVITE names.
 *
 * Left out here: the TCP 6060, SCTP and WebSocket captures and the two WebSocket frames (11, 18)
 * of sip-heplify-websocket-rpid.pcap, which need the stream transports. The metasploit INVITE
 * goes to UDP 10270 and the MagicJack call uses 5070, so those ports are listened to as well.
 * The zeek "junk" capture has no INVITE: its NUL bytes arrive as a datagram of their own.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Frame } from "../../src/core/capture/frame.js";
import { FrameDecoder } from "../../src/core/packet/decodeFrame.js";
import { callerOf, parseNameAddr, parseUri, type SipParty } from "../../src/core/sip/identity.js";
import { parseSipMessage, type SipMessage, sipMessageLength } from "../../src/core/sip/parseSip.js";
import { readCaptureFileSync } from "../../src/io/captureFileSource.js";
import { sipParty } from "../support/callFixtures.js";

// frame, Call-ID, From display, From user, From host, P-Asserted-Identity,
// P-Preferred-Identity, Remote-Party-ID, Privacy
type Row = [number, string, string, string, string, string, string, string, string];

interface Capture {
  ports: number[];
  invites: Row[];
}

/** tshark's rows, transcribed from the README's SIP oracle tables, one INVITE per line. */
const ORACLE = JSON.parse(
  readFileSync(
    new URL("../fixtures/captures/real/sip-invites.tshark.json", import.meta.url),
    "utf8",
  ),
) as Record<string, Capture>;

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

/** The caller of each call: the first INVITE of each Call-ID (later ones are re-INVITEs or hops). */
const CALLERS: Record<string, [string, SipParty][]> = {
  "sip-metasploit-invite-spoof.pcap": [["14810.0.1.45", sipParty({ name: "testtest" })]],
  "sip-rtp-opus-hybrid.pcap": [
    // The 200 OK's Remote-Party-ID ("test", party=calling) is the callee and is never read.
    ["1-4237@10.0.2.20", sipParty({ user: "sipp", name: "opus/48000/2" })],
  ],
  "sip-heplify-websocket-rpid.pcap": [
    [
      "kovfhoptshgn59q712sr",
      sipParty({ user: "12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX" }),
    ],
    [
      "926ffd16-6154-1237-09ba-0270b3230128",
      sipParty({ number: "+12675941249", user: "+12675941249", source: "remote-party-id" }),
    ],
  ],
  "sip-nb6-ims-call-sip-only.pcap": [
    ["1135D8701739D86@10.251.23.139", sipParty({ number: "+33360653674", user: "+33360653674" })],
  ],
  "sip-ndpi-sip.pcap": [
    [
      "105090259-446faf7a@192.168.1.2",
      sipParty({ number: "816666", user: "816666", name: "arik" }),
    ],
    ["85216695-42dcdb1d@192.168.1.2", sipParty({ user: "voi18062", name: "arik" })],
    [
      "24487391-449bf2a0@192.168.1.2",
      sipParty({ number: "35104723", user: "35104723", name: "arik" }),
    ],
    [
      "11894297-4432a9f8@192.168.1.2",
      sipParty({ number: "35104723", user: "35104723", name: "arik" }),
    ],
  ],
  "sip-DTMFsipinfo.pcap": [
    [
      "2091060b-146f-e011-809a-0019cb53db77@admind-desktop",
      sipParty({ user: "admind", name: "sam netmon" }),
    ],
  ],
  "sip-SIP_DTMF2-sip-only.pcap": [
    ["5514@192.168.105.110", sipParty({ number: "2502", user: "2502" })],
    ["25672@192.168.105.110", sipParty({ number: "2502", user: "2502" })],
  ],
  "sip-MagicJack-short-call-sip-only.pcap": [
    [
      "C5570127C1A6A1ABF7ED9DB9AD608CE00xc0a8000a",
      sipParty({ user: "E646657195201", anonymous: true }),
    ],
  ],
  "sip-FAX-t38-sip-only.pcap": [
    [
      "00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25",
      sipParty({ user: "unavailable", unavailable: true }),
    ],
    [
      "SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1",
      sipParty({ user: "unavailable", unavailable: true }),
    ],
  ],
  "sip-protos-c07-r2.converted.pcap": [["0@localhost", sipParty({ user: "ann", name: "0" })]],
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
