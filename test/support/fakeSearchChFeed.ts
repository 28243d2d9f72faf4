/**
 * The Atom documents the search.ch stand-in (fakeSearchCh.ts) answers with: the result feed
 * (openSearch counters, entries with tel: fields when a key was sent) and the error feeds
 * (tel:errorCode/errorReason/errorMessage), element for element as documented (search-ch.md §3),
 * with invented values (ids, dates, links).
 */
import { normalizeNumber } from "../../src/core/caller/numbers.js";

export interface FakeAddress {
  street?: string;
  streetNo?: string;
  zip?: string;
  city?: string;
  /** Two letters. */
  canton?: string;
  /** E.164; shown nationally ("044 123 45 67") in the content block. */
  phone?: string;
  /** The no-advertising mark: `*` before the phone in content, tel:nopromo. */
  noPromo?: boolean;
}

export interface FakePerson extends FakeAddress {
  name: string;
  firstName?: string;
  maidenName?: string;
  occupation?: string;
}

export interface FakeBusiness extends FakeAddress {
  name: string;
  occupation?: string;
  categories?: string[];
  extras?: { type: "fax" | "mobile" | "email" | "website"; value: string }[];
}

export type FakeEntry = ({ type: "person" } & FakePerson) | ({ type: "business" } & FakeBusiness);

const ATOM = "http://www.w3.org/2005/Atom";
const OPENSEARCH = "http://a9.com/-/spec/opensearchrss/1.0/";
const TEL = "http://tel.search.ch/api/spec/result/1.0/";
const UPDATED = "2026-01-15T08:00:00Z";
const KEYLESS_MAX = 10;
const KEYED_MAX = 20;
export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";

/** A search's answer: at most 10 entries without a key, 20 with one (tel: fields only then). */
export function resultFeed(
  was: string,
  entries: FakeEntry[],
  keyed: boolean,
  notFound?: { correction?: string; correctionTotal?: number },
): string {
  const shown = entries.slice(0, keyed ? KEYED_MAX : KEYLESS_MAX);
  const terms = xmlEscape(was);
  const lines = [
    ...feedHead(`https://tel.search.ch/api/${encodeURIComponent(was)}`),
    `  <generator version="1.0" uri="https://tel.search.ch">tel.search.ch</generator>`,
    `  <link href="https://tel.search.ch/?was=${terms}" rel="alternate" type="text/html" />`,
    `  <link href="http://tel.search.ch/api/?was=${terms}" type="application/atom+xml" rel="self" />`,
    `  <openSearch:totalResults>${entries.length}</openSearch:totalResults>`,
    `  <openSearch:startIndex>1</openSearch:startIndex>`,
    `  <openSearch:itemsPerPage>${keyed ? KEYED_MAX : KEYLESS_MAX}</openSearch:itemsPerPage>`,
    `  <openSearch:Query role="request" searchTerms="${terms}" startPage="1" />`,
  ];
  if (notFound?.correction !== undefined) {
    const total = notFound.correctionTotal ?? 1;
    lines.push(
      `  <openSearch:Query role="correction" searchTerms="${xmlEscape(notFound.correction)}" totalResults="${total}" />`,
    );
  }
  lines.push(
    `  <openSearch:Image height="1" width="1" type="image/gif" href="https://www.search.ch/audit/CP/tel/de/api" />`,
  );
  shown.forEach((entry, index) => {
    lines.push(entryXml(entry, index + 1, keyed));
  });
  lines.push("</feed>", "");
  return lines.join("\n");
}

function entryXml(entry: FakeEntry, pos: number, keyed: boolean): string {
  const id = (0x0123456789abcdef0n + BigInt(pos) * 0x1111n).toString(16).padStart(16, "0");
  const title =
    entry.type === "person" && entry.firstName ? `${entry.name}, ${entry.firstName}` : entry.name;
  const national = entry.phone ? nationalForm(entry.phone) : undefined;
  const content = [
    title,
    entry.street ? [entry.street, entry.streetNo].filter(Boolean).join(" ") : undefined,
    entry.zip || entry.city
      ? `${[entry.zip, entry.city].filter(Boolean).join(" ")}${entry.canton ? `/${entry.canton}` : ""}`
      : undefined,
    national ? `${entry.noPromo ? "*" : ""}${national}` : undefined,
  ].filter((line) => line !== undefined);
  const lines = [
    "  <entry>",
    `    <id>urn:uuid:${id}</id>`,
    `    <updated>${UPDATED}</updated>`,
    `    <published>${UPDATED}</published>`,
    `    <title type="text">${xmlEscape(title)}</title>`,
    `    <content type="text">${content.map(xmlEscape).join("\n    ")}</content>`,
    "    <author><name>tel.search.ch</name></author>",
    `    <link href="https://tel.search.ch/detail/${id}" title="Details" rel="alternate" type="text/html" />`,
  ];
  if (keyed) {
    const tel = (name: string, value: string | undefined) => {
      if (value !== undefined) lines.push(`    <tel:${name}>${xmlEscape(value)}</tel:${name}>`);
    };
    lines.push(
      `    <link href="https://tel.search.ch/vcard/${id}.vcf" title="VCard" type="text/x-vcard" />`,
    );
    tel("pos", String(pos));
    tel("id", id);
    tel("type", entry.type === "person" ? "Person" : "Organisation");
    tel("name", entry.name);
    if (entry.type === "person") {
      tel("firstname", entry.firstName);
      tel("maidenname", entry.maidenName);
    }
    tel("occupation", entry.occupation ?? "");
    tel("street", entry.street);
    tel("streetno", entry.streetNo);
    tel("zip", entry.zip);
    tel("city", entry.city);
    tel("canton", entry.canton);
    if (entry.noPromo) tel("nopromo", "*");
    tel("phone", entry.phone);
    if (entry.type === "business") {
      for (const category of entry.categories ?? []) tel("category", category);
      for (const extra of entry.extras ?? []) {
        lines.push(`    <tel:extra type="${extra.type}">${xmlEscape(extra.value)}</tel:extra>`);
      }
    }
  }
  lines.push("  </entry>");
  return lines.join("\n");
}

export function forbiddenFeed(message = "The submitted API-Key is invalid or blocked"): string {
  return errorFeed("403", "Forbidden", message);
}

export function errorFeed(code: string, reason: string, message: string): string {
  return [
    ...feedHead("https://tel.search.ch/api/"),
    `  <tel:errorCode>${code}</tel:errorCode>`,
    `  <tel:errorReason>${xmlEscape(reason)}</tel:errorReason>`,
    `  <tel:errorMessage>${xmlEscape(message)}</tel:errorMessage>`,
    "</feed>",
    "",
  ].join("\n");
}

/** The feed's opening: declaration, namespaces (§3.3) and the Atom header. */
function feedHead(id: string): string[] {
  return [
    `<?xml version="1.0" encoding="utf-8" ?>`,
    `<feed xml:lang="de" xmlns="${ATOM}" xmlns:openSearch="${OPENSEARCH}" xmlns:tel="${TEL}">`,
    `  <id>${xmlEscape(id)}</id>`,
    `  <title type="text">tel.search.ch API Search Results</title>`,
    `  <updated>${UPDATED}</updated>`,
  ];
}

/** "+41441234567" → "044 123 45 67", as the content block shows it. */
function nationalForm(phone: string): string {
  const parsed = normalizeNumber(phone, "CH");
  return parsed.kind === "number" ? parsed.display : phone;
}

function xmlEscape(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
