/**
 * Who is calling, from an INVITE's identity headers (RFC 3261 §19.1, §20.10, §20.20, §20.39,
 * §25.1; RFC 3325 §9.1 P-Asserted-Identity; RFC 3323 Privacy; RFC 3966 tel; Remote-Party-ID,
 * draft-ietf-sip-privacy-04, never an RFC; facts file §7):
 *
 *   From / To     = ( name-addr / addr-spec ) *( ";" param )    params after an addr-spec are
 *                                                                header params (tag), not URI ones
 *   name-addr     = [ display-name ] *LWS "<" addr-spec ">"
 *   display-name  = quoted-string / *(token LWS)     "sam netmon " (trailing space), `2502 <sip:…>`,
 *                                                    `"testtest"<sip:…>` (no space), \" escapes, UTF-8
 *   PAI / RPID    = name-addr *( "," name-addr )     never split inside quotes or <>:
 *                                                    `"Воронеж, IT" <sip:562735@maxus.lan>`
 *   SIP-URI       = "sip:" / "sips:" [ user [ ":" password ] "@" ] host [ ":" port ] *( ";" p )
 *                   user may be empty (`sip:@maxus.lan`) or absent (`sip:invalid.unknown.domain`)
 *   tel URI       = "tel:" ( "+" digits / local-digits ";phone-context=" context ) *( ";" p )
 *                   visual separators - . ( ) are not digits; %XX is decoded
 *   RPID params   = ;party=calling|called ;privacy=off|full|name|uri|ipaddr ;screen=yes|no
 */
import { cleanText } from "../text/cleanText.js";
import type { SipMessage } from "./parseSip.js";

export interface SipParty {
  /** The user part when it is a telephone number: digits, optionally a leading "+". */
  number: string | null;
  /** The raw user part ("" when present but empty), null when the URI has none. */
  user: string | null;
  /** The display name, cleaned; null when empty, a privacy word, or only the number again. */
  name: string | null;
  anonymous: boolean;
  unavailable: boolean;
  source: "p-asserted-identity" | "remote-party-id" | "from";
}

export interface NameAddr {
  /** The display-name as written: a quoted-string with its quotes, or tokens with their LWS. */
  readonly displayText: string;
  /** Unquoted and unescaped, not yet cleaned; null when there is none. */
  readonly displayName: string | null;
  readonly uri: string;
  /** Header parameters (tag, party, privacy), names in lower case, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

export interface SipUri {
  /** Lower case: "sip", "sips", "tel", or another scheme (not read further). */
  readonly scheme: string;
  /** Percent-decoded; "" when present but empty; null when absent. */
  readonly user: string | null;
  /** As written, without the port; null for tel and unknown schemes. */
  readonly host: string | null;
  /** URI parameters (user=phone, phone-context), names in lower case. */
  readonly params: ReadonlyMap<string, string>;
}

export interface DialogKey {
  callId: string;
  cseq: number | null;
  cseqMethod: string | null;
  fromTag: string | null;
  toTag: string | null;
}

type InviteRequest = SipMessage & { kind: "request" };

const MAX_NAME_LENGTH = 64;
/** Longer digit strings are not telephone numbers (the same cap as caller/numbers.ts). */
const MAX_DIGITS = 32;
const VISUAL_SEPARATORS = /[-.() ]/g;
const PHONE_NUMBER = /^\+?\d+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** Users and display names that stand for a withheld identity (RFC 3323 §4.1.1.3, carriers). */
const ANONYMOUS_WORDS = new Set(["anonymous", "unknown", "restricted", "withheld", "private"]);
const UNAVAILABLE_WORDS = new Set(["unavailable", "out of area"]);
/** RFC 3323 §4.2 / RFC 3325 §9.3 values that withhold the identity; "none", "session" do not. */
const PRIVACY_WITHHOLDS = new Set(["id", "header", "user"]);

