import { describe, expect, it } from "vitest";
import {
  calledOf,
  callerOf,
  dialogKey,
  parseNameAddr,
  parseUri,
  phoneNumber,
  type SipParty,
  splitOutside,
} from "../../../src/core/sip/identity.js";
import { parseSipMessage, type SipMessage } from "../../../src/core/sip/parseSip.js";
import { sipParty } from "../../support/callFixtures.js";

type Request = SipMessage & { kind: "request" };

const parse = (text: string): SipMessage => {
  const result = parseSipMessage(new TextEncoder().encode(text));
  if (!result.ok) throw new Error(result.code);
  return result.message;
};
const invite = (headers: string[], requestUri = "sip:699818@10.186.205.131"): Request => {
  const message = parse(
    `INVITE ${requestUri} SIP/2.0\r\n${headers.join("\r\n")}\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n`,
  );
  if (message.kind !== "request") throw new Error("not a request");
  return message;
};

describe("splitOutside and parseNameAddr (RFC 3261 §20.10, §25.1)", () => {
  it("never splits inside quotes, escapes or <>", () => {
    expect(splitOutside('"Воронеж, IT" <sip:562735@maxus.lan>, <tel:+7;a=b,c>', ",")).toEqual([
      '"Воронеж, IT" <sip:562735@maxus.lan>',
      " <tel:+7;a=b,c>",
    ]);
    expect(splitOutside('"a \\", b" <sip:x@y>,<sip:z@w>', ",")).toEqual([
      '"a \\", b" <sip:x@y>',
      "<sip:z@w>",
    ]);
  });

  it.each([
    // value, displayText (as tshark shows it), displayName, uri, params
    [
      '"sam netmon " <sip:admind@178.45.73.241>;tag=bc86',
      '"sam netmon "',
      "sam netmon ",
      "sip:admind@178.45.73.241",
      { tag: "bc86" },
    ],
    [
      "2502 <sip:2502@192.168.105.105>;tag=4159",
      "2502 ",
      "2502",
      "sip:2502@192.168.105.105",
      { tag: "4159" },
    ],
    ['"testtest"<sip:10.0.1.199>', '"testtest"', "testtest", "sip:10.0.1.199", {}],
    [
      '"unknown"<sip:E646657195201@talk4free.com>',
      '"unknown"',
      "unknown",
      "sip:E646657195201@talk4free.com",
      {},
    ],
    [
      "<sip:unavailable@hostportion>;tag=00e9d478",
      "",
      null,
      "sip:unavailable@hostportion",
      { tag: "00e9d478" },
    ],
    ["sip:sipp@10.0.2.20:5060", "", null, "sip:sipp@10.0.2.20:5060", {}],
    ["sip:alice@atlanta.com;tag=88sja8x", "", null, "sip:alice@atlanta.com", { tag: "88sja8x" }],
    [
      '"Joe \\"JJ\\" Smith \\\\" <sip:joe@x>',
      '"Joe \\"JJ\\" Smith \\\\"',
      'Joe "JJ" Smith \\',
      "sip:joe@x",
      {},
    ],
    ['"" <sip:x@y>', '""', "", "sip:x@y", {}],
    [
      '"+12675941249" <sip:+12675941249@10.243.0.143>;party=calling;screen=yes;privacy=off',
      '"+12675941249"',
      "+12675941249",
      "sip:+12675941249@10.243.0.143",
      { party: "calling", screen: "yes", privacy: "off" },
    ],
    ['<sip:a@b>;Privacy="uri,name";flag', "", null, "sip:a@b", { privacy: "uri,name", flag: "" }],
  ])("reads %j", (value, displayText, displayName, uri, params) => {
    const addr = parseNameAddr(value);
    expect(addr).toMatchObject({ displayText, displayName, uri });
    expect(Object.fromEntries(addr?.params ?? [])).toEqual(params);
  });

  it.each(['"unterminated <sip:a@b>', "name <sip:a@b", "no uri here", "", '"x" <>'])(
    "gives null for %j",
    (value) => {
      expect(parseNameAddr(value)).toBeNull();
    },
  );
});

