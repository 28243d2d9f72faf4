import { describe, expect, it } from "vitest";
import { phoneAttributes } from "../../../src/core/discovery/entityStates.js";
import { NOT_FLAGGED } from "../../../src/core/nuisance/verdict.js";
import { type CallReport, callEventData } from "../../../src/core/outputs/callReport.js";
import { callLogRow } from "../../../src/io/callLog.js";
import { callEvent, hansMuster } from "../../support/callFixtures.js";

const report = (nuisance?: CallReport["nuisance"]): CallReport => ({
  event: callEvent("ringing", "c1"),
  line: { name: "Home", mediaPlayers: [] },
  party: hansMuster({ name: null, source: null, kind: "unknown" }),
  ...(nuisance === undefined ? {} : { nuisance }),
});

describe("a flagged call in what automations read", () => {
  it("the event, the phone sensor's attributes and the call log row carry the verdict", () => {
    const flagged = report({ flagged: true, label: "Lotto Versand", source: "file" });
    const fields = {
      nuisance: true,
      nuisance_label: "Lotto Versand",
      nuisance_source: "file",
      nuisance_score: null,
    };
    expect(callEventData(flagged)).toMatchObject(fields);
    expect(phoneAttributes(callEventData(flagged))).toMatchObject(fields);
    expect(callLogRow(flagged)).toMatchObject({
      nuisance: true,
      nuisance_label: "Lotto Versand",
      nuisance_source: "file",
    });
    const online = report({ flagged: true, label: "Werbung", source: "tellows", score: 8 });
    expect(callEventData(online)).toMatchObject({ nuisance_source: "tellows", nuisance_score: 8 });
  });

  it("spoken is what was said: the warning, or null when a flagged call is not announced", () => {
    const flagged = { flagged: true, label: "Lotto Versand", source: "file" } as const;
    expect(callEventData({ ...report(flagged), spoken: "Achtung: Lotto Versand" }).spoken).toBe(
      "Achtung: Lotto Versand",
    );
    expect(callEventData({ ...report(flagged), spoken: null }).spoken).toBeNull();
    expect(callEventData(report(flagged)).spoken).toBe(report().party.announcement);
  });

  it.each([
    ["no lists (a report without a verdict)", undefined],
    ["not flagged", NOT_FLAGGED],
  ])("%s: false and nulls", (_what, verdict) => {
    expect(callEventData(report(verdict))).toMatchObject({
      nuisance: false,
      nuisance_label: null,
      nuisance_source: null,
      nuisance_score: null,
    });
  });
});
