/**
 * The answer of the search.ch telephone directory API to a reverse lookup (`?was=<number>`):
 * an Atom feed with OpenSearch counters and, with an API key, structured `tel:` fields —
 * design notes search-ch.md §3.3/§3.4 (help page https://search.ch/tel/api/help.en.html):
 *
 *   <feed xmlns="http://www.w3.org/2005/Atom"
 *         xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/"
 *         xmlns:tel="http://tel.search.ch/api/spec/result/1.0/">
 *     <openSearch:totalResults>1</openSearch:totalResults>
 *     <openSearch:Query role="request" searchTerms="0441234567" startPage="1"/>
 *     <openSearch:Query role="correction" searchTerms="…"/>   only when nothing was found
 *     <entry>
 *       <title>Muster, Hans</title>                       persons "Surname, Given"; firms their name
 *       <content>Muster, Hans↵Seestrasse 12↵8000 Zürich/ZH↵*044 123 45 67</content>
 *       <tel:type>Person</tel:type>                       Person | Organisation      (key only)
 *       <tel:name>Muster</tel:name> <tel:firstname>Hans</tel:firstname> <tel:occupation/>
 *       <tel:street/> <tel:streetno/> <tel:zip/> <tel:city/> <tel:canton>ZH</tel:canton>
 *       <tel:phone>+41441234567</tel:phone> <tel:category>…</tel:category> (0..n)
 *     </entry>
 *   </feed>
 *
 * A rejected or exhausted key (§3.2) answers 403 with a feed carrying `tel:errorCode` (403),
 * `tel:errorReason` (Forbidden) and `tel:errorMessage`.
 *
 * Keyless answers (what most households will run) carry only `title` and `content`. Rule for
 * them, field by field where the `tel:` element is missing:
 *   - name: the title; "Surname, Given" (one comma, the part after it only letters, dots,
 *     hyphens, apostrophes and at most four words) is split into name and first name and
 *     spoken "Given Surname"; any other title (a business, "Meier, Müller & Partner AG") is
 *     the name as it stands. Without a title, the first content line stands in for it.
 *   - content lines (trimmed, empty ones dropped): the first is the name; the line
 *     "NNNN City[/CC]" gives zip, city and canton; the line just before it is the street,
 *     its trailing house number split off; a line between name and street, if any, is taken
 *     as the occupation; a line of digits with an optional leading `*` (the no-advertising
 *     mark) is the phone, turned into E.164 for Switzerland.
 *   - the type stays "unknown": a keyless answer does not say.
 *
 * The document is data from the network: every text taken from it loses markup, control
 * characters and extra white space and is capped (name 120, other fields 80 characters).
 * Nothing here throws; a body that is not an Atom feed (HTML, garbage, empty, cut off before
 * `</feed>`) is `invalid-document`. htmlparser2 (cheerio's XML mode) is lenient, so
 * well-formedness is checked as far as it matters: one root `feed` in the Atom namespace that
 * is closed at the end — a truncated transfer is the corruption actually met.
 *
 * Several entries for one number: chooseDirectoryHit (directoryHit.ts).
 */
import { load } from "cheerio/slim";
import { cleanText } from "../text/cleanText.js";
import type { DirectoryEntry } from "./directoryHit.js";
import { normalizeNumber } from "./numbers.js";

export {
  chooseDirectoryHit,
  type DirectoryEntry,
  type DirectoryHit,
  type DirectoryLang,
  type SearchChOutcome,
} from "./directoryHit.js";

export type SearchChResult =
  | {
      kind: "entries";
      /** Zero entries: the number is not in the directory. */
      entries: DirectoryEntry[];
      totalResults: number;
      /** A `role="correction"` suggestion: not a hit, only worth a log line. */
      correction?: string;
    }
  | { kind: "error"; code: "forbidden" | "invalid-document"; message: string };

const ATOM_NS = "http://www.w3.org/2005/Atom";
const OPENSEARCH_NS = "http://a9.com/-/spec/opensearchrss/1.0/";
const TEL_NS = "http://tel.search.ch/api/spec/result/1.0/";
const NAME_MAX = 120;
const FIELD_MAX = 80;
/** More categories than this are noise for a caller announcement. */
const MAX_CATEGORIES = 10;
/** The closing tag, possibly followed by comments and white space, ends the document. */
const CLOSED_FEED = /<\/feed\s*>(?:\s|<!--[\s\S]*?-->)*$/;
const GIVEN_NAMES = /^[\p{L}\p{M}][\p{L}\p{M}.'’ -]*$/u;
const ZIP_CITY = /^(\d{4})\s+(.+?)(?:\s*\/\s*([A-Za-z]{2}))?$/;
const PHONE_LINE = /^\*?\s*\+?[\d ()/.-]{6,}$/;
const STREET_NO = /^(.+?)\s+(\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+[a-zA-Z]?)?)$/;