describe("parseUri and phoneNumber (RFC 3261 §19.1, RFC 3966)", () => {
  it.each([
    ["sip:sipp@10.0.2.20:5060", "sip", "sipp", "10.0.2.20", {}],
    ["sip:@maxus.lan", "sip", "", "maxus.lan", {}],
    ["sip:invalid.unknown.domain", "sip", null, "invalid.unknown.domain", {}],
    [
      "SIPS:alice:secret@Example.com:5061;transport=tls?subject=x",
      "sips",
      "alice",
      "Example.com",
      { transport: "tls" },
    ],
    [
      "sip:+33360653674@ims.mnc010.mcc208.3gppnetwork.org;user=phone",
      "sip",
      "+33360653674",
      "ims.mnc010.mcc208.3gppnetwork.org",
      { user: "phone" },
    ],
    ["sip:bob@[2001:db8::1]:5060;lr", "sip", "bob", "[2001:db8::1]", { lr: "" }],
    ["sip:%2B41%2044%20123@x", "sip", "+41 44 123", "x", {}],
    ["sip:caf%C3%A9%zz@x", "sip", "café%zz", "x", {}],
    ["tel:9171969136;phone-context=+7", "tel", "9171969136", null, { "phone-context": "+7" }],
    ["tel:+1-201-555-0123", "tel", "+1-201-555-0123", null, {}],
    ["urn:service:sos", "urn", null, null, {}],
  ])("reads %j", (uri, scheme, user, host, params) => {
    const parsed = parseUri(uri);
    expect(parsed).toMatchObject({ scheme, user, host });
    expect(Object.fromEntries(parsed?.params ?? [])).toEqual(params);
  });

  it.each(["no-scheme", ":x", "1sip:a@b"])("gives null for %j", (uri) => {
    expect(parseUri(uri)).toBeNull();
  });

  it.each([
    ["+12675941249", null, "+12675941249"],
    ["0360653674", null, "0360653674"],
    ["+1-201-(555).0123", null, "+12015550123"],
    ["+41 44 123", null, "+4144123"],
    ["9171969136", "+7", "+79171969136"],
    ["863-1234", "+1-914-555", "+19145558631234"],
    ["0301234", "+49", "0301234"],
    ["7042", "example.com", "7042"],
    ["+4144;npdi;rn=+4155", null, "+4144"],
    ["9171969136;phone-context=+7", null, "+79171969136"],
    ["E646657195201", null, null],
    ["12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX", null, null],
    ["061963177-ikhuuep5bi123", null, null],
    ["anonymous", null, null],
    ["", null, null],
    ["+", null, null],
    ["1".repeat(33), null, null],
  ])("phoneNumber(%j, context %j) is %j", (user, context, expected) => {
    const params = new Map(context === null ? [] : [["phone-context", context]]);
    expect(phoneNumber(user, params)).toBe(expected);
  });
});

/**
 * Every From / PAI / RPID / Privacy shape in the facts file §7 and the capture README, with
 * the caller it means. Frame numbers refer to test/fixtures/captures/real/.
 */
