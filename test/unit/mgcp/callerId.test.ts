import { describe, expect, it } from "vitest";
import { callerIdDateTime, parseCallerId } from "../../../src/core/mgcp/callerId.js";
import { parseEventList } from "../../../src/core/mgcp/eventList.js";

/** Every shape of facts file §4.2, plus the seed's, as it appears inside an S: list. */
const SHAPES: [string, string, Partial<ReturnType<typeof parseCallerId>>][] = [
  [
    "Asterisk, unquoted",
    "L/rg,L/ci(10/14/17/26,5551234567,John Doe)",
    { number: "5551234567", name: "John Doe", anonymous: false, unavailable: false },
  ],
  [
    "Asterisk, nothing known",
    "L/rg,L/ci(10/14/17/26,,)",
    { number: null, name: null, anonymous: false, unavailable: false },
  ],
  [
    "Asterisk 1.0, missing name as O",
    "L/rg,L/ci(10/14/17/26,5551234567,O)",
    { number: "5551234567", name: null, unavailable: false },
  ],
  [
    "Sipura, no package, quoted",
    'rg, ci(02/16/08/29, "3035550002","Ale Sipura 2")',
    { number: "3035550002", name: "Ale Sipura 2" },
  ],
  [
    "PacketCable, quoted name",
    'rg, ci(01/02/03/04, 8675309, "Jenny Jenny")',
    { number: "8675309", name: "Jenny Jenny" },
  ],
  [
    "PacketCable, call waiting",
    'wt1, ci(01/02/03/04, 5551212, "Ronald Regan")',
    { number: "5551212", name: "Ronald Regan" },
  ],
  [
    "PacketCable, unavailable",
    "wt1, ci(01/01/01/01,O,O)",
    { number: null, name: null, unavailable: true, anonymous: false },
  ],
  [
    "RFC 3660 example",
    'ci(10/14/17/26, "555 1212", somebody)',
    { number: "5551212", name: "somebody" },
  ],
  [
    "seed: private",
    'L/rg,G/rt@0A3F,L/ci(01/02/12/30,"P",)',
    { number: null, anonymous: true, unavailable: false },
  ],
  [
    "seed: number only",
    'L/rg,G/rt@0A3F,L/ci(01/02/12/30,"0441234567",)',
    { number: "0441234567", name: null },
  ],
  [
    "unquoted name with commas",
    "L/ci(10/14/17/26,5551234567,Muster, Hans, Zürich)",
    { number: "5551234567", name: "Muster, Hans, Zürich" },
  ],
  [
    "quoted name with commas and quotes",
    'L/ci(10/14/17/26,"5551234567","Muster, ""Hansi"" (AG)")',
    { number: "5551234567", name: 'Muster, "Hansi" (AG)' },
  ],
  [
    "private name, number given",
    "L/ci(10/14/17/26,0441234567,P)",
    { number: "0441234567", name: null, anonymous: false },
  ],
  ["lower-case p", "L/ci(,p,)", { anonymous: true, number: null }],
  ["number with + and dashes", 'L/ci(,"+41-44 123 45 67",)', { number: "+41441234567" }],
  ["only two fields", "L/ci(10/14/17/26,5551234)", { number: "5551234", name: null }],
  ["only a number after an empty time", "L/ci(,5551234)", { number: "5551234" }],
  ["empty", "L/ci()", { number: null, name: null, timeText: null, time: null }],
  ["control characters and markup in a name", 'L/ci(,1,"A\tB\u0007<script>")', { name: "A B" }],
];

describe("caller id shapes", () => {
  it.each(SHAPES)("%s", (_, signalList, expected) => {
    const ci = parseEventList(signalList).find((s) => s.name === "ci");
    expect(ci?.pkg === null || ci?.pkg === "l").toBe(true);
    expect(parseCallerId(ci?.args ?? "")).toMatchObject(expected);
  });

  it("keeps an invalid time as text without failing", () => {
    expect(parseCallerId("13/40/25/61,1,x")).toMatchObject({
      timeText: "13/40/25/61",
      time: null,
      number: "1",
    });
    expect(parseCallerId("yesterday,1,x")).toMatchObject({ timeText: "yesterday", time: null });
  });

  it("caps a long name", () => {
    expect(parseCallerId(`,1,${"n".repeat(500)}`).name).toHaveLength(64);
  });
});

describe("caller id time gets its year from the packet", () => {
  const at = (iso: string) => Date.parse(iso);
  it.each([
    [
      "same month",
      { month: 6, day: 1, hour: 9, minute: 5 },
      "2026-06-01T07:05:00Z",
      "2026-06-01T09:05",
    ],
    [
      "December caller id, January packet",
      { month: 12, day: 31, hour: 23, minute: 59 },
      "2027-01-01T00:00:30Z",
      "2026-12-31T23:59",
    ],
    [
      "January caller id, December packet",
      { month: 1, day: 1, hour: 0, minute: 0 },
      "2026-12-31T23:00:00Z",
      "2027-01-01T00:00",
    ],
  ])("%s", (_, time, packet, expected) => {
    expect(callerIdDateTime(time, at(packet))).toBe(expected);
  });
});

describe("event lists", () => {
  it("splits nested actions, digit maps, connections and quotes", () => {
    const items = parseEventList(
      'L/hd(A, E(S(L/dl),R(L/oc,L/hu,D/[0-9#*T](D)))), G/rt@0A3F58, D/[0-9#*T](D), L/ci(1,"a,b)",c)',
    );
    expect(items.map((i) => [i.pkg, i.name, i.connection])).toEqual([
      ["l", "hd", null],
      ["g", "rt", "0A3F58"],
      ["d", "[0-9#*t]", null],
      ["l", "ci", null],
    ]);
    expect(items[0]?.args).toBe("A, E(S(L/dl),R(L/oc,L/hu,D/[0-9#*T](D)))");
    expect(items[3]?.args).toBe('1,"a,b)",c');
  });

  it("reads NCS digits without a package and ignores empty items", () => {
    expect(parseEventList(" 1,0, ,0,1").map((i) => i.name)).toEqual(["1", "0", "0", "1"]);
    expect(parseEventList("")).toEqual([]);
  });

  it("takes the rest of an unbalanced item as its arguments", () => {
    expect(parseEventList("L/ci(1,2,").at(0)).toMatchObject({ name: "ci", args: "1,2," });
  });
});

describe("odd caller text: the call keeps what is sound", () => {
  it("a number of thousands of digits is dropped, the name kept", () => {
    expect(parseCallerId(`,${"1".repeat(4000)},Hans`)).toMatchObject({
      number: null,
      name: "Hans",
    });
    expect(parseCallerId(`,${"1".repeat(32)},Hans`).number).toBe("1".repeat(32));
  });

  it("NUL, ESC and markup in the name are blanked; a long name is cut to 64 characters", () => {
    expect(parseCallerId(',0441234567,"\x1b[1mHans\0Muster</b>\0"').name).toBe("[1mHans Muster");
    expect(parseCallerId(`,0441234567,"${"Ä".repeat(5000)}"`)).toMatchObject({
      number: "0441234567",
      name: "Ä".repeat(64),
    });
  });
});
