/**
 * State tables for the MGCP call tracker on a fake clock: each case is a script of messages
 * (seconds since the start, who sent it, the text) and the events a user would see.
 */
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../../../src/core/calls/callEvent.js";
import { MgcpCallTracker } from "../../../src/core/calls/mgcpCallTracker.js";
import { parseMgcp } from "../../../src/core/mgcp/parseMgcp.js";

const T0 = Date.parse("2026-03-14T18:00:00Z");
const CA = "192.0.2.1";
const GW = "192.0.2.10";
type Step = [seconds: number, from: "ca" | "gw", text: string] | [seconds: number, "tick"];

function run(steps: Step[], tracker = new MgcpCallTracker()): CallEvent[] {
  const events: CallEvent[] = [];
  for (const step of steps) {
    const at = T0 + step[0] * 1000;
    if (step[1] === "tick") {
      events.push(...tracker.tick(at));
      continue;
    }
    const [src, dst] = step[1] === "ca" ? [CA, GW] : [GW, CA];
    const parsed = parseMgcp(new TextEncoder().encode(step[2]));
    expect(parsed.errors).toEqual([]);
    for (const message of parsed.messages) {
      events.push(...tracker.tick(at), ...tracker.handle(message, { src, dst, at }));
    }
  }
  return events;
}

/** The columns a user reads first: type, call, line, number, name, flags, time offset, reason. */
const summary = (events: CallEvent[]) =>
  events.map((e) => {
    const flags = [
      e.anonymous && "anonymous",
      e.unavailable && "unavailable",
      e.waiting && "waiting",
    ].filter(Boolean);
    return [
      e.type,
      e.callId,
      e.line,
      e.direction,
      e.number,
      e.name,
      flags.join(","),
      (e.at - T0) / 1000,
      e.reason,
    ];
  });

const ring = (tx: number, number = "0441234567", name = "Hans Muster", line = "aaln/1@mta") =>
  `RQNT ${tx} ${line} MGCP 1.0\nX: ${tx}\nR: L/hd(N)\nS: L/rg,L/ci(03/14/19/00,"${number}","${name}")\n`;
const notify = (tx: number, observed: string, line = "aaln/1@mta") =>
  `NTFY ${tx} ${line} MGCP 1.0\nX: 1\nO: ${observed}\n`;
const rqnt = (tx: number, signals: string, line = "aaln/1@mta") =>
  `RQNT ${tx} ${line} MGCP 1.0\nX: ${tx}\nR: L/hd(N)\nS: ${signals}\n`;