const CALLERS: [string, string[], SipParty][] = [
  [
    "metasploit frame 1: spoofed display, From with no user part",
    ['From: "testtest"<sip:10.0.1.199>'],
    sipParty({ name: "testtest" }),
  ],
  [
    "opus-hybrid frame 1: SIPp, a display that is no number",
    ['From: "opus/48000/2" <sip:sipp@10.0.2.20:5060>;tag=1'],
    sipParty({ user: "sipp", name: "opus/48000/2" }),
  ],
  [
    "sctp-pai frame 2: PAI sip + tel without spaces; the tel URI wins and gets its context",
    [
      "From:<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>;tag=9Ub.i1YV7Yag2._5",
      "P-Asserted-Identity:<sip:9171969136@astrakhan.megafonvolga.ru;user=phone>,<tel:9171969136;phone-context=+7>",
    ],
    sipParty({ number: "+79171969136", user: "9171969136", source: "p-asserted-identity" }),
  ],
  [
    "websocket frame 20: WebRTC leg with an opaque user id",
    [
      "From: <sip:12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX@dev-mike.tncp.textnow.com>;tag=8pamukqsoe",
    ],
    sipParty({ user: "12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX" }),
  ],
  [
    "websocket frame 26: Remote-Party-ID party=calling, privacy=off",
    [
      'From: "+12675941249" <sip:+12675941249@10.243.0.143>;tag=jSvFv18y0pmZD',
      'Remote-Party-ID: "+12675941249" <sip:+12675941249@10.243.0.143>;party=calling;screen=yes;privacy=off',
    ],
    sipParty({ number: "+12675941249", user: "+12675941249", source: "remote-party-id" }),
  ],
  [
    "tcp6060 frame 2: PAI with a UTF-8 name, Privacy: none",
    [
      'From: "Псков-5" <sip:540454@maxus.lan>;tag=a',
      "Privacy: none",
      'P-Asserted-Identity: "Псков-5" <sip:540454@maxus.lan>',
    ],
    sipParty({ number: "540454", user: "540454", name: "Псков-5", source: "p-asserted-identity" }),
  ],
  [
    "tcp6060 frame 35: a display that is the national form of the number",
    [
      'From: "9263776264" <sip:79263776264@maxus.lan>;tag=a',
      "Privacy: none",
      'P-Asserted-Identity: "9263776264" <sip:79263776264@maxus.lan>',
    ],
    sipParty({ number: "79263776264", user: "79263776264", source: "p-asserted-identity" }),
  ],
  [
    "tcp6060 frame 47: anonymous, empty user part, Privacy: id",
    [
      'From: "unknown" <sip:maxus.lan>;tag=4XmUHZgSmS7DF',
      "Privacy: id",
      'P-Asserted-Identity: "unknown" <sip:@maxus.lan>',
    ],
    sipParty({ user: "", anonymous: true, source: "p-asserted-identity" }),
  ],
  [
    "tcp6060 frame 104: a comma inside the quoted display name",
    [
      'From: "Воронеж, IT" <sip:562735@maxus.lan>;tag=7r05pg33Bma6H',
      "Privacy: none",
      'P-Asserted-Identity: "Воронеж, IT" <sip:562735@maxus.lan>',
    ],
    sipParty({
      number: "562735",
      user: "562735",
      name: "Воронеж, IT",
      source: "p-asserted-identity",
    }),
  ],
  [
    "tcp6060 frame 377: PAI without Privacy from the other direction",
    [
      'From: "Belyaev Mihail" <sip:499701@invalid.unknown.domain>;tag=a',
      'P-Asserted-Identity: "Belyaev Mihail" <sip:499701@invalid.unknown.domain>',
    ],
    sipParty({
      number: "499701",
      user: "499701",
      name: "Belyaev Mihail",
      source: "p-asserted-identity",
    }),
  ],
  [
    "tcp6060 UPDATE-style PAI with no user part: no number, its name, nothing better",
    [
      'From: "ES_TT_MM" <sip:invalid.unknown.domain>;tag=a',
      'P-Asserted-Identity: "ES_TT_MM" <sip:invalid.unknown.domain>',
    ],
    sipParty({ name: "ES_TT_MM", source: "p-asserted-identity" }),
  ],
  [
    "a user-less PAI yields to a From with a number",
    [
      'From: "Alice" <sip:+41441234567@x>;tag=a',
      'P-Asserted-Identity: "ES_TT_MM" <sip:invalid.unknown.domain>',
    ],
    sipParty({ number: "+41441234567", user: "+41441234567", name: "Alice" }),
  ],
  [
    "nb6 frame 1: national display vs E.164 user, P-Preferred-Identity not used",
    [
      'From: "0360653674" <sip:+33360653674@ims.mnc010.mcc208.3gppnetwork.org;user=phone>;tag=66891B8',
      "P-Preferred-Identity: <sip:+33360653674@ims.mnc010.mcc208.3gppnetwork.org;user=phone>",
    ],
    sipParty({ number: "+33360653674", user: "+33360653674" }),
  ],
  [
    "ndpi frame 22: a plain name",
    ['From: "arik" <sip:816666@voip.brurjula.net>;tag=6433ef9'],
    sipParty({ number: "816666", user: "816666", name: "arik" }),
  ],
  [
    "DTMFsipinfo frame 1: a trailing space inside the quotes",
    ['From: "sam netmon " <sip:admind@178.45.73.241>;tag=bc86060b'],
    sipParty({ user: "admind", name: "sam netmon" }),
  ],
  [
    "SIP_DTMF2 frame 7: an unquoted token display that repeats the number",
    ["From: 2502 <sip:2502@192.168.105.105>;tag=4159"],
    sipParty({ number: "2502", user: "2502" }),
  ],
  [
    'MagicJack frame 1: display "unknown", a non-numeric user',
    ['From: "unknown" <sip:E646657195201@talk4free.com>;tag=2afc8c735218176'],
    sipParty({ user: "E646657195201", anonymous: true }),
  ],
  [
    "MagicJack: no space before <",
    ['From: "unknown"<sip:E646657195201@talk4free.com>;tag=2'],
    sipParty({ user: "E646657195201", anonymous: true }),
  ],
  [
    "FAX frame 1: unavailable@hostportion",
    ["From: <sip:unavailable@hostportion>;tag=00e9d478"],
    sipParty({ user: "unavailable", unavailable: true }),
  ],
  [
    "FAX frame 21: user=phone with a trunk 0",
    ["From: <sip:061963177@italtel.it;user=phone>;tag=6172"],
    sipParty({ number: "061963177", user: "061963177" }),
  ],
  [
    "PROTOS frame 3: a one-character token display",
    ["From: 0 <sip:ann@localhost>;tag=0"],
    sipParty({ user: "ann", name: "0" }),
  ],
  [
    "RFC 3325 withheld: anonymous From, asserted number, Privacy: id — number kept, marked",
    [
      'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
      "P-Asserted-Identity: <sip:+41441234567@carrier.example;user=phone>",
      "Privacy: id;critical",
    ],
    sipParty({
      number: "+41441234567",
      user: "+41441234567",
      anonymous: true,
      source: "p-asserted-identity",
    }),
  ],
  [
    "an anonymous From alone withholds even without a Privacy header",
    [
      'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
      "P-Asserted-Identity: <tel:+41441234567>",
    ],
    sipParty({
      number: "+41441234567",
      user: "+41441234567",
      anonymous: true,
      source: "p-asserted-identity",
    }),
  ],
  [
    "Privacy: header withholds",
    ['From: "Bob" <sip:+41441234567@x>;tag=1', "Privacy: header"],
    sipParty({ number: "+41441234567", user: "+41441234567", name: "Bob", anonymous: true }),
  ],
  [
    "Privacy: session does not",
    ['From: "Bob" <sip:+41441234567@x>;tag=1', "Privacy: session"],
    sipParty({ number: "+41441234567", user: "+41441234567", name: "Bob" }),
  ],
  [
    "RPID privacy=full withholds",
    ["From: <sip:x@y>;tag=1", 'Remote-Party-ID: "Eve" <sip:5551234@gw>;party=calling;privacy=full'],
    sipParty({
      number: "5551234",
      user: "5551234",
      name: "Eve",
      anonymous: true,
      source: "remote-party-id",
    }),
  ],
  [
    "RPID privacy=uri withholds",
    ["From: <sip:x@y>;tag=1", 'Remote-Party-ID: "Eve" <sip:5551234@gw>;party=calling;privacy=uri'],
    sipParty({
      number: "5551234",
      user: "5551234",
      name: "Eve",
      anonymous: true,
      source: "remote-party-id",
    }),
  ],
  [
    "RPID privacy=name withholds only the name",
    [
      'From: "Eve" <sip:5551234@gw>;tag=1',
      'Remote-Party-ID: "Eve" <sip:5551234@gw>;party=calling;privacy=name',
    ],
    sipParty({ number: "5551234", user: "5551234", source: "remote-party-id" }),
  ],
  [
    "RPID party=called is the callee, and RPID without party is the caller",
    [
      'From: "Front" <sip:100@x>;tag=1',
      'Remote-Party-ID: "Callee" <sip:200@x>;party=called',
      'Remote-Party-ID: "Caller" <sip:300@x>;screen=yes',
    ],
    sipParty({ number: "300", user: "300", name: "Caller", source: "remote-party-id" }),
  ],
  [
    "PAI outranks RPID, which outranks From",
    [
      'From: "F" <sip:100@x>;tag=1',
      'Remote-Party-ID: "R" <sip:200@x>;party=calling',
      'P-Asserted-Identity: "P" <sip:300@x>',
    ],
    sipParty({ number: "300", user: "300", name: "P", source: "p-asserted-identity" }),
  ],
  [
    "a nameless tel PAI borrows the name of the sip PAI with the same number",
    [
      "From: <sip:x@y>;tag=1",
      'P-Asserted-Identity: "Anna" <sip:0441234567@carrier>, <tel:+41441234567>',
    ],
    sipParty({
      number: "+41441234567",
      user: "+41441234567",
      name: "Anna",
      source: "p-asserted-identity",
    }),
  ],
  [
    "a nameless PAI borrows the From name of the same number, not of another",
    ['From: "Anna" <sip:+41441234567@x>;tag=1', "P-Asserted-Identity: <sip:+41441234567@carrier>"],
    sipParty({
      number: "+41441234567",
      user: "+41441234567",
      name: "Anna",
      source: "p-asserted-identity",
    }),
  ],
  [
    "…and not the name of a different number",
    ['From: "Anna" <sip:+41449999999@x>;tag=1', "P-Asserted-Identity: <sip:+41441234567@carrier>"],
    sipParty({ number: "+41441234567", user: "+41441234567", source: "p-asserted-identity" }),
  ],
  [
    "PAI split over two header lines",
    [
      "From: <sip:x@y>;tag=1",
      "P-Asserted-Identity: <sip:alice@carrier>",
      "P-Asserted-Identity: <tel:+41441234567>",
    ],
    sipParty({ number: "+41441234567", user: "+41441234567", source: "p-asserted-identity" }),
  ],
  [
    'user "restricted" withholds',
    ['From: "Someone" <sip:restricted@gw>;tag=1'],
    sipParty({ user: "restricted", name: "Someone", anonymous: true }),
  ],
  [
    'display "Withheld" with no number withholds',
    ['From: "Withheld" <sip:gw.example>;tag=1'],
    sipParty({ anonymous: true }),
  ],
  [
    'display "Unknown" beside a real number is only a missing name',
    ['From: "Unknown" <sip:+41441234567@gw>;tag=1'],
    sipParty({ number: "+41441234567", user: "+41441234567" }),
  ],
  [
    'display "Unavailable" with no number',
    ['From: "Unavailable" <sip:gw.example>;tag=1'],
    sipParty({ unavailable: true }),
  ],
  [
    "an anonymous and unavailable mix is anonymous only",
    ["From: <sip:unavailable@gw>;tag=1", "Privacy: id"],
    sipParty({ user: "unavailable", anonymous: true }),
  ],
  [
    "compact From, tel URI in From, percent-encoded and separated digits",
    ["f: <tel:+41-44-123%2045%2067>;tag=1"],
    sipParty({ number: "+41441234567", user: "+41-44-123 45 67" }),
  ],
  [
    "markup and control characters are cleaned out of names",
    ['From: "<b>Bad</b>\u0007 Name" <sip:100@x>;tag=1'],
    sipParty({ number: "100", user: "100", name: "Bad Name" }),
  ],
  [
    "an unquoted From display with a comma stays one name",
    ["From: Doe, John <sip:100@x>;tag=1"],
    sipParty({ number: "100", user: "100", name: "Doe, John" }),
  ],
  ["no From at all", ["To: <sip:a@b>"], sipParty({})],
  ["an unparseable From", ["From: garbage"], sipParty({})],
];

