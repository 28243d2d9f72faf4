/**
 * A local stand-in for the search.ch telephone directory API (design notes search-ch.md §3),
 * on 127.0.0.1 with a free port. It answers as the documented service does:
 *
 *   GET /tel/api/?was=<number>&lang=de[&key=<key>]     (also the legacy path /api/)
 *   - with a valid key: Atom feed, openSearch counters, entries with tel: fields (≤ 20)
 *   - without a key:    the same feed, entries with only title/content (≤ 10)
 *   - with a wrong key (or past the quota): 403 feed with tel:errorCode/errorReason/errorMessage
 *   - a number it does not know: an empty feed (totalResults 0)
 *
 * Numbers are matched the way the directory matches them: `+41441234567`, `0041441234567`
 * and `044 123 45 67` are the same number. Per number, an answer can also misbehave (429,
 * 500, slow, trickling, invalid XML, HTML, a huge body). Every request is recorded, so a test
 * can assert which numbers left the house and that the key was sent.
 *
 * The documented structure is followed element for element; the values (ids, dates, links)
 * are invented, and the 400 feed for a missing `was` is an assumption.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { normalizeNumber } from "../../src/core/caller/numbers.js";
import {
  ATOM_CONTENT_TYPE,
  errorFeed,
  type FakeBusiness,
  type FakeEntry,
  type FakePerson,
  forbiddenFeed,
  resultFeed,
} from "./fakeSearchChFeed.js";

export type FakeAnswer =
  | ({ kind: "person" } & FakePerson)
  | ({ kind: "business" } & FakeBusiness)
  /** Several entries under one number (a household, or different names). */
  | { kind: "entries"; entries: FakeEntry[] }
  /** Not in the directory; optionally with a `role="correction"` suggestion. */
  | { kind: "not-found"; correction?: string; correctionTotal?: number }
  /** The 403 document, whatever key was sent. */
  | { kind: "forbidden"; message?: string }
  | { kind: "rate-limited"; retryAfter?: string }
  | { kind: "status"; status: number; body?: string }
  /** The inner answer after a delay. */
  | { kind: "slow"; delayMs: number; answer: FakeAnswer }
  /** Headers and the feed's first bytes, then a byte every intervalMs, never ending. */
  | { kind: "trickle"; intervalMs?: number }
  | { kind: "invalid-xml" }
  | { kind: "html" }
  /** A body of `bytes` (default 10 MB), chunked unless contentLength is set. */
  | { kind: "huge"; bytes?: number; contentLength?: boolean }
  /** Anything else, e.g. a redirect: `{ kind: "raw", status: 301, headers: { location } }`. */
  | {
      kind: "raw";
      status?: number;
      contentType?: string;
      body?: string;
      headers?: Record<string, string>;
    };

export interface FakeSearchChOptions {
  /** Keyed by number in any written form. */
  answers?: Record<string, FakeAnswer>;
  /** The valid key; when unset, any key is accepted. */
  key?: string;
  /** Keyed requests answered before the key counts as exhausted (403). */
  quota?: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The `was` parameter as received, or null. */
  was: string | null;
  key: string | null;
  lang: string | null;
  userAgent: string | null;
  /** Body bytes written so far; grows while a large or trickling answer is sent. */
  bytesSent: number;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
}

export interface FakeSearchCh {
  /** Base URL with the API path, e.g. `http://127.0.0.1:40123/tel/api/`. */
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Sets (or with undefined removes) the answer for a number. */
  answer(number: string, answer: FakeAnswer | undefined): void;
  close(): Promise<void>;
}

