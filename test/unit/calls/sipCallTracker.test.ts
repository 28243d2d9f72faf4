/** State tables for the SIP call tracker: messages (seconds, from, text) in, call events out. */
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../../../src/core/calls/callEvent.js";
import { SipCallTracker } from "../../../src/core/calls/sipCallTracker.js";
import { parseSipMessage } from "../../../src/core/sip/parseSip.js";

const T0 = Date.parse("2026-03-14T18:00:00Z");
const PROVIDER = "198.51.100.5";
const ATA = "192.0.2.10";

function invite(
  callId: string,
  options: { from?: string; to?: string; cseq?: number; headers?: string[]; toTag?: string } = {},
): string {
  return [
    `INVITE sip:${options.to ?? "0441112233"}@ata.example SIP/2.0`,
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK1",
    `From: ${options.from ?? '"Hans Muster" <sip:0449876543@provider.example>'};tag=a1`,
    `To: <sip:${options.to ?? "0441112233"}@ata.example>${options.toTag ? `;tag=${options.toTag}` : ""}`,
    `Call-ID: ${callId}`,
    `CSeq: ${options.cseq ?? 1} INVITE`,
    ...(options.headers ?? []),
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}
const response = (callId: string, status: number, reason: string, method = "INVITE", cseq = 1) =>
  [
    `SIP/2.0 ${status} ${reason}`,
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK1",
    '"Hans Muster" <sip:0449876543@provider.example>;tag=a1'.replace(/^/, "From: "),
    "To: <sip:0441112233@ata.example>;tag=b2",
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
const request = (method: string, callId: string, cseq = 2) =>
  [
    `${method} sip:0441112233@ata.example SIP/2.0`,
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK2",
    "From: <sip:0449876543@provider.example>;tag=a1",
    "To: <sip:0441112233@ata.example>;tag=b2",
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");

type Step = [seconds: number, from: "provider" | "ata", text: string];

function run(steps: Step[], tracker = new SipCallTracker({ ownAddresses: [ATA] })): CallEvent[] {
  const events: CallEvent[] = [];
  for (const [seconds, from, text] of steps) {
    const parsed = parseSipMessage(new TextEncoder().encode(text));
    if (!parsed.ok) throw new Error(`${parsed.code}: ${text}`);
    const [src, dst] = from === "provider" ? [PROVIDER, ATA] : [ATA, PROVIDER];
    const at = T0 + seconds * 1000;
    events.push(...tracker.tick(at), ...tracker.handle(parsed.message, { src, dst, at }));
  }
  return events;
}
const summary = (events: CallEvent[]) =>
  events.map((e) => [
    e.type,
    e.callId,
    e.line,
    e.direction,
    e.number,
    e.name,
    e.anonymous,
    (e.at - T0) / 1000,
    e.reason,
  ]);

describe("incoming SIP calls", () => {
  it("answered, then hung up; retransmissions and the ACK change nothing", () => {
    const events = run([
      [0, "provider", invite("c-1")],
      [0.5, "provider", invite("c-1")],
      [0.6, "ata", response("c-1", 100, "Trying")],
      [0.7, "ata", response("c-1", 180, "Ringing")],
      [0.9, "ata", response("c-1", 180, "Ringing")],
      [6, "ata", response("c-1", 200, "OK")],
      [6.1, "provider", request("ACK", "c-1", 1)],
      [60, "provider", request("BYE", "c-1")],
      [60.1, "ata", response("c-1", 200, "OK", "BYE", 2)],
    ]);
    expect(summary(events)).toEqual([
      [
        "ringing",
        "s1",
        "sip:0441112233",
        "incoming",
        "0449876543",
        "Hans Muster",
        false,
        0.7,
        null,
      ],
      ["answered", "s1", "sip:0441112233", "incoming", "0449876543", "Hans Muster", false, 6, null],
      [
        "ended",
        "s1",
        "sip:0441112233",
        "incoming",
        "0449876543",
        "Hans Muster",
        false,
        60,
        "hung-up",
      ],
    ]);
  });

  it.each([
    [
      "CANCEL",
      [
        [8, "provider", request("CANCEL", "c-2", 1)],
        [8.1, "ata", response("c-2", 487, "Request Terminated")],
      ] as Step[],
      8,
      "cancelled",
    ],
    [
      "487 alone",
      [[8, "ata", response("c-2", 487, "Request Terminated")]] as Step[],
      8,
      "cancelled",
    ],
    ["603 decline", [[8, "ata", response("c-2", 603, "Decline")]] as Step[], 8, "rejected"],
    [
      "480 unavailable",
      [[8, "ata", response("c-2", 480, "Temporarily Unavailable")]] as Step[],
      8,
      "rejected",
    ],
  ])("missed: %s", (_, after, at, reason) => {
    const events = run([
      [0, "provider", invite("c-2")],
      [0.2, "ata", response("c-2", 180, "Ringing")],
      ...after,
    ]);
    expect(summary(events).map((e) => [e[0], e[7], e[8]])).toEqual([
      ["ringing", 0.2, null],
      ["missed", at, reason],
    ]);
  });

  it("busy at once: missed without ringing, so nothing is announced", () => {
    const events = run([
      [0, "provider", invite("c-3")],
      [0.1, "ata", response("c-3", 486, "Busy Here")],
    ]);
    expect(summary(events).map((e) => [e[0], e[8]])).toEqual([["missed", "rejected"]]);
  });

  it("answered without a 180 seen: ringing, then answered", () => {
    const events = run([
      [0, "provider", invite("c-4")],
      [3, "ata", response("c-4", 200, "OK")],
    ]);
    expect(events.map((e) => e.type)).toEqual(["ringing", "answered"]);
  });

  it("withheld by Privacy: id — the number and name stay out", () => {
    const events = run([
      [
        0,
        "provider",
        invite("c-5", {
          from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
          headers: [
            'P-Asserted-Identity: "Hans" <sip:+41449876543@provider.example>',
            "Privacy: id",
          ],
        }),
      ],
      [0.2, "ata", response("c-5", 180, "Ringing")],
    ]);
    expect(summary(events)).toEqual([
      ["ringing", "s1", "sip:0441112233", "incoming", null, null, true, 0.2, null],
    ]);
  });

  it("re-INVITE and UPDATE in the dialog never change the caller or start a call", () => {
    const events = run([
      [0, "provider", invite("c-6")],
      [1, "ata", response("c-6", 200, "OK")],
      [
        30,
        "provider",
        invite("c-6", { from: '"Someone Else" <sip:0990000000@x>', cseq: 3, toTag: "b2" }),
      ],
      [31, "ata", response("c-6", 200, "OK", "INVITE", 3)],
    ]);
    expect(events.map((e) => [e.type, e.name])).toEqual([
      ["ringing", "Hans Muster"],
      ["answered", "Hans Muster"],
    ]);
  });

  it("two calls at once stay apart; the ring time-out misses one", () => {
    const tracker = new SipCallTracker({ ownAddresses: [ATA], ringTimeoutMs: 60_000 });
    const events = run(
      [
        [0, "provider", invite("c-7", { to: "0441112233" })],
        [
          0.1,
          "provider",
          invite("c-8", { to: "0445556677", from: "<sip:0791234567@provider.example>" }),
        ],
        [0.2, "ata", response("c-7", 180, "Ringing")],
        [0.3, "ata", response("c-8", 180, "Ringing")],
        [5, "ata", response("c-7", 200, "OK")],
        [70, "provider", request("BYE", "c-7")],
      ],
      tracker,
    );
    expect(summary(events).map((e) => [e[0], e[1], e[2], e[7], e[8]])).toEqual([
      ["ringing", "s1", "sip:0441112233", 0.2, null],
      ["ringing", "s2", "sip:0445556677", 0.3, null],
      ["answered", "s1", "sip:0441112233", 5, null],
      ["missed", "s2", "sip:0445556677", 60.1, "timeout"],
      ["ended", "s1", "sip:0441112233", 70, "hung-up"],
    ]);
  });
});

describe("outgoing SIP calls", () => {
  it("with an authentication challenge: one call, the dialled number", () => {
    const out = (cseq: number) =>
      invite("o-1", { from: "<sip:0441112233@ata.example>", to: "0449876543", cseq });
    const events = run([
      [0, "ata", out(1)],
      [0.1, "provider", response("o-1", 407, "Proxy Authentication Required")],
      [0.2, "ata", out(2)],
      [0.5, "provider", response("o-1", 180, "Ringing", "INVITE", 2)],
      [4, "provider", response("o-1", 200, "OK", "INVITE", 2)],
      [30, "ata", request("BYE", "o-1", 3)],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[2], e[3], e[4], e[7], e[8]])).toEqual([
      ["outgoing", "s1", "sip:0441112233", "outgoing", "0449876543", 0, null],
      ["answered", "s1", "sip:0441112233", "outgoing", "0449876543", 4, null],
      ["ended", "s1", "sip:0441112233", "outgoing", "0449876543", 30, "hung-up"],
    ]);
  });

  it("direction from the household's own numbers when no address is configured", () => {
    const tracker = new SipCallTracker({ ownNumbers: ["+41 44 111 22 33"] });
    const events = run(
      [[0, "ata", invite("o-2", { from: "<sip:0441112233@ata.example>", to: "0449876543" })]],
      tracker,
    );
    expect(events.map((e) => [e.type, e.direction, e.number])).toEqual([
      ["outgoing", "outgoing", "0449876543"],
    ]);
  });
});

describe("SIP scanners: an INVITE refused before it rang is no call", () => {
  it.each([
    [404, "Not Found"],
    [403, "Forbidden"],
    [488, "Not Acceptable Here"],
    [480, "Temporarily Unavailable"],
    [503, "Service Unavailable"],
    [603, "Decline"],
  ])("%i %s after 100 Trying: no event, counted, its retransmissions quiet", (status, reason) => {
    const tracker = new SipCallTracker({ ownAddresses: [ATA] });
    const events = run(
      [
        [0, "provider", invite("scan-1", { to: "100" })],
        [0.01, "ata", response("scan-1", 100, "Trying")],
        [0.02, "ata", response("scan-1", status, reason)],
        [0.5, "provider", invite("scan-1", { to: "100" })],
        [0.51, "ata", response("scan-1", status, reason)],
        [400, "provider", invite("scan-2", { to: "100" })],
        [400.01, "ata", response("scan-2", status, reason)],
      ],
      tracker,
    );
    expect(events).toEqual([]);
    expect(tracker.stats.refusedBeforeRinging).toBe(2);
    expect(tracker.nextDeadline).toBeGreaterThan(T0 + 400_000);
  });

  it("a challenge the caller never answers: no missed call when the ring time passes", () => {
    const tracker = new SipCallTracker({ ownAddresses: [ATA], ringTimeoutMs: 60_000 });
    const events = run(
      [
        [0, "provider", invite("scan-3", { to: "100" })],
        [0.01, "ata", response("scan-3", 401, "Unauthorized")],
        [120, "provider", invite("other", { to: "0441112233" })],
      ],
      tracker,
    );
    expect(events).toEqual([]);
    expect(tracker.stats.refusedBeforeRinging).toBe(1);
  });

  it("a challenge answered with credentials, then ringing: the call as before", () => {
    const events = run([
      [0, "provider", invite("c-9")],
      [0.01, "ata", response("c-9", 407, "Proxy Authentication Required")],
      [0.1, "provider", invite("c-9", { cseq: 2 })],
      [0.2, "ata", response("c-9", 180, "Ringing", "INVITE", 2)],
      [9, "ata", response("c-9", 480, "Temporarily Unavailable", "INVITE", 2)],
    ]);
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["ringing", null],
      ["missed", "rejected"],
    ]);
  });

  it.each([
    ["busy here", 486, {}],
    ["busy everywhere", 600, {}],
    ["refused, but to one of the household's numbers", 480, { ownNumbers: ["044 111 22 33"] }],
  ])("still a missed call without ringing: %s", (_, status, options) => {
    const tracker = new SipCallTracker({ ownAddresses: [ATA], ...options });
    const events = run(
      [
        [0, "provider", invite("c-10")],
        [0.1, "ata", response("c-10", status, "No")],
      ],
      tracker,
    );
    expect(events.map((e) => [e.type, e.line, e.number, e.reason])).toEqual([
      ["missed", "sip:0441112233", "0449876543", "rejected"],
    ]);
    expect(tracker.stats.refusedBeforeRinging).toBe(0);
  });

  it("487 before ringing is the caller cancelling, not a refusal: still missed", () => {
    const events = run([
      [0, "provider", invite("c-11")],
      [0.3, "ata", response("c-11", 487, "Request Terminated")],
    ]);
    expect(events.map((e) => [e.type, e.reason])).toEqual([["missed", "cancelled"]]);
  });
});

describe("the line text from the Request-URI and To user", () => {
  it("ESC, markup, an encoded NUL and 2,007 characters: cleaned and capped like a name", () => {
    const user = `%1b[31m<b>Hans</b>%00${"x".repeat(2007)}`;
    const events = run([
      [0, "provider", invite("c-12", { to: user })],
      [0.1, "ata", response("c-12", 180, "Ringing")],
    ]);
    const line = events[0]?.line ?? "";
    expect(line).toMatch(/^sip:\[31m hans x+$/);
    expect(line).toHaveLength("sip:".length + 128);
    expect(line).not.toMatch(/[\p{Cc}<>]/u);
  });

  it("an ordinary user is kept as it is, lower-cased", () => {
    const events = run([
      [0, "provider", invite("c-13", { to: "Office-1" })],
      [0.1, "ata", response("c-13", 180, "Ringing")],
    ]);
    expect(events[0]?.line).toBe("sip:office-1");
  });
});