describe("callerOf: precedence, privacy, anonymity (facts §7)", () => {
  it.each(CALLERS)("%s", (_name, headers, expected) => {
    expect(callerOf(invite(headers))).toEqual(expected);
  });

  it("never reads the caller from a response (FreeSWITCH 200 OK with RPID party=calling)", () => {
    const response = parse(
      'SIP/2.0 200 OK\r\nFrom: "opus/48000/2" <sip:sipp@10.0.2.20:5060>;tag=1\r\nRemote-Party-ID: "test" <sip:test@10.0.2.15>;party=calling;privacy=off;screen=no\r\nCall-ID: 1\r\n\r\n',
    );
    expect(callerOf(response as Request)).toEqual(sipParty({}));
  });

  it("caps a long name", () => {
    const caller = callerOf(invite([`From: "${"n".repeat(200)}" <sip:100@x>;tag=1`]));
    expect(caller.name).toHaveLength(64);
  });
});

describe("calledOf", () => {
  it.each([
    [
      "the Request-URI user",
      "sip:+41441234567@gw",
      "To: <sip:other@gw>",
      "+41441234567",
      "+41441234567",
    ],
    ["a tel Request-URI", "tel:+41441234567", "To: <sip:x@y>", "+41441234567", "+41441234567"],
    [
      "the To number when the Request-URI user is a label (FAX frame 1)",
      "sip:061963177-ikhuuep5bi123@10.35.60.100:5060;transport=udp",
      "To:  <sip:061963177@italtel.it;user=phone>",
      "061963177",
      "061963177",
    ],
    [
      "the To number when the Request-URI has no user",
      "sip:gw.example",
      "To: <sip:2504@gw>",
      "2504",
      "2504",
    ],
    [
      "the first user when nothing is a number",
      "sip:echo@iptel.org",
      "To: <sip:echo@iptel.org>",
      null,
      "echo",
    ],
    [
      "nothing when no URI has a user (metasploit frame 1)",
      "sip:@127.0.0.1",
      "To: <sip:10.0.1.45>",
      null,
      null,
    ],
    ["the Request-URI even without a To", "sip:147@ims;user=phone", "X-No-To: 1", "147", "147"],
  ])("takes %s", (_name, requestUri, to, number, user) => {
    expect(calledOf(invite([to], requestUri))).toEqual({ number, user });
  });
});

