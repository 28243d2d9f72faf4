import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSearchChClient,
  type SearchChClientOptions,
  type SearchChOutcome,
} from "../../src/io/searchChClient.js";
import { type FakeSearchCh, startFakeSearchCh } from "../support/fakeSearchCh.js";

const KEY = "good-key-0123456789abcdef";

const NUMBERS = {
  person: "+41441234567",
  business: "+41319876543",
  household: "+41612223344",
  several: "+41523334455",
  correction: "+41323216100",
  forbidden: "+41210000001",
  limited: "+41210000002",
  limitedDate: "+41210000003",
  limitedText: "+41210000004",
  broken: "+41210000005",
  slow: "+41210000006",
  trickle: "+41210000007",
  invalidXml: "+41210000008",
  html: "+41210000009",
  huge: "+41210000010",
  hugeDeclared: "+41210000011",
  echo: "+41210000012",
  redirectAway: "+41210000013",
  redirectHome: "+41210000014",
};

let server: FakeSearchCh;

beforeAll(async () => {
  server = await startFakeSearchCh({
    key: KEY,
    answers: {
      [NUMBERS.person]: {
        kind: "person",
        name: "Muster",
        firstName: "Hans",
        street: "Seestrasse",
        streetNo: "12",
        zip: "8000",
        city: "Zürich",
        canton: "ZH",
        phone: NUMBERS.person,
        noPromo: true,
      },
      [NUMBERS.business]: {
        kind: "business",
        name: "Muster Haustechnik AG",
        occupation: "Sanitär, Heizung",
        categories: ["Sanitäranlagen", "Heizungen"],
        extras: [{ type: "fax", value: "+41319876544" }],
        street: "Industriestrasse",
        streetNo: "4a",
        zip: "3000",
        city: "Bern",
        canton: "BE",
        phone: NUMBERS.business,
      },
      [NUMBERS.household]: {
        kind: "entries",
        entries: [
          { type: "person", name: "Beispiel", firstName: "Anna", city: "Basel", canton: "BS" },
          { type: "person", name: "Beispiel", firstName: "Marc", city: "Basel", canton: "BS" },
        ],
      },
      [NUMBERS.several]: {
        kind: "entries",
        entries: [
          { type: "business", name: "Garage Test AG", city: "Winterthur", canton: "ZH" },
          { type: "person", name: "Test", firstName: "Max", city: "Winterthur", canton: "ZH" },
        ],
      },
      [NUMBERS.correction]: { kind: "not-found", correction: "032 321 61 **", correctionTotal: 3 },
      [NUMBERS.forbidden]: { kind: "forbidden", message: `Key ${KEY} is blocked` },
      [NUMBERS.limited]: { kind: "rate-limited", retryAfter: "120" },
      [NUMBERS.limitedDate]: {
        kind: "rate-limited",
        retryAfter: new Date(Date.now() + 60_000).toUTCString(),
      },
      [NUMBERS.limitedText]: {
        kind: "raw",
        contentType: "text/plain",
        body: "Request limit exceeded.",
      },
      [NUMBERS.broken]: { kind: "status", status: 500, body: "Internal Server Error" },
      [NUMBERS.slow]: { kind: "slow", delayMs: 5_000, answer: { kind: "not-found" } },
      [NUMBERS.trickle]: { kind: "trickle", intervalMs: 20 },
      [NUMBERS.invalidXml]: { kind: "invalid-xml" },
      [NUMBERS.html]: { kind: "html" },
      [NUMBERS.huge]: { kind: "huge" },
      [NUMBERS.hugeDeclared]: { kind: "huge", contentLength: true },
      [NUMBERS.echo]: { kind: "status", status: 502, body: KEY },
      [NUMBERS.redirectAway]: {
        kind: "raw",
        status: 302,
        headers: { location: `https://evil.example/api/?was=1&key=${KEY}` },
      },
      // Filled in once the server's address is known.
      [NUMBERS.redirectHome]: { kind: "not-found" },
    },
  });
});

beforeAll(() => {
  const query = new URLSearchParams({ was: NUMBERS.person, lang: "de", key: KEY });
  const legacy = `${server.url.replace("/tel/api/", "/api/")}?${query}`;
  server.answer(NUMBERS.redirectHome, { kind: "raw", status: 301, headers: { location: legacy } });
});

afterAll(async () => {
  await server.close();
});

function client(options: Partial<SearchChClientOptions> = {}) {
  return createSearchChClient({
    baseUrl: server.url,
    key: KEY,
    lang: "de",
    timeoutMs: 2_000,
    ...options,
  });
}

