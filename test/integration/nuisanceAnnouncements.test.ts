/**
 * Issue 13 end to end: `voip-callerid run --replay` with the Home Assistant stand-in (which
 * checks each service's data as Home Assistant does). Three calls ring one after another: a
 * number in a blocked prefix, an allowed number in the same prefix, and a phonebook caller.
 * What the household sees (the event's nuisance fields) and hears (tts.speak on the speakers,
 * assist_satellite.announce on the satellites) is checked, with `announce.nuisance` warn and
 * silent, and an Assist satellite beside the speakers.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { scenarioFrames } from "../fixtures/generate.js";
import type { Scenario, Step } from "../fixtures/scenarios.js";
import { replayAtOnce, spawnCli } from "../support/cli.js";
import {
  FAKE_HA_TOKEN,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../support/fakeHomeAssistant.js";
import { writePcap } from "../support/pcapWriter.js";
import { HANS_MUSTER_DIRECTORY_YAML } from "../support/phonebookFixtures.js";

const LINE = "aaln/1@mta-1.example";
const rqnt = (tx: number, signals: string) =>
  `RQNT ${tx} ${LINE} MGCP 1.0\nX: ${tx.toString(16)}\nR: L/hd(N)\nS: ${signals}\n`;
const ok = (tx: number) => `200 ${tx} OK\n`;

/** A call from `number` that rings at `at` seconds and is given up 15 s later (missed). */
function missedCall(at: number, tx: number, number: string): Step[] {
  return [
    [at, "ca", rqnt(tx, `L/rg,L/ci(03/14/19/00,"${number}",)`)],
    [at + 0.004, "gw", ok(tx)],
    [at + 15, "ca", rqnt(tx + 1, "")],
    [at + 15.003, "gw", ok(tx + 1)],
  ];
}

const THREE_CALLS: Scenario = {
  name: "nuisance-prefix",
  description: "A blocked prefix's number, an allowed number in it, then a phonebook caller",
  steps: [
    ...missedCall(0, 101, "0901234567"), // in the blocked prefix 090 1*
    ...missedCall(60, 201, "0901000111"), // the same prefix, but allowed
    ...missedCall(120, 301, "0441234567"), // Hans Muster, in the phonebook
  ],
  expected: [],
};

let ha: FakeHomeAssistant;
let dir: string;
let capture: string;

beforeAll(async () => {
  ha = await startFakeHomeAssistant();
  dir = mkdtempSync("/tmp/voip-callerid-nuisance-");
  const { linkType, frames } = scenarioFrames(THREE_CALLS);
  capture = `${dir}/three-calls.pcap`;
  writeFileSync(capture, writePcap(frames, { linkType }));
  return () => ha.stop();
});

const NUISANCE_LISTS = `  nuisance:
    - number: "090 1*"
      label: Lotto Versand
  allow: ["+41 901 000 111"]
`;

function options(announce: string, lists = NUISANCE_LISTS): string {
  const path = `${dir}/options-${Math.random().toString(36).slice(2)}.yaml`;
  writeFileSync(
    path,
    `lines:
  - id: "aaln/1@*"
    name: Home
${HANS_MUSTER_DIRECTORY_YAML}${lists}announce:
  tts_entity: tts.piper
  media_players: [media_player.kitchen]
  satellites: [assist_satellite.hall]
  repeat: 1
${announce}
homeassistant:
  url: ${ha.url}
  token: ${FAKE_HA_TOKEN}
data_dir: ${dir}/data-${Math.random().toString(36).slice(2)}
`,
  );
  return path;
}

describe("Assist satellites beside the speakers", () => {
  it("each satellite gets assist_satellite.announce with the sentence, which Home Assistant accepts", async () => {
    ha.clearRecords();
    const path = options("  preannounce: false", "");
    const run = await replayAtOnce(path);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const announce = ha.serviceCalls.filter((c) => c.domain === "assist_satellite");
    expect(announce.map((c) => [c.service, c.target, c.serviceData, c.outcome])).toEqual([
      [
        "announce",
        { entity_id: "assist_satellite.hall" },
        { message: "Anruf von Hans Muster", preannounce: false },
        "ok",
      ],
      [
        "announce",
        { entity_id: "assist_satellite.hall" },
        { message: "Anruf mit unterdrückter Nummer", preannounce: false },
        "ok",
      ],
    ]);
    // The speakers still get theirs: mixed, each call once (repeat: 1).
    expect(ha.serviceCalls.filter((c) => c.service === "speak")).toHaveLength(2);
  });

  it("names a satellite option that is not an assist_satellite entity, before anything starts", async () => {
    const path = `${dir}/bad-satellite.yaml`;
    writeFileSync(
      path,
      `lines:\n  - id: "aaln/1@*"\n    satellites: [media_player.kitchen]\nannounce:\n  satellites: [hall]\ndata_dir: ${dir}/bad\n`,
    );
    const run = await spawnCli(["run", "--config", path, "--replay", capture]);
    expect(run.code).toBe(1);
    const log = run.stdout + run.stderr;
    expect(log).toContain(
      'lines.0.satellites.0: "media_player.kitchen" is not an Assist satellite such as assist_satellite.kitchen',
    );
    expect(log).toContain(
      'announce.satellites.0: "hall" is not an Assist satellite such as assist_satellite.kitchen',
    );
  });
});

async function replay(announce = "") {
  ha.clearRecords();
  const run = await replayAtOnce(options(announce), capture);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  const ringing = ha.firedEvents
    .filter((e) => e.eventType === "voip_callerid_call" && e.data.type === "ringing")
    .map((e) => e.data);
  const said = (domain: string) =>
    ha.serviceCalls
      .filter((c) => c.domain === domain)
      .map((c) => [c.serviceData?.message, c.outcome]);
  return { ringing, speakers: said("tts"), satellites: said("assist_satellite") };
}

describe("a call from a number on a nuisance list (issue 13)", () => {
  it("warn: the event is flagged with the list's label, and the warning is said with it on speakers and satellite", async () => {
    const { ringing, speakers, satellites } = await replay();

    expect(
      ringing.map((e) => [e.number, e.name, e.nuisance, e.nuisance_label, e.nuisance_source]),
    ).toEqual([
      ["+41901234567", null, true, "Lotto Versand", "list"],
      ["+41901000111", null, false, null, null],
      ["+41441234567", "Hans Muster", false, null, null],
    ]);
    const sentences = [
      "Achtung, vermutlich Werbung: Lotto Versand",
      "Nicht im Telefonbuch. 0 9 0 1, 0 0 0, 1 1 1",
      "Anruf von Hans Muster",
    ];
    expect(speakers).toEqual(sentences.map((s) => [s, "ok"]));
    expect(satellites).toEqual(sentences.map((s) => [s, "ok"]));
  });

  it("silent: nothing is said for it, on speakers or satellite, but its event still fires", async () => {
    const { ringing, speakers, satellites } = await replay("  nuisance: silent");

    expect(ringing.map((e) => [e.number, e.nuisance])).toEqual([
      ["+41901234567", true],
      ["+41901000111", false],
      ["+41441234567", false],
    ]);
    const sentences = ["Nicht im Telefonbuch. 0 9 0 1, 0 0 0, 1 1 1", "Anruf von Hans Muster"];
    expect(speakers).toEqual(sentences.map((s) => [s, "ok"]));
    expect(satellites).toEqual(sentences.map((s) => [s, "ok"]));
  });
});