describe("incoming calls", () => {
  it("answered, then hung up", () => {
    const events = run([
      [0, "ca", ring(1)],
      [0.01, "gw", "200 1 OK\n"],
      [5, "gw", notify(100, "L/hd")],
      [5.1, "ca", rqnt(2, "")],
      [65, "gw", notify(101, "L/hu")],
      [65.1, "ca", "DLCX 3 aaln/1@mta MGCP 1.0\nC: A1\n"],
    ]);
    expect(summary(events)).toEqual([
      ["ringing", "c1", "aaln/1@mta", "incoming", "0441234567", "Hans Muster", "", 0, null],
      ["answered", "c1", "aaln/1@mta", "incoming", "0441234567", "Hans Muster", "", 5, null],
      ["ended", "c1", "aaln/1@mta", "incoming", "0441234567", "Hans Muster", "", 65, "hung-up"],
    ]);
    expect(events[0]?.networkTime).toBe("2026-03-14T19:00");
    expect(events[2]).toMatchObject({ startedAt: T0, answeredAt: T0 + 5000, endedAt: T0 + 65000 });
  });

  it.each([
    ["ring stopped by a later RQNT", [[12, "ca", rqnt(2, "")]] as Step[], 12, "ring-stopped"],
    [
      "DLCX before answer",
      [[12, "ca", "DLCX 2 aaln/1@mta MGCP 1.0\n"]] as Step[],
      12,
      "connection-deleted",
    ],
    [
      "no signalling within the ring time-out",
      [
        [179, "tick"],
        [180, "tick"],
      ] as Step[],
      180,
      "timeout",
    ],
    [
      "gateway restart",
      [[12, "gw", "RSIP 5 *@mta MGCP 1.0\nRM: restart\n"]] as Step[],
      12,
      "restart",
    ],
    [
      "the ring's own time-out",
      [
        [0.5, "ca", rqnt(2, "L/rg(to=30000)")],
        [31, "tick"],
      ] as Step[],
      30.5,
      "timeout",
    ],
  ])("missed: %s", (_, after, at, reason) => {
    const events = run([[0, "ca", ring(1)], ...after]);
    expect(summary(events).map((e) => [e[0], e[1], e[7], e[8]])).toEqual([
      ["ringing", "c1", 0, null],
      ["missed", "c1", at, reason],
    ]);
  });

  it("a graceful restart leaves the call alone", () => {
    const events = run([
      [0, "ca", ring(1)],
      [1, "gw", "RSIP 5 *@mta MGCP 1.0\nRM: graceful\n"],
    ]);
    expect(events.map((e) => e.type)).toEqual(["ringing"]);
  });

  it("anonymous and unavailable callers", () => {
    const events = run([
      [0, "ca", rqnt(1, 'L/rg,L/ci(03/14/19/00,"P",)')],
      [10, "ca", rqnt(2, "")],
      [20, "ca", rqnt(3, "L/rg,L/ci(03/14/19/00,O,O)")],
      [30, "ca", rqnt(4, "")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[4], e[6]])).toEqual([
      ["ringing", "c1", null, "anonymous"],
      ["missed", "c1", null, "anonymous"],
      ["ringing", "c2", null, "unavailable"],
      ["missed", "c2", null, "unavailable"],
    ]);
  });

  it("retransmissions never produce an event twice", () => {
    const tracker = new MgcpCallTracker();
    const events = run(
      [
        [0, "ca", ring(7)],
        [0.5, "ca", ring(7)],
        [1.5, "ca", ring(7)],
        [5, "gw", notify(100, "L/hd")],
        [5.4, "gw", notify(100, "L/hd")],
        [9, "gw", notify(101, "L/hu")],
        [9.4, "gw", notify(101, "L/hu")],
      ],
      tracker,
    );
    expect(events.map((e) => e.type)).toEqual(["ringing", "answered", "ended"]);
    expect(tracker.stats.retransmissions).toBe(4);
  });

  it("a transaction id reused after the 30 s history is a new command", () => {
    const events = run([
      [0, "ca", ring(7)],
      [10, "ca", rqnt(8, "")],
      [45, "ca", ring(7)],
    ]);
    expect(events.map((e) => [e.type, e.callId])).toEqual([
      ["ringing", "c1"],
      ["missed", "c1"],
      ["ringing", "c2"],
    ]);
  });

  it("the ring carried inside a CRCX, and a CRCX before the ring, belong to the call", () => {
    const events = run([
      [
        0,
        "ca",
        'CRCX 1 aaln/1@mta MGCP 1.0\nC: 9A\nM: recvonly\nS: L/rg,L/ci(03/14/19/00,"0311234567",)\n',
      ],
      [0.01, "gw", "200 1 OK\nI: 77\n"],
      [1, "ca", "DLCX 2 aaln/1@mta MGCP 1.0\nC: 9A\nI: 77\n"],
      [10, "ca", "CRCX 3 aaln/1@mta MGCP 1.0\nC: 9B\nM: recvonly\n"],
      [10.1, "ca", ring(4)],
      [11, "ca", "DLCX 5 aaln/1@mta MGCP 1.0\nC: 9B\n"],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[4], e[8]])).toEqual([
      ["ringing", "c1", "0311234567", null],
      ["missed", "c1", "0311234567", "connection-deleted"],
      ["ringing", "c2", "0441234567", null],
      ["missed", "c2", "0441234567", "connection-deleted"],
    ]);
  });

  it("a ring repeated with a new transaction id is the same call and learns a late caller id", () => {
    const events = run([
      [0, "ca", rqnt(1, "L/rg")],
      [4, "ca", ring(2)],
      [6, "gw", notify(100, "L/hd")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[4]])).toEqual([
      ["ringing", "c1", null],
      ["answered", "c1", "0441234567"],
    ]);
  });

  it("a ring while the line seemed busy closes the call whose hang-up was not seen", () => {
    const events = run([
      [0, "ca", ring(1)],
      [2, "gw", notify(100, "L/hd")],
      [600, "ca", ring(2, "0799999999", "")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[8]])).toEqual([
      ["ringing", "c1", null],
      ["answered", "c1", null],
      ["ended", "c1", "superseded"],
      ["ringing", "c2", null],
    ]);
  });

  it("endpoint names are case-folded and two lines ring at once", () => {
    const events = run([
      [0, "ca", ring(1, "0441111111", "One", "AALN/1@MTA")],
      [0.2, "ca", ring(2, "0442222222", "Two", "aaln/2@mta")],
      [3, "gw", notify(100, "L/hd", "aaln/1@mta")],
      [4, "ca", rqnt(3, "", "aaln/2@MTA")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[2], e[4]])).toEqual([
      ["ringing", "c1", "aaln/1@mta", "0441111111"],
      ["ringing", "c2", "aaln/2@mta", "0442222222"],
      ["answered", "c1", "aaln/1@mta", "0441111111"],
      ["missed", "c2", "aaln/2@mta", "0442222222"],
    ]);
  });

  it("the tick time-out does not fire before its deadline", () => {
    const tracker = new MgcpCallTracker({ ringTimeoutMs: 60_000 });
    run([[0, "ca", ring(1)]], tracker);
    expect(tracker.nextDeadline).toBe(T0 + 60_000);
    expect(tracker.tick(T0 + 59_999)).toEqual([]);
    expect(tracker.tick(T0 + 60_000).map((e) => e.type)).toEqual(["missed"]);
    expect(tracker.openCalls().size).toBe(0);
  });
});