/** The request the fake server recorded for a number (the last one). */
function requestFor(number: string) {
  const request = server.requests.findLast((candidate) => candidate.was === number);
  if (!request) throw new Error(`no request for ${number}`);
  return request;
}

async function settle(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("searchChClient against the fake search.ch", () => {
  it("finds a person with structured data when a key is sent", async () => {
    const outcome = await client().lookup(NUMBERS.person);
    expect(outcome).toEqual({
      kind: "entries",
      totalResults: 1,
      entries: [
        {
          type: "person",
          name: "Muster",
          firstName: "Hans",
          displayName: "Hans Muster",
          occupation: null,
          categories: [],
          street: "Seestrasse",
          streetNo: "12",
          zip: "8000",
          city: "Zürich",
          canton: "ZH",
          phone: NUMBERS.person,
        },
      ],
    });
    const request = requestFor(NUMBERS.person);
    expect(request).toMatchObject({ path: "/tel/api/", key: KEY, lang: "de" });
    expect(request.userAgent).toMatch(/voip-callerid/);
  });

  it("finds a business with its categories", async () => {
    const outcome = await client({ lang: "fr" }).lookup(NUMBERS.business);
    expect(outcome).toMatchObject({
      kind: "entries",
      entries: [
        {
          type: "organisation",
          displayName: "Muster Haustechnik AG",
          occupation: "Sanitär, Heizung",
          categories: ["Sanitäranlagen", "Heizungen"],
        },
      ],
    });
    expect(requestFor(NUMBERS.business).lang).toBe("fr");
  });

  it("gets only title and content without a key, and derives the fields from them", async () => {
    const outcome = await client({ key: undefined }).lookup(NUMBERS.person);
    expect(outcome).toMatchObject({
      kind: "entries",
      entries: [
        {
          type: "unknown",
          name: "Muster",
          firstName: "Hans",
          displayName: "Hans Muster",
          zip: "8000",
        },
      ],
    });
    expect(requestFor(NUMBERS.person).key).toBeNull();
    expect(requestFor(NUMBERS.person).query).not.toHaveProperty("key");
  });

  it("returns several entries, a household and different names", async () => {
    const household = await client().lookup(NUMBERS.household);
    expect(household).toMatchObject({ kind: "entries", totalResults: 2 });
    const several = await client().lookup(NUMBERS.several);
    expect(names(several)).toEqual(["Garage Test AG", "Max Test"]);
  });

  it("says not found, with the correction only as a remark", async () => {
    expect(await client().lookup(NUMBERS.correction)).toEqual({
      kind: "entries",
      entries: [],
      totalResults: 0,
      correction: "032 321 61 **",
    });
    expect(await client().lookup("+41449999999")).toEqual({
      kind: "entries",
      entries: [],
      totalResults: 0,
    });
  });

  it("reports a wrong key as forbidden, with the document's message", async () => {
    const outcome = await client({ key: "wrong-key" }).lookup(NUMBERS.person);
    expect(outcome).toEqual({
      kind: "forbidden",
      message: "The submitted API-Key is invalid or blocked (403 Forbidden)",
    });
  });

  it("reports a key past its quota as forbidden", async () => {
    const limited = await startFakeSearchCh({ key: KEY, quota: 1 });
    try {
      const quotaClient = client({ baseUrl: limited.url });
      expect(await quotaClient.lookup(NUMBERS.person)).toMatchObject({ kind: "entries" });
      expect(await quotaClient.lookup(NUMBERS.person)).toMatchObject({ kind: "forbidden" });
    } finally {
      await limited.close();
    }
  });

  it("honours Retry-After on 429, in seconds or as a date", async () => {
    expect(await client().lookup(NUMBERS.limited)).toEqual({
      kind: "rate-limited",
      retryAfterMs: 120_000,
    });
    const dated = await client().lookup(NUMBERS.limitedDate);
    expect(dated.kind).toBe("rate-limited");
    const after = dated.kind === "rate-limited" ? dated.retryAfterMs : null;
    expect(after).toBeGreaterThan(50_000);
    expect(after).toBeLessThanOrEqual(60_000);
  });

  it("takes the old keyless 'Request limit exceeded.' text as rate-limited", async () => {
    expect(await client({ key: undefined }).lookup(NUMBERS.limitedText)).toEqual({
      kind: "rate-limited",
      retryAfterMs: null,
    });
  });

  it.each([
    ["a 500", "broken", "http-error"],
    ["invalid XML", "invalidXml", "invalid-document"],
    ["an HTML page", "html", "invalid-document"],
  ] as const)("fails on %s", async (_, which, reason) => {
    const outcome = await client().lookup(NUMBERS[which]);
    expect(outcome).toMatchObject({ kind: "failed", reason });
  });

  it("fails with network when nobody listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await client({ baseUrl: `http://127.0.0.1:${port}/tel/api/` }).lookup("1");
    expect(outcome).toMatchObject({ kind: "failed", reason: "network" });
  });

  it("bounds a slow answer by the timeout", async () => {
    const started = performance.now();
    const outcome = await client({ timeoutMs: 300 }).lookup(NUMBERS.slow);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ kind: "failed", reason: "timeout" });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(400);
  });

  it("bounds a trickling body by the timeout, and hangs up", async () => {
    const started = performance.now();
    const outcome = await client({ timeoutMs: 300 }).lookup(NUMBERS.trickle);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ kind: "failed", reason: "timeout" });
    expect(elapsed).toBeLessThan(400);
    const request = requestFor(NUMBERS.trickle);
    expect(request.bytesSent).toBeGreaterThan(0);
    await settle(() => request.aborted);
    expect(request.aborted).toBe(true);
  });

  it.each([
    ["chunked", "huge"],
    ["with a Content-Length", "hugeDeclared"],
  ] as const)("refuses a 10 MB body (%s) without reading it all", async (_, which) => {
    const started = performance.now();
    const outcome = await client().lookup(NUMBERS[which]);
    expect(outcome).toMatchObject({ kind: "failed", reason: "too-large" });
    expect(performance.now() - started).toBeLessThan(1_000);
    const request = requestFor(NUMBERS[which]);
    await settle(() => request.aborted);
    // The connection was torn down before the server could send it all.
    expect(request.aborted).toBe(true);
    expect(request.bytesSent).toBeLessThan(10_000_000);
  });

  it("applies a smaller body cap", async () => {
    const outcome = await client({ maxBodyBytes: 100 }).lookup(NUMBERS.person);
    expect(outcome).toEqual({
      kind: "failed",
      reason: "too-large",
      message: "answer larger than 100 bytes",
    });
  });

  it("sends the key but never shows it", async () => {
    const outcomes: SearchChOutcome[] = [
      await client().lookup(NUMBERS.forbidden),
      await client().lookup(NUMBERS.echo),
      await client({ baseUrl: `${server.url.replace("/tel/api/", "")}/nowhere/` }).lookup("1"),
      await client({ baseUrl: "http://127.0.0.1:1/" }).lookup("1"),
    ];
    expect(outcomes[0]).toEqual({
      kind: "forbidden",
      message: "Key *** is blocked (403 Forbidden)",
    });
    expect(requestFor(NUMBERS.forbidden).key).toBe(KEY);
    for (const outcome of outcomes) expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it("follows a redirect within the same host, but not to another one", async () => {
    expect(names(await client().lookup(NUMBERS.redirectHome))).toEqual(["Hans Muster"]);
    expect(server.requests.at(-1)).toMatchObject({ path: "/api/", key: KEY });
    const away = await client().lookup(NUMBERS.redirectAway);
    expect(away).toMatchObject({ kind: "failed", reason: "http-error" });
    expect(JSON.stringify(away)).toContain("evil.example");
    expect(JSON.stringify(away)).not.toContain(KEY);
  });

  it("encodes + as %2B and national numbers as they are", async () => {
    await client().lookup("+41 44 123 45 67");
    const spaced = server.requests.at(-1);
    expect(spaced?.was).toBe("+41 44 123 45 67");
    await client().lookup("0441234567");
    expect(server.requests.at(-1)?.was).toBe("0441234567");
    // A raw query check: "+" must not arrive as a space.
    const raw = await rawQueryOf("+41441234567");
    expect(raw).toContain("was=%2B41441234567");
    expect(raw).toContain("lang=de");
    expect(raw).toContain(`key=${KEY}`);
  });
});

function names(outcome: SearchChOutcome): string[] {
  return outcome.kind === "entries" ? outcome.entries.map((entry) => entry.displayName) : [];
}

/** The query of the request line as it went over the wire, seen by a bare server. */
async function rawQueryOf(number: string): Promise<string> {
  let query = "";
  const bare = createServer((req, res) => {
    query = (req.url ?? "").split("?")[1] ?? "";
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const { port } = bare.address() as AddressInfo;
  try {
    await client({ baseUrl: `http://127.0.0.1:${port}/tel/api/` }).lookup(number);
  } finally {
    bare.closeAllConnections();
    await new Promise((resolve) => bare.close(resolve));
  }
  return query;
}
