/**
 * The HTTP edge to the search.ch telephone directory API (design notes search-ch.md §3.1/§3.2):
 *
 *   GET <baseUrl>?was=<number>&lang=<de|en|fr|it>[&key=<key>]    e.g. https://search.ch/tel/api/
 *     200  Atom feed (parsed by core/caller/searchChResponse)
 *     403  feed with tel:errorMessage: key invalid, blocked or its monthly quota used up
 *     429  too many requests (Retry-After honoured)
 *     200  "Request limit exceeded." — the older keyless limit, plain text: rate-limited too
 *
 * One request per lookup and no retries: the caller decides (and counts the quota of 1000 a
 * month). Every failure is an outcome, never a throw. The timeout bounds the whole exchange,
 * body included, so a server that trickles bytes cannot hold a ringing phone hostage; the body
 * read stops, and the connection is torn down, as soon as it passes maxBodyBytes (the count is
 * of decoded bytes, so a compressed bomb is caught too).
 *
 * The key travels in the query string (the API knows no other way); it never appears in an
 * outcome: every message is masked. Redirects are followed by hand, at most three, only within
 * search.ch (or the configured host) and never from https down to http, so the key cannot be
 * carried to another server.
 */
import type { DirectoryLang, SearchChOutcome } from "../core/caller/directoryHit.js";
import type { parseSearchChResponse } from "../core/caller/searchChResponse.js";
import { describeFetchError, readCapped, secretMasker, withinTimeout } from "./httpBody.js";

export type { SearchChOutcome };

export interface SearchChClientOptions {
  /** e.g. `https://search.ch/tel/api/`; the legacy `https://tel.search.ch/api/` works too. */
  baseUrl: string;
  key?: string;
  lang: DirectoryLang;
  timeoutMs: number;
  /** Default 1 MiB; a real answer of 20 entries is a few tens of kB. */
  maxBodyBytes?: number;
  userAgent?: string;
}

export interface SearchChClient {
  lookup(numberE164OrNational: string): Promise<SearchChOutcome>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_USER_AGENT = "voip-callerid (Home Assistant add-on)";
const MAX_REDIRECTS = 3;
/** The older keyless limit answered with this text instead of a feed (§3.2). */
const LIMIT_TEXT = /request limit exceeded/i;

/**
 * The answer's parser, loaded at the first lookup: its XML parser (cheerio, htmlparser2, css
 * selectors) is about 10 MB of a daemon that may never look a number up (online_lookup off).
 */
let parser: Promise<typeof parseSearchChResponse> | null = null;
function loadParser(): Promise<typeof parseSearchChResponse> {
  parser ??= import("../core/caller/searchChResponse.js").then((m) => m.parseSearchChResponse);
  return parser;
}

/** Throws only for a configuration that can never work (a base URL that is not http(s)). */
export function createSearchChClient(options: SearchChClientOptions): SearchChClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new Error(`search.ch base URL must be http(s), not ${base.protocol}`);
  }
  const key = options.key?.trim() || undefined;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const mask = secretMasker(key);
  // Loaded now, in the background, so that a ringing call's lookup does not spend its time
  // budget on loading modules; a failure surfaces at the lookup that awaits it.
  loadParser().catch(() => undefined);

  return {
    async lookup(number) {
      const url = new URL(base);
      // URLSearchParams encodes "+" as %2B; a bare "+" would arrive as a space (§3.5).
      url.searchParams.set("was", number);
      url.searchParams.set("lang", options.lang);
      if (key !== undefined) url.searchParams.set("key", key);

      return withinTimeout(
        options.timeoutMs,
        async (signal) =>
          maskOutcome(await exchange(url, signal, maxBodyBytes, options.userAgent), mask),
        (error, timedOut) =>
          timedOut
            ? failed("timeout", `no complete answer within ${options.timeoutMs} ms`)
            : failed("network", mask(describeFetchError(error))),
      );
    },
  };
}

async function exchange(
  start: URL,
  signal: AbortSignal,
  maxBodyBytes: number,
  userAgent = DEFAULT_USER_AGENT,
): Promise<SearchChOutcome> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, {
      signal,
      redirect: "manual",
      headers: {
        accept: "application/atom+xml, application/xml;q=0.9, */*;q=0.1",
        "user-agent": userAgent,
      },
    });
    const status = response.status;
    if (status >= 300 && status < 400) {
      const location = response.headers.get("location");
      const next = location !== null ? safeRedirect(url, location) : null;
      await response.body?.cancel().catch(() => undefined);
      if (next === null || hop >= MAX_REDIRECTS) {
        return failed(
          "http-error",
          `HTTP ${status}: redirect not followed (${location ?? "none"})`,
        );
      }
      url = next;
      continue;
    }
    if (status === 429) {
      return {
        kind: "rate-limited",
        retryAfterMs: retryAfter(response.headers.get("retry-after")),
      };
    }
    if (status !== 403 && (status < 200 || status >= 300)) {
      return failed("http-error", `HTTP ${status} ${response.statusText}`.trim());
    }

    const body = await readCapped(response, maxBodyBytes);
    if (body === null) return failed("too-large", `answer larger than ${maxBodyBytes} bytes`);
    const parsed = (await loadParser())(body);
    if (parsed.kind === "error" && parsed.code === "forbidden") {
      return { kind: "forbidden", message: parsed.message };
    }
    // A 403 without the error feed (a proxy's page) still means the key is refused.
    if (status === 403) return { kind: "forbidden", message: `HTTP 403 ${response.statusText}` };
    if (parsed.kind === "entries") return parsed;
    if (LIMIT_TEXT.test(body.slice(0, 200))) return { kind: "rate-limited", retryAfterMs: null };
    return failed("invalid-document", parsed.message);
  }
}

/** The next URL when a redirect stays with search.ch (or the configured host), else null. */
function safeRedirect(from: URL, location: string): URL | null {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return null;
  }
  if (next.protocol !== "https:" && next.protocol !== "http:") return null;
  if (from.protocol === "https:" && next.protocol !== "https:") return null;
  const host = next.hostname;
  const trusted = host === from.hostname || host === "search.ch" || host.endsWith(".search.ch");
  if (!trusted) return null;
  // A redirect target may drop the query; the lookup needs it.
  if (next.search === "") next.search = from.search;
  return next;
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when unreadable. */
function retryAfter(value: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function maskOutcome(outcome: SearchChOutcome, mask: (text: string) => string): SearchChOutcome {
  switch (outcome.kind) {
    case "entries":
      return outcome.correction === undefined
        ? outcome
        : { ...outcome, correction: mask(outcome.correction) };
    case "forbidden":
    case "failed":
      return { ...outcome, message: mask(outcome.message) };
    case "rate-limited":
      return outcome;
  }
}

function failed(
  reason: "timeout" | "http-error" | "network" | "too-large" | "invalid-document",
  message: string,
): SearchChOutcome {
  return { kind: "failed", reason, message };
}