export async function startFakeSearchCh(options: FakeSearchChOptions = {}): Promise<FakeSearchCh> {
  const answers = new Map<string, FakeAnswer>();
  for (const [number, answer] of Object.entries(options.answers ?? {})) {
    answers.set(numberKey(number), answer);
  }
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let keyedRequests = 0;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    const record: FakeRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query,
      was: url.searchParams.get("was"),
      key: url.searchParams.get("key"),
      lang: url.searchParams.get("lang"),
      userAgent: req.headers["user-agent"] ?? null,
      bytesSent: 0,
      aborted: false,
    };
    requests.push(record);
    res.on("close", () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const write = (chunk: string | Buffer): boolean => {
      record.bytesSent += Buffer.byteLength(chunk);
      return res.write(chunk);
    };

    if (url.pathname !== "/tel/api/" && url.pathname !== "/api/") {
      send(res, record, 404, "text/plain", "Not Found");
      return;
    }
    if (record.was === null || record.was.trim() === "") {
      send(
        res,
        record,
        400,
        ATOM_CONTENT_TYPE,
        errorFeed("400", "Bad Request", "Missing parameter was"),
      );
      return;
    }
    const keyed = record.key !== null && record.key !== "";
    if (keyed) {
      keyedRequests++;
      const wrongKey = options.key !== undefined && record.key !== options.key;
      const exhausted = options.quota !== undefined && keyedRequests > options.quota;
      if (wrongKey || exhausted) {
        send(res, record, 403, ATOM_CONTENT_TYPE, forbiddenFeed());
        return;
      }
    }
    const answer = answers.get(numberKey(record.was)) ?? { kind: "not-found" };
    respond(answer);

    function respond(answer: FakeAnswer): void {
      if (answer.kind === "slow") {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) respond(answer.answer);
        }, answer.delayMs);
        timers.add(timer);
      } else if (answer.kind === "trickle") {
        res.writeHead(200, { "content-type": ATOM_CONTENT_TYPE });
        write(resultFeed(record.was ?? "", [], keyed).slice(0, 200));
        const timer = setInterval(() => {
          if (!res.destroyed) write(" ");
          else {
            clearInterval(timer);
            timers.delete(timer);
          }
        }, answer.intervalMs ?? 50);
        timers.add(timer);
      } else if (answer.kind === "huge") {
        sendHuge(res, answer.bytes ?? 10_000_000, answer.contentLength ?? false, write);
      } else {
        const { status, contentType, body, headers } = plainAnswer(answer, record.was ?? "", keyed);
        send(res, record, status, contentType, body, headers);
      }
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tel/api/`,
    requests,
    answer(number, answer) {
      if (answer === undefined) answers.delete(numberKey(number));
      else answers.set(numberKey(number), answer);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface PlainAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** The answers sent in one piece. */
function plainAnswer(
  answer: Exclude<FakeAnswer, { kind: "slow" | "trickle" | "huge" }>,
  was: string,
  keyed: boolean,
): PlainAnswer {
  const ok = (body: string): PlainAnswer => ({ status: 200, contentType: ATOM_CONTENT_TYPE, body });
  switch (answer.kind) {
    case "person":
      return ok(resultFeed(was, [{ ...answer, type: "person" }], keyed));
    case "business":
      return ok(resultFeed(was, [{ ...answer, type: "business" }], keyed));
    case "entries":
      return ok(resultFeed(was, answer.entries, keyed));
    case "not-found":
      return ok(resultFeed(was, [], keyed, answer));
    case "forbidden":
      return { status: 403, contentType: ATOM_CONTENT_TYPE, body: forbiddenFeed(answer.message) };
    case "rate-limited": {
      const headers: Record<string, string> = {};
      if (answer.retryAfter !== undefined) headers["retry-after"] = answer.retryAfter;
      return { status: 429, contentType: "text/plain", body: "Too Many Requests", headers };
    }
    case "status":
      return { status: answer.status, contentType: "text/plain", body: answer.body ?? "Error" };
    case "invalid-xml":
      // A feed cut off inside an entry: what a broken transfer or a server bug looks like.
      return ok(resultFeed(was, [], keyed).replace("</feed>", "<entry><title>Muster, Ha"));
    case "html":
      return { status: 200, contentType: "text/html; charset=utf-8", body: HTML_PAGE };
    case "raw":
      return {
        status: answer.status ?? 200,
        contentType: answer.contentType ?? ATOM_CONTENT_TYPE,
        body: answer.body ?? "",
        ...(answer.headers ? { headers: answer.headers } : {}),
      };
  }
}

function send(
  res: ServerResponse<IncomingMessage>,
  record: FakeRequest,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  record.bytesSent += Buffer.byteLength(body);
  res.writeHead(status, { "content-type": contentType, ...headers });
  res.end(body);
}

/** Writes `bytes` of XML-looking filler, respecting back-pressure, until done or closed. */
function sendHuge(
  res: ServerResponse<IncomingMessage>,
  bytes: number,
  contentLength: boolean,
  write: (chunk: string | Buffer) => boolean,
): void {
  res.writeHead(200, {
    "content-type": ATOM_CONTENT_TYPE,
    ...(contentLength ? { "content-length": String(bytes) } : {}),
  });
  const chunk = Buffer.alloc(64 * 1024, "<!-- filler -->\n");
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!write(piece)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** The same key for every written form of a number, as the directory matches them. */
function numberKey(number: string): string {
  const parsed = normalizeNumber(number, "CH");
  return parsed.kind === "number" ? parsed.key : number.replace(/\s/g, "");
}

const HTML_PAGE = `<!DOCTYPE html>
<html lang="de"><head><title>search.ch</title></head>
<body><article class="tel-resultentry"><h1><a href="/tel/zuerich/muster">Muster, Hans</a></h1></article></body>
</html>
`;