/** Splits on `separator` outside quoted strings (with \ escapes) and outside <…>. */
export function splitOutside(text: string, separator: "," | ";"): string[] {
  const parts: string[] = [];
  let quoted = false;
  let angle = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if (c === separator && !angle) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/** One From / To / PAI / RPID / Contact value; null when it has no URI to read. */
export function parseNameAddr(value: string): NameAddr | null {
  const text = value.trimStart();
  let displayText = "";
  let displayName: string | null = null;
  let rest = text;
  if (text.startsWith('"')) {
    let end = 1;
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    if (end >= text.length) return null;
    displayText = text.slice(0, end + 1);
    displayName = text.slice(1, end).replace(/\\(.)/gs, "$1");
    rest = text.slice(end + 1).trimStart();
  } else {
    const lt = text.indexOf("<");
    if (lt > 0) {
      displayText = text.slice(0, lt);
      displayName = displayText.trim() || null;
      rest = text.slice(lt);
    }
  }
  let uri: string;
  let paramText: string;
  if (rest.startsWith("<")) {
    const gt = rest.indexOf(">");
    if (gt < 0) return null;
    uri = rest.slice(1, gt).trim();
    paramText = rest.slice(gt + 1);
  } else {
    // addr-spec: every ";" parameter belongs to the header (RFC 3261 §20.10).
    const semicolon = rest.indexOf(";");
    uri = (semicolon < 0 ? rest : rest.slice(0, semicolon)).trim();
    paramText = semicolon < 0 ? "" : rest.slice(semicolon);
  }
  if (!uri.includes(":")) return null;
  return { displayText, displayName, uri, params: parseParams(paramText) };
}

/** `;name=value;flag` into a map: names in lower case, values unquoted. */
function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of splitOutside(text, ";")) {
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/gs, "$1");
    }
    if (name !== "" && !params.has(name)) params.set(name, value);
  }
  return params;
}

export function parseUri(uri: string): SipUri | null {
  const colon = uri.indexOf(":");
  const scheme = uri.slice(0, colon).toLowerCase();
  if (colon < 1 || !SCHEME.test(scheme)) return null;
  const rest = uri.slice(colon + 1);
  if (scheme === "tel") {
    const [subscriber = "", ...params] = splitOutside(rest, ";");
    return {
      scheme,
      user: percentDecode(subscriber),
      host: null,
      params: parseParams(params.join(";")),
    };
  }
  if (scheme !== "sip" && scheme !== "sips") {
    return { scheme, user: null, host: null, params: new Map() };
  }
  const at = rest.indexOf("@");
  // The user part ends at "@"; a password (":…") is not part of it.
  const user = at < 0 ? null : percentDecode(rest.slice(0, at).split(":")[0] ?? "");
  const hostPart = rest.slice(at + 1);
  const hostEnd = hostPart.search(/[;?]/);
  const hostPort = hostEnd < 0 ? hostPart : hostPart.slice(0, hostEnd);
  const host = hostPort.startsWith("[")
    ? hostPort.slice(0, hostPort.indexOf("]") + 1)
    : (hostPort.split(":")[0] ?? "");
  const paramText = hostEnd < 0 ? "" : hostPart.slice(hostEnd).split("?")[0];
  return { scheme, user, host, params: parseParams(paramText ?? "") };
}

/** %XX sequences as UTF-8; a malformed escape stays as written. */
function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"),
  );
}

/**
 * The telephone number in a user part, or null. Parameters inside a SIP user part
 * (`+4144…;npdi`, `…;phone-context=+7`) are not digits. A local number with a global
 * phone-context is completed to E.164 (`tel:9171969136;phone-context=+7` is +79171969136,
 * RFC 3966 §5.1.5), unless it starts with a trunk 0, which a prefix cannot simply precede.
 */
export function phoneNumber(user: string, uriParams?: ReadonlyMap<string, string>): string | null {
  const [subscriber = "", ...userParams] = user.split(";");
  const digits = subscriber.replace(VISUAL_SEPARATORS, "");
  if (!PHONE_NUMBER.test(digits) || digits.replace("+", "").length > MAX_DIGITS) return null;
  if (digits.startsWith("+") || digits.startsWith("0")) return digits;
  const context =
    parseParams(userParams.join(";")).get("phone-context") ?? uriParams?.get("phone-context");
  const prefix = context?.replace(VISUAL_SEPARATORS, "") ?? "";
  return /^\+\d+$/.test(prefix) && prefix.length - 1 + digits.length <= MAX_DIGITS
    ? prefix + digits
    : digits;
}