describe("call waiting", () => {
  it("a second caller while talking rings as its own call, answered with a flash", () => {
    const events = run([
      [0, "ca", ring(1)],
      [3, "gw", notify(100, "L/hd")],
      [30, "ca", rqnt(2, 'L/wt1,L/ci(03/14/19/01,"0449876543","Anna Beispiel")')],
      [35, "gw", notify(101, "L/hf")],
      [90, "gw", notify(102, "L/hu")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[4], e[6], e[7]])).toEqual([
      ["ringing", "c1", "0441234567", "", 0],
      ["answered", "c1", "0441234567", "", 3],
      ["ringing", "c2", "0449876543", "waiting", 30],
      ["answered", "c2", "0449876543", "waiting", 35],
      ["ended", "c1", "0441234567", "", 90],
      ["ended", "c2", "0449876543", "waiting", 90],
    ]);
  });

  it("a waiting caller not taken before hang-up is rung again as the same call", () => {
    const events = run([
      [0, "ca", ring(1)],
      [3, "gw", notify(100, "L/hd")],
      [30, "ca", rqnt(2, 'L/wt,L/ci(03/14/19/01,"0449876543",)')],
      [40, "gw", notify(101, "L/hu")],
      [40.5, "ca", rqnt(3, 'L/rg,L/ci(03/14/19/01,"0449876543",)')],
      [45, "gw", notify(102, "L/hd")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[6]])).toEqual([
      ["ringing", "c1", ""],
      ["answered", "c1", ""],
      ["ringing", "c2", "waiting"],
      ["ended", "c1", ""],
      ["answered", "c2", ""],
    ]);
  });
});