/** Parses one search.ch API answer body. Never throws. */
export function parseSearchChResponse(xml: string): SearchChResult {
  if (typeof xml !== "string" || xml.trim() === "") return invalid("empty body");
  let $: ReturnType<typeof load>;
  try {
    $ = load(xml, { xml: true });
  } catch (error) {
    return invalid(`unreadable XML (${String(error).slice(0, 80)})`);
  }
  const roots = $.root().children();
  const feed = roots.first();
  const rootName = roots.get(0)?.name;
  if (roots.length !== 1 || rootName !== "feed") {
    const seen = rootName ? `<${cleanText(rootName, 20)}>` : "no element";
    return invalid(`not an Atom feed (root ${seen})`);
  }
  const defaultNs = feed.attr("xmlns");
  if (defaultNs !== undefined && defaultNs !== ATOM_NS) {
    return invalid(`not an Atom feed (namespace ${cleanText(defaultNs, 60)})`);
  }
  if (!CLOSED_FEED.test(xml.trimEnd())) return invalid("document cut off before </feed>");

  // Prefixes are bound by the document; search.ch uses "tel" and "openSearch".
  const attributes = feed.attr() ?? {};
  const tel = prefixFor(attributes, TEL_NS, "tel");
  const os = prefixFor(attributes, OPENSEARCH_NS, "openSearch");
  type Node = ReturnType<typeof feed.children>;
  const child = (parent: Node, name: string): Node =>
    parent.children().filter((_, element) => element.tagName === name);
  const text = (parent: Node, name: string, max: number): string | null =>
    nonEmpty(clean(child(parent, name).first().text(), max));

  const errorCode = text(feed, `${tel}:errorCode`, 10);
  const errorMessage = text(feed, `${tel}:errorMessage`, FIELD_MAX);
  const errorReason = text(feed, `${tel}:errorReason`, FIELD_MAX);
  if (errorCode !== null || errorMessage !== null) {
    const status = [errorCode, errorReason].filter((part) => part !== null).join(" ");
    const message = errorMessage ?? "search.ch refused the request";
    return {
      kind: "error",
      code: "forbidden",
      message: status ? `${message} (${status})` : message,
    };
  }

  const entries: DirectoryEntry[] = [];
  for (const element of child(feed, "entry").toArray()) {
    const entry = $(element);
    const entryText = (name: string, max = FIELD_MAX) => text(entry, `${tel}:${name}`, max);
    const categories = child(entry, `${tel}:category`)
      .toArray()
      .map((category) => clean($(category).text(), FIELD_MAX))
      .filter((category) => category !== "")
      .slice(0, MAX_CATEGORIES);
    const parsed = buildEntry({
      type: entryText("type"),
      name: entryText("name", NAME_MAX),
      firstName: entryText("firstname", NAME_MAX),
      occupation: entryText("occupation"),
      street: entryText("street"),
      streetNo: entryText("streetno"),
      zip: entryText("zip"),
      city: entryText("city"),
      canton: entryText("canton"),
      phone: entryText("phone"),
      categories,
      title: text(entry, "title", NAME_MAX),
      content: child(entry, "content").first().text(),
    });
    if (parsed) entries.push(parsed);
  }

  const total = Number.parseInt(text(feed, `${os}:totalResults`, 12) ?? "", 10);
  const totalResults = Number.isSafeInteger(total) && total >= 0 ? total : entries.length;
  const result: SearchChResult = { kind: "entries", entries, totalResults };
  const correction = child(feed, `${os}:Query`)
    .filter((_, query) => query.attribs.role === "correction")
    .first()
    .attr("searchTerms");
  const cleanCorrection = nonEmpty(clean(correction ?? "", FIELD_MAX));
  if (cleanCorrection !== null) result.correction = cleanCorrection;
  return result;
}

/** An entry's `tel:` fields as sent (null where absent), with its title and content to fill gaps. */
interface RawEntry
  extends Pick<
    DirectoryEntry,
    | "name"
    | "firstName"
    | "occupation"
    | "street"
    | "streetNo"
    | "zip"
    | "city"
    | "canton"
    | "phone"
    | "categories"
  > {
  type: string | null;
  title: string | null;
  content: string;
}