interface Candidate {
  party: SipParty;
  /** Strong marks: anonymous.invalid, an "anonymous"-like or empty user part. */
  withheld: boolean;
  /** Only a display word such as "Unknown", with no number beside it. */
  withheldByName: boolean;
  /** The display name was absent or empty, so one may be borrowed from the same number. */
  nameless: boolean;
}

function candidate(addr: NameAddr, source: SipParty["source"]): Candidate {
  const uri = parseUri(addr.uri);
  const user = uri?.user ?? null;
  const number = user === null ? null : phoneNumber(user, uri?.params);
  const name = cleanText(addr.displayName ?? "", MAX_NAME_LENGTH);
  const nameWord = name.toLowerCase();
  const userWord = (user ?? "").split(";")[0]?.toLowerCase() ?? "";
  const isAnonymousName = ANONYMOUS_WORDS.has(nameWord);
  const isUnavailableName = UNAVAILABLE_WORDS.has(nameWord);
  const withheld =
    uri?.host?.toLowerCase() === "anonymous.invalid" ||
    user === "" ||
    ANONYMOUS_WORDS.has(userWord);
  const unavailable = userWord === "unavailable" || (number === null && isUnavailableName);
  const keepName = name !== "" && !isAnonymousName && !isUnavailableName && !repeats(name, number);
  return {
    party: { number, user, name: keepName ? name : null, anonymous: false, unavailable, source },
    withheld,
    withheldByName: number === null && isAnonymousName,
    nameless: name === "",
  };
}

/** A display name that is only the number, perhaps nationally written: "0360653674" for +33360653674. */
function repeats(name: string, number: string | null): boolean {
  if (number === null || !/^[+\d\s\-.()/]+$/.test(name)) return false;
  const a = name.replace(/\D/g, "").replace(/^0+/, "");
  const b = number.replace(/\D/g, "").replace(/^0+/, "");
  return sameNumber(a, b);
}

function sameNumber(a: string, b: string): boolean {
  if (a === "" || b === "") return false;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter === longer || (shorter.length >= 6 && longer.endsWith(shorter));
}

function addresses(invite: InviteRequest, header: string): NameAddr[] {
  return invite.headers
    .getAll(header)
    .flatMap((value) => (header === "from" ? [value] : splitOutside(value, ",")))
    .map(parseNameAddr)
    .filter((addr): addr is NameAddr => addr !== null);
}

/**
 * The caller of an INVITE. Precedence: P-Asserted-Identity (its tel URI before its sip URI:
 * the tel one is a telephone number by definition and carries the phone-context that makes it
 * E.164) > Remote-Party-ID with party=calling (or no party) > From. The first of these with a
 * number wins; with no number anywhere, the first with a user part, else the first present. A nameless winner borrows the
 * display name of another header with the same number (PAI tel + sip, PAI + From).
 *
 * Anonymous: Privacy id/header/user; RPID privacy=full/uri; any identity at anonymous.invalid
 * or with user anonymous/unknown/restricted/withheld/private or an empty user; or a winner
 * with no number whose display name is such a word. The number is kept (a withheld marker, not
 * an erasure). RPID privacy=name withholds only the name. Unavailable: the winner's user
 * `unavailable` (or an "unavailable" display and no number), and never together with anonymous.
 *
 * Only ever the initial INVITE: PAIs in UPDATEs and RPIDs in responses are the other party.
 */
