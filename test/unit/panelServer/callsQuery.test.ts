import { describe, expect, it } from "vitest";
import { callPageStatement } from "../../../src/io/callLogPage.js";
import {
  decodeCursor,
  encodeCursor,
  panelCall,
  parseCallsQuery,
  textFilter,
} from "../../../src/panel/server/callsQuery.js";

describe("the Calls query", () => {
  it("reads the panel's filters, with 50 calls a page by default", () => {
    expect(parseCallsQuery({})).toEqual({
      ok: true,
      value: { limit: 50, before: null, missedOnly: false, line: null, direction: null },
    });
    const cursor = encodeCursor({ startedAt: "2026-03-14T18:00:00.000Z", rowid: 42 });
    expect(
      parseCallsQuery({
        limit: "20",
        before: cursor,
        missed: "1",
        line: "aaln/1@mta",
        direction: "outgoing",
        q: " Meier ",
      }),
    ).toEqual({
      ok: true,
      value: {
        limit: 20,
        before: { startedAt: "2026-03-14T18:00:00.000Z", rowid: 42 },
        missedOnly: true,
        line: "aaln/1@mta",
        direction: "outgoing",
        nameContains: "Meier",
      },
    });
  });

  it("says what is wrong with a bad limit, cursor or direction", () => {
    for (const query of [{ limit: "0" }, { limit: "201" }, { limit: "2.5" }, { limit: "x" }]) {
      expect(parseCallsQuery(query)).toEqual({
        ok: false,
        message: "limit must be a whole number from 1 to 200",
      });
    }
    expect(parseCallsQuery({ before: "not-a-cursor" })).toEqual({
      ok: false,
      message: "before is not a cursor",
    });
    expect(parseCallsQuery({ direction: "both" })).toEqual({
      ok: false,
      message: "direction is incoming or outgoing",
    });
  });

  it("opens only cursors it made", () => {
    const position = { startedAt: "2026-03-14T18:00:00.000Z", rowid: 7 };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const cursor of [
      forged(["2026-03-14T18:00:00.000Z", -1]),
      forged(["2026-03-14T18:00:00.000Z", 1.5]),
      forged(["'; DROP TABLE calls; --", 1]),
      forged({ startedAt: "2026-03-14T18:00:00.000Z", rowid: 1 }),
      "%%%",
    ]) {
      expect(decodeCursor(cursor), cursor).toBeNull();
    }
  });

  it("looks for a number's digits as well as a name when the text is a number", () => {
    expect(textFilter("044 123 45")).toEqual({
      nameContains: "044 123 45",
      digitsContain: "04412345",
    });
    expect(textFilter("+41 (0)44")).toEqual({ nameContains: "+41 (0)44", digitsContain: "41044" });
    expect(textFilter("Müller 2")).toEqual({ nameContains: "Müller 2" });
    expect(textFilter("")).toEqual({});
  });
});

describe("the call log page statement", () => {
  it("binds every value and takes LIKE's wildcards literally", () => {
    const statement = callPageStatement({
      limit: 51,
      before: { startedAt: "2026-01-01T00:00:00.000Z", rowid: 3 },
      missedOnly: true,
      line: "aaln/1",
      direction: "incoming",
      nameContains: "100%_sure\\",
      digitsContain: "044",
    });
    expect(statement.sql).not.toContain("aaln/1");
    expect(statement.sql).not.toContain("sure");
    expect(statement.params).toMatchObject({
      limit: 51,
      beforeStart: "2026-01-01T00:00:00.000Z",
      beforeRowid: 3,
      line: "aaln/1",
      direction: "incoming",
      name: "%100\\%\\_sure\\\\%",
      digits: "%044%",
    });
    expect(statement.shape).toBe("b,m,l,d,qnd");
    expect(callPageStatement({ limit: 10 }).shape).toBe("all");
    expect(callPageStatement({ limit: 10_000 }).params.limit).toBe(500);
  });
});

describe("a call as the panel shows it", () => {
  it("has the contract's fields, answered from the answer time", () => {
    const row = {
      call_id: "c1",
      line: "aaln/1@mta",
      line_name: "Home",
      direction: "incoming" as const,
      outcome: "ended" as const,
      number: "+41441234567",
      number_display: "044 123 45 67",
      name: "Hans",
      name_source: "phonebook",
      anonymous: false,
      started_at: "2026-03-14T18:00:00.000Z",
      answered_at: "2026-03-14T18:00:05.000Z",
      ended_at: "2026-03-14T18:01:05.000Z",
      duration_s: 60,
      announcement: "Anruf von Hans",
      nuisance: true,
      nuisance_label: "Lotto",
      nuisance_source: "household",
    };
    expect(panelCall(row)).toEqual({
      call_id: "c1",
      started_at: "2026-03-14T18:00:00.000Z",
      line: "aaln/1@mta",
      line_name: "Home",
      direction: "incoming",
      outcome: "ended",
      answered: true,
      duration_s: 60,
      number: "+41441234567",
      number_display: "044 123 45 67",
      name: "Hans",
      name_source: "phonebook",
      anonymous: false,
      announcement: "Anruf von Hans",
      nuisance: true,
      nuisance_label: "Lotto",
      nuisance_source: "household",
    });
  });
});