describe("dialogKey", () => {
  it("reads Call-ID, CSeq and both tags, compact forms included", () => {
    const message = parse(
      'SIP/2.0 180 Ringing\r\ni:  abc@host \r\nCSeq: 130689518  invite\r\nf: "A, B" <sip:a@b;tag=uri-param>;tag=from1\r\nt: <sip:c@d>;tag=to1\r\n\r\n',
    );
    expect(dialogKey(message)).toEqual({
      callId: "abc@host",
      cseq: 130689518,
      cseqMethod: "INVITE",
      fromTag: "from1",
      toTag: "to1",
    });
  });

  it("gives null tags for an initial INVITE and null CSeq parts when malformed", () => {
    const message = parse(
      "INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: many\r\nFrom: <sip:a@b>;tag=\r\n\r\n",
    );
    expect(dialogKey(message)).toEqual({
      callId: "x",
      cseq: null,
      cseqMethod: null,
      fromTag: null,
      toTag: null,
    });
  });

  it.each([
    ["4294967295", 4294967295],
    ["4294967296", null],
    ["-1", null],
    ["", null],
  ])("reads CSeq %j as %j", (sequence, cseq) => {
    const message = parse(
      `INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: ${sequence} INVITE\r\n\r\n`,
    );
    expect(dialogKey(message)?.cseq).toBe(cseq);
  });

  it("is null without a Call-ID", () => {
    expect(dialogKey(parse("INVITE sip:a@b SIP/2.0\r\nCall-ID:  \r\n\r\n"))).toBeNull();
    expect(dialogKey(parse("INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n"))).toBeNull();
  });
});