export function callerOf(invite: InviteRequest): SipParty {
  const empty: SipParty = {
    number: null,
    user: null,
    name: null,
    anonymous: false,
    unavailable: false,
    source: "from",
  };
  // Types forbid a response here; the guard keeps plain-JS callers from reading a callee.
  if (invite.kind !== "request") return empty;

  const pai = addresses(invite, "p-asserted-identity")
    .map((addr) => ({ addr, tel: parseUri(addr.uri)?.scheme === "tel" }))
    .sort((x, y) => Number(y.tel) - Number(x.tel))
    .map(({ addr }) => candidate(addr, "p-asserted-identity"));
  const rpidAddrs = addresses(invite, "remote-party-id").filter(
    (addr) => (addr.params.get("party") ?? "calling").toLowerCase() === "calling",
  );
  // From is single-valued: an unquoted `Doe, John <sip:…>` is one name, not a list.
  const from = addresses(invite, "from").slice(0, 1);
  const candidates = [
    ...pai,
    ...rpidAddrs.map((addr) => candidate(addr, "remote-party-id")),
    ...from.map((addr) => candidate(addr, "from")),
  ];
  const chosen =
    candidates.find((c) => c.party.number !== null) ??
    candidates.find((c) => c.party.user !== null) ??
    candidates[0];
  if (!chosen) return empty;

  const privacy = invite.headers
    .getAll("privacy")
    .flatMap((value) => value.toLowerCase().split(/[;,\s]+/));
  const rpidPrivacy = rpidAddrs.flatMap((addr) =>
    (addr.params.get("privacy") ?? "").toLowerCase().split(/[,\s]+/),
  );
  const anonymous =
    privacy.some((token) => PRIVACY_WITHHOLDS.has(token)) ||
    rpidPrivacy.some((token) => token === "full" || token === "uri") ||
    candidates.some((c) => c.withheld) ||
    chosen.withheldByName;

  let name = chosen.party.name;
  if (name === null && chosen.nameless) {
    const numberOf = (c: Candidate) => c.party.number?.replace(/^\+?0*/, "") ?? "";
    const same = candidates.find(
      (c) =>
        c.party.name !== null &&
        (chosen.party.number === null
          ? c.party.number === null
          : sameNumber(numberOf(c), numberOf(chosen))),
    );
    name = same?.party.name ?? null;
  }
  if (rpidPrivacy.includes("name")) name = null;

  return {
    ...chosen.party,
    name,
    anonymous,
    unavailable: !anonymous && chosen.party.unavailable,
  };
}

/**
 * The called party: the first of the Request-URI user and the To user that is a number (the
 * household's own number for incoming calls, the dialled one for outgoing); else the first user
 * there is. A Request-URI user can be a routing label (`061963177-ikhuuep5bi123`) while To
 * still holds the number.
 */
export function calledOf(invite: InviteRequest): { number: string | null; user: string | null } {
  const uris = [parseUri(invite.requestUri)];
  const to = invite.headers.get("to");
  const toAddr = to === undefined ? null : parseNameAddr(to);
  if (toAddr) uris.push(parseUri(toAddr.uri));
  let firstUser: string | null = null;
  for (const uri of uris) {
    if (!uri?.user) continue;
    const number = phoneNumber(uri.user, uri.params);
    if (number !== null) return { number, user: uri.user };
    firstUser ??= uri.user;
  }
  return { number: null, user: firstUser };
}

/** Call-ID, CSeq (RFC 3261 §20.16: a 32-bit number and a method) and the dialog tags. */
export function dialogKey(message: SipMessage): DialogKey | null {
  const callId = message.headers.get("call-id")?.trim() ?? "";
  if (callId === "") return null;
  const [sequence = "", method = ""] = (message.headers.get("cseq") ?? "").trim().split(/[ \t]+/);
  const cseq = /^\d{1,10}$/.test(sequence) ? Number(sequence) : Number.NaN;
  const tagOf = (header: string) => {
    const value = message.headers.get(header);
    const tag = value === undefined ? "" : (parseNameAddr(value)?.params.get("tag") ?? "");
    return tag === "" ? null : tag;
  };
  return {
    callId,
    cseq: cseq <= 0xffff_ffff ? cseq : null,
    cseqMethod: method === "" ? null : method.toUpperCase(),
    fromTag: tagOf("from"),
    toTag: tagOf("to"),
  };
}