describe("outgoing calls", () => {
  it("off-hook, digits, connection, answer, hang-up", () => {
    const events = run([
      [0, "gw", notify(100, "L/hd")],
      [
        0.1,
        "ca",
        "RQNT 1 aaln/1@mta MGCP 1.0\nX: 2\nR: D/[0-9#*T](D)\nS: L/dl\nD: (0T|00T|[1-9]xxxxxxxxx)\n",
      ],
      [6, "gw", notify(101, "D/0,D/4,D/4,D/1,D/2,D/3")],
      [7, "gw", notify(102, "D/4,D/5,D/6,D/7")],
      [7.1, "ca", "CRCX 2 aaln/1@mta MGCP 1.0\nC: 5\nM: recvonly\n"],
      [7.2, "ca", rqnt(3, "G/rt")],
      [15, "ca", "MDCX 4 aaln/1@mta MGCP 1.0\nC: 5\nI: 1\nM: sendrecv\n"],
      [75, "gw", notify(103, "L/hu")],
    ]);
    expect(summary(events).map((e) => [e[0], e[1], e[3], e[4], e[7], e[8]])).toEqual([
      ["outgoing", "c1", "outgoing", "0441234567", 7.1, null],
      ["answered", "c1", "outgoing", "0441234567", 15, null],
      ["ended", "c1", "outgoing", "0441234567", 75, "hung-up"],
    ]);
  });

  it("NCS digits without a package, and a hang-up before the connection", () => {
    const events = run([
      [0, "gw", notify(100, "hd")],
      [3, "gw", notify(101, "1,4,7")],
      [4, "gw", notify(102, "hu")],
    ]);
    expect(summary(events).map((e) => [e[0], e[4], e[8]])).toEqual([
      ["outgoing", "147", null],
      ["ended", "147", "hung-up"],
    ]);
  });

  it("lifting the handset and putting it down again is no call", () => {
    expect(
      run([
        [0, "gw", notify(100, "L/hd")],
        [3, "gw", notify(101, "L/hu")],
      ]),
    ).toEqual([]);
  });

  it("an off-hook line that dials nothing is forgotten after the dial time-out", () => {
    const tracker = new MgcpCallTracker({ dialTimeoutMs: 60_000 });
    expect(
      run(
        [
          [0, "gw", notify(100, "L/hd")],
          [61, "tick"],
        ],
        tracker,
      ),
    ).toEqual([]);
    expect(tracker.openCalls().size).toBe(0);
  });
});

describe("messages that are not about calls", () => {
  it("audits, wildcard notifications and unmatched responses give no events", () => {
    const tracker = new MgcpCallTracker();
    const events = run(
      [
        [0, "ca", "AUEP 81 AALN/S2/1@vg224 MGCP 0.1\nF: L,M\n"],
        [0, "gw", "200 81 \nL: p:10-20, a:PCMU\n"],
        [1, "gw", "NTFY 262662138 *@vg224 MGCP 0.1\nX: 0\nO: \n"],
        [2, "gw", "200 999 OK\n"],
        [3, "ca", "RQNT 9 *@vg224 MGCP 1.0\nS: L/rg\n"],
      ],
      tracker,
    );
    expect(events).toEqual([]);
    expect(tracker.stats.unmatchedResponses).toBe(1);
  });
});

describe("the line text from the endpoint name", () => {
  it("ESC, markup and 2,007 characters: cleaned and capped like a name; the call still ends", () => {
    const line = `\x1b[31m<b>AALN/1</b>@${"x".repeat(2007)}`;
    const events = run([
      [0, "ca", ring(1, "0441234567", "Hans Muster", line)],
      [5, "ca", rqnt(2, "", line)],
    ]);
    expect(events.map((e) => [e.type, e.number])).toEqual([
      ["ringing", "0441234567"],
      ["missed", "0441234567"],
    ]);
    expect(events[0]?.line).toMatch(/^\[31m aaln\/1 @x+$/);
    expect(events[0]?.line).toHaveLength(128);
    expect(events[1]?.line).toBe(events[0]?.line);
  });
});