/** Combines the `tel:` fields with what title and content say; null when no name is found. */
function buildEntry(raw: RawEntry): DirectoryEntry | null {
  const fromContent = parseContent(raw.content);
  const fromTitle = splitTitle(raw.title ?? fromContent.nameLine);
  const name = raw.name ?? fromTitle.name;
  const firstName = raw.name !== null ? raw.firstName : (raw.firstName ?? fromTitle.firstName);
  const spoken = [firstName, name].filter((part) => part !== null).join(" ");
  const displayName = clean(spoken, NAME_MAX);
  if (displayName === "") return null;
  const type = raw.type?.toLowerCase();
  const canton = raw.canton ?? fromContent.canton;
  const phone = raw.phone ?? fromContent.phone;
  return {
    type:
      type === "person"
        ? "person"
        : type === "organisation" || type === "organization"
          ? "organisation"
          : "unknown",
    name,
    firstName,
    displayName,
    occupation: raw.occupation ?? fromContent.occupation,
    categories: raw.categories,
    street: raw.street ?? fromContent.street,
    streetNo: raw.streetNo ?? fromContent.streetNo,
    zip: raw.zip ?? fromContent.zip,
    city: raw.city ?? fromContent.city,
    canton: canton !== null && /^[A-Za-z]{2}$/.test(canton) ? canton.toUpperCase() : null,
    phone: phone !== null ? e164(phone) : null,
  };
}

/** "Muster, Hans" → name Muster, first name Hans; anything else is a name as it stands. */
function splitTitle(title: string | null): { name: string | null; firstName: string | null } {
  if (title === null) return { name: null, firstName: null };
  const parts = title.split(",").map((part) => part.trim());
  const [surname, given] = parts;
  const personal =
    parts.length === 2 &&
    surname !== undefined &&
    surname !== "" &&
    given !== undefined &&
    GIVEN_NAMES.test(given) &&
    given.split(" ").length <= 4;
  return personal ? { name: surname, firstName: given } : { name: title, firstName: null };
}

/** What the keyless content block gives: the name's line, and the fields a directory entry has. */
interface ContentFields
  extends Pick<
    DirectoryEntry,
    "occupation" | "street" | "streetNo" | "zip" | "city" | "canton" | "phone"
  > {
  nameLine: string | null;
}

/** The keyless content block, by the line rule in the file's header. */
function parseContent(content: string): ContentFields {
  const lines = content
    .split(/\r?\n/)
    .map((line) => clean(line, NAME_MAX))
    .filter((line) => line !== "")
    .slice(0, 12);
  const field = (text: string | undefined) => nonEmpty(clean(text ?? "", FIELD_MAX));
  const fields: ContentFields = {
    nameLine: lines[0] ?? null,
    occupation: null,
    street: null,
    streetNo: null,
    zip: null,
    city: null,
    canton: null,
    phone: null,
  };
  const zipAt = lines.findIndex((line, index) => index > 0 && ZIP_CITY.test(line));
  const zipMatch = zipAt > 0 ? ZIP_CITY.exec(lines[zipAt] ?? "") : null;
  if (zipMatch) {
    fields.zip = zipMatch[1] ?? null;
    fields.city = field(zipMatch[2]);
    fields.canton = zipMatch[3]?.toUpperCase() ?? null;
    const streetLine = zipAt > 1 ? lines[zipAt - 1] : undefined;
    if (streetLine !== undefined) {
      const numbered = STREET_NO.exec(streetLine);
      fields.street = field(numbered?.[1] ?? streetLine);
      fields.streetNo = field(numbered?.[2]);
    }
    if (zipAt > 2) fields.occupation = field(lines[1]);
  }
  const phoneLine = lines.slice(1).find((line) => PHONE_LINE.test(line));
  if (phoneLine !== undefined) fields.phone = phoneLine.replace(/^\*/, "").trim();
  return fields;
}

/** E.164 for a Swiss (or explicitly international) number; null for anything else. */
function e164(phone: string): string | null {
  const number = normalizeNumber(phone, "CH");
  return number.kind === "number" ? number.e164 : null;
}

function prefixFor(attributes: Record<string, string>, namespace: string, fallback: string) {
  for (const [attribute, value] of Object.entries(attributes)) {
    if (attribute.startsWith("xmlns:") && value === namespace) return attribute.slice(6);
  }
  return fallback;
}

function clean(text: string, max: number): string {
  return cleanText(text, max);
}

function nonEmpty(text: string): string | null {
  return text === "" ? null : text;
}

function invalid(message: string): SearchChResult {
  return { kind: "error", code: "invalid-document", message };
}
