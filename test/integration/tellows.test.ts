/**
 * tellows as the optional online nuisance source: its answer read (a table of the format),
 * the client against a stand-in that follows that format, and the daemon's verdict: asked only
 * for numbers no list decided, flagged from the minimum score, kept a day, failures flag nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Options } from "../../src/config/schema.js";
import { validateOptions } from "../../src/config/validateOptions.js";
import { normalizeNumber } from "../../src/core/caller/numbers.js";
import { NumberList } from "../../src/core/nuisance/numberList.js";
import { parseTellowsAnswer } from "../../src/core/nuisance/tellowsAnswer.js";
import { openNuisanceDirectory } from "../../src/daemon/nuisanceDirectory.js";
import { createTellowsClient } from "../../src/io/tellowsClient.js";
import { type FakeTellows, startFakeTellows } from "../support/fakeTellows.js";

describe("parseTellowsAnswer", () => {
  it.each([
    [
      "<tellows><score>8</score><callertypes><caller><name>Werbung</name><count>9</count></caller></callertypes></tellows>",
      { kind: "score", score: 8, callerType: "Werbung" },
    ],
    ["<r><score> 5 </score></r>", { kind: "score", score: 5, callerType: null }],
    [
      "<tellows><score>9</score><callertypes><caller><name><![CDATA[Abzocke <b>!</b>]]></name></caller></callertypes></tellows>",
      { kind: "score", score: 9, callerType: "Abzocke !" },
    ],
    ["<tellows></tellows>", { kind: "invalid", message: "no <score> in the answer" }],
    [
      "<tellows><score>high</score></tellows>",
      { kind: "invalid", message: '<score> is not 1 to 9: "high"' },
    ],
    [
      "<tellows><score>0</score></tellows>",
      { kind: "invalid", message: '<score> is not 1 to 9: "0"' },
    ],
    ["not xml at all", { kind: "invalid", message: "no <score> in the answer" }],
  ])("%s", (xml, answer) => {
    expect(parseTellowsAnswer(xml)).toEqual(answer);
  });
});

const PARTNER = "household";
const KEY = "s3cret key";
let tellows: FakeTellows;
beforeAll(async () => {
  tellows = await startFakeTellows({
    partner: PARTNER,
    key: KEY,
    reports: {
      "0041445551212": { score: 8, callerType: "Werbung" },
      "0041445551213": { score: 6, callerType: "Umfrage" },
      "0041445551299": { score: 9, delayMs: 2000 },
    },
  });
});
afterAll(() => tellows.close());

describe("the tellows client", () => {
  const client = (key = KEY, timeoutMs = 1000) =>
    createTellowsClient({ baseUrl: tellows.url, partner: PARTNER, key, timeoutMs });

  it("sends the number as 00…, the partner and the key, and reads the score", async () => {
    expect(await client().check("0041445551212")).toEqual({
      kind: "score",
      score: 8,
      callerType: "Werbung",
    });
    const sent = tellows.requests.at(-1);
    expect(sent?.pathname).toBe("/basic/num/0041445551212");
    expect(Object.fromEntries(sent?.searchParams ?? [])).toEqual({
      xml: "1",
      partner: PARTNER,
      apikey: KEY,
    });
  });

  it("a refused key and a time-out are outcomes, never with the key in them", async () => {
    const refused = await client("wrong").check("0041445551212");
    expect(refused).toEqual({ kind: "failed", message: "HTTP 403 Forbidden" });
    const slow = await client(KEY, 200).check("0041445551299");
    expect(slow).toEqual({ kind: "failed", message: "no complete answer within 200 ms" });
    const unreachable = await createTellowsClient({
      baseUrl: "http://127.0.0.1:9/basic/num/",
      partner: PARTNER,
      key: KEY,
      timeoutMs: 1000,
    }).check("0041445551212");
    expect(unreachable.kind).toBe("failed");
    expect(JSON.stringify(unreachable)).not.toContain("s3cret");
  });
});

describe("tellows in the nuisance verdict", () => {
  function options(directory: Record<string, unknown>): Options {
    const validated = validateOptions({
      directory: {
        tellows_partner: PARTNER,
        tellows_key: KEY,
        tellows_url: tellows.url,
        lookup_timeout_ms: 500,
        allow: ["044 555 12 13"],
        nuisance: [{ number: "044 555 00*", label: "Listed" }],
        ...directory,
      },
    });
    if (!validated.ok) throw new Error(validated.problems.join("; "));
    return validated.options;
  }
  async function directory(directoryOptions: Record<string, unknown> = {}) {
    const warnings: string[] = [];
    const opened = await openNuisanceDirectory(options(directoryOptions), {
      openFiles: async () => ({ current: () => NumberList.empty(), close: () => {} }),
      marks: { matcher: () => NumberList.empty() },
      createTellows: createTellowsClient,
      now: () => 0,
      log: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    return { opened, warnings };
  }
  const caller = (written: string, source: "phonebook" | null = null) => ({
    number: normalizeNumber(written, "CH"),
    source,
  });

  it("flags from the minimum score, with tellows' caller type and score", async () => {
    const { opened } = await directory();
    expect(await opened.judge(caller("044 555 12 12"))).toEqual({
      flagged: true,
      label: "Werbung",
      source: "tellows",
      score: 8,
    });
    // Below the minimum (7 by default): not flagged, the score still told.
    const before = tellows.requests.length;
    expect(await opened.judge(caller("+41 44 555 12 14"))).toEqual({
      flagged: false,
      label: null,
      source: null,
      score: 5,
    });
    expect(tellows.requests.length).toBe(before + 1);
    // Asked once a day per number.
    await opened.judge(caller("044 555 12 12"));
    expect(tellows.requests.length).toBe(before + 1);
  });

  it("is not asked about the phonebook's contacts, allowed or listed numbers, nor withheld ones", async () => {
    const { opened } = await directory({ tellows_min_score: 6 });
    const before = tellows.requests.length;
    expect((await opened.judge(caller("044 555 12 13"))).flagged).toBe(false); // allowed
    expect((await opened.judge(caller("044 555 12 12", "phonebook"))).flagged).toBe(false);
    expect(await opened.judge(caller("044 555 00 01"))).toMatchObject({ source: "list" });
    const withheld = { number: normalizeNumber(null, "CH", { anonymous: true }), source: null };
    expect((await opened.judge(withheld)).flagged).toBe(false);
    expect(tellows.requests.length).toBe(before);
  });

  it("flags nothing when tellows fails, and says so once without the number or the key", async () => {
    const { opened, warnings } = await directory({ tellows_key: "wrong" });
    expect((await opened.judge(caller("044 555 12 12"))).flagged).toBe(false);
    expect((await opened.judge(caller("044 555 12 15"))).flagged).toBe(false);
    expect(warnings).toEqual(["tellows: HTTP 403 Forbidden"]);
  });

  it("a list that fails flags nothing and is said, the call goes on", async () => {
    const warnings: string[] = [];
    const opened = await openNuisanceDirectory(options({}), {
      openFiles: async () => ({ current: () => NumberList.empty(), close: () => {} }),
      marks: {
        matcher: () => {
          throw new Error("disk gone");
        },
      },
      createTellows: createTellowsClient,
      now: () => 0,
      log: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    expect(await opened.judge(caller("044 555 00 01"))).toEqual({
      flagged: false,
      label: null,
      source: null,
    });
    expect(warnings).toEqual(["nuisance lists failed, the call is not flagged: disk gone"]);
  });

  it("needs the partner name with the key, said before anything starts", () => {
    const result = validateOptions({ directory: { tellows_key: "k" } });
    expect(result).toEqual({
      ok: false,
      problems: [
        "directory.tellows_partner: tellows needs the partner name that goes with the key",
      ],
    });
  });
});
