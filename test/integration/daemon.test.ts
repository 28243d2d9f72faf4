/**
 * The daemon end to end, with its real parts: Debian's mosquitto, the Home Assistant websocket
 * stand-in, the real call log — fed the bundled example capture (an answered call from Hans
 * Muster, then a missed call from a withheld number) through `run --replay`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCallLog } from "../../src/io/callLog.js";
import {
  CLI_COMMAND,
  PROJECT_ROOT,
  replayAtOnce,
  spawnCli,
  startReplayAtOnce,
} from "../support/cli.js";
import {
  FAKE_HA_TOKEN,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../support/fakeHomeAssistant.js";
import { type Mosquitto, startMosquitto } from "../support/mosquitto.js";
import { HANS_MUSTER_DIRECTORY_YAML } from "../support/phonebookFixtures.js";
import { describeIfRoot } from "../support/root.js";

let broker: Mosquitto;
let ha: FakeHomeAssistant;
let dir: string;

function options(extra = ""): string {
  const path = `${dir}/options-${Math.random().toString(36).slice(2)}.yaml`;
  writeFileSync(
    path,
    `capture:
  interface: lo
lines:
  - id: "aaln/1@*"
    name: Home
${HANS_MUSTER_DIRECTORY_YAML}announce:
  tts_entity: tts.piper
  media_players: [media_player.kitchen, media_player.living_room]
  repeat: 2
  repeat_delay_s: 3
mqtt:
  url: ${broker.url}
homeassistant:
  url: ${ha.url}
  token: ${FAKE_HA_TOKEN}
data_dir: ${dir}/data
${extra}`,
  );
  return path;
}

/** Everything Home Assistant would see on the broker while `during` runs. */
async function watchBroker<T>(during: () => Promise<T>) {
  const client = await mqtt.connectAsync(broker.url);
  const seen: { topic: string; payload: string; retain: boolean }[] = [];
  const marker = `test/marker/${Math.random().toString(36).slice(2)}`;
  let markerBack = () => {};
  client.on("message", (topic, payload, packet) => {
    if (topic === marker) markerBack();
    else seen.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync(["homeassistant/#", "voip_callerid/#", marker]);
  const result = await during();
  // The broker passes messages on in the order it took them: once a message published now has
  // come back, all that the program (QoS 1, gone by now) published has arrived too.
  await new Promise<void>((resolve) => {
    markerBack = resolve;
    client.publish(marker, "", { qos: 1 });
  });
  await client.endAsync();
  return { result, seen };
}

beforeAll(async () => {
  broker = await startMosquitto();
  ha = await startFakeHomeAssistant();
  dir = mkdtempSync("/tmp/voip-callerid-daemon-");
});
afterAll(async () => {
  await ha?.stop();
  await broker?.kill();
});

describe("voip-callerid run --replay", () => {
  it("tells Home Assistant, the MQTT entities and the speakers about each call, then exits", async () => {
    ha.clearRecords();
    const { result: run, seen } = await watchBroker(() => replayAtOnce(options()));
    expect(run.code).toBe(0);

    // The HA event, once per call event, with the contract's fields.
    const events = ha.firedEvents
      .filter((e) => e.eventType === "voip_callerid_call")
      .map((e) => e.data);
    expect(
      events.map((e) => [e.type, e.line_name, e.name, e.name_source, e.number, e.anonymous]),
    ).toEqual([
      ["ringing", "Home", "Hans Muster", "phonebook", "+41441234567", false],
      ["answered", "Home", "Hans Muster", "phonebook", "+41441234567", false],
      ["ended", "Home", "Hans Muster", "phonebook", "+41441234567", false],
      ["ringing", "Home", null, null, null, true],
      ["missed", "Home", null, null, null, true],
    ]);
    expect(events[2]).toMatchObject({
      number_display: "044 123 45 67",
      spoken: "Anruf von Hans Muster",
      started_at: "2026-03-14T18:00:00.000Z",
      answered_at: "2026-03-14T18:00:08.000Z",
      ended_at: "2026-03-14T18:01:35.000Z",
      duration_s: 87,
      line: "aaln/1@mediatrix.example",
      direction: "incoming",
    });

    // tts.speak once per repeat: the first call rang 8 s, time for both rounds; so did the second.
    const speak = ha.serviceCalls.filter((c) => c.domain === "tts" && c.service === "speak");
    expect(
      speak.map((c) => [c.target, c.serviceData?.message, c.serviceData?.media_player_entity_id]),
    ).toEqual([
      [
        { entity_id: "tts.piper" },
        "Anruf von Hans Muster",
        ["media_player.kitchen", "media_player.living_room"],
      ],
      [
        { entity_id: "tts.piper" },
        "Anruf von Hans Muster",
        ["media_player.kitchen", "media_player.living_room"],
      ],
      [
        { entity_id: "tts.piper" },
        "Anruf mit unterdrückter Nummer",
        ["media_player.kitchen", "media_player.living_room"],
      ],
      [
        { entity_id: "tts.piper" },
        "Anruf mit unterdrückter Nummer",
        ["media_player.kitchen", "media_player.living_room"],
      ],
    ]);
    const logbook = ha.serviceCalls
      .filter((c) => c.domain === "logbook")
      .map((c) => c.serviceData?.message);
    expect(logbook).toEqual([
      "Anruf von Hans Muster (044 123 45 67), 87 s",
      "Verpasster Anruf von unterdrückter Nummer",
    ]);

    // The phone sensor went ringing → talking → idle → ringing → idle; the missed count is 1.
    const phone = seen.filter((m) => m.topic.endsWith("/phone")).map((m) => m.payload);
    expect(phone.filter((state, i) => state !== phone[i - 1])).toEqual([
      "ringing",
      "talking",
      "idle",
      "ringing",
      "idle",
    ]);
    const missed = seen.filter((m) => m.topic.endsWith("/missed_calls")).map((m) => m.payload);
    expect(missed.at(-1)).toBe("1");
    // What Home Assistant reads when it starts later: the retained discovery config and states.
    const { seen: retained } = await watchBroker(async () => {});
    const config = retained.find(
      (m) => m.topic.startsWith("homeassistant/sensor/") && m.topic.endsWith("/phone/config"),
    );
    expect(config?.retain).toBe(true);
    expect(JSON.parse(config?.payload ?? "{}")).toMatchObject({
      device_class: "enum",
      options: ["idle", "ringing", "talking", "dialing"],
      default_entity_id: "sensor.home_phone",
    });
    expect(retained.find((m) => m.topic.endsWith("/missed_calls"))?.payload).toBe("1");
    expect(
      seen.filter((m) => m.topic === "voip_callerid/availability").map((m) => m.payload),
    ).toContain("offline");

    // The call log has both calls.
    const log = openCallLog(`${dir}/data/calls.sqlite`, { retentionDays: 365 });
    expect(log.recent().map((r) => [r.outcome, r.name, r.duration_s])).toEqual([
      ["missed", null, null],
      ["ended", "Hans Muster", 87],
    ]);
    log.close();
  });

  it("delivers the events once Home Assistant comes up, and names every bad option before starting", async () => {
    await ha.stop();
    ha.clearRecords();
    const run = startReplayAtOnce(options("log_level: debug"));
    await run.waitForOutput(/Cannot reach Home Assistant/i);
    expect(ha.firedEvents).toEqual([]);
    await ha.start();
    expect((await run.exited).code).toBe(0);
    expect(
      ha.firedEvents.filter((e) => e.eventType === "voip_callerid_call").map((e) => e.data.type),
    ).toEqual(["ringing", "answered", "ended", "ringing", "missed"]);

    const bad = await spawnCli([
      "run",
      "--config",
      options("announce:\n  repeat: 0\n"),
      "--replay",
      "examples/incoming-call.pcap",
    ]);
    expect(bad.code).toBe(1);
  });
  it("plays a whole replay while Home Assistant is away, and stops within 5 s of SIGTERM", async () => {
    await ha.stop();
    try {
      const run = startReplayAtOnce(options("log_level: debug"));
      // Every call of the capture is followed although no event could be delivered yet.
      await run.waitForOutput(/incoming call \S+ missed/);
      expect(run.output()).toMatch(/Cannot reach Home Assistant/i);
      const asked = Date.now();
      run.kill("SIGTERM");
      const { code } = await run.exited;
      expect(Date.now() - asked).toBeLessThan(5000);
      expect(code).toBe(0);
    } finally {
      await ha.start();
    }
  });
});

describe("voip-callerid run with a SIP adapter", () => {
  it("reports a SIP call on the line named by the household's number", async () => {
    ha.clearRecords();
    const path = `${dir}/sip.yaml`;
    writeFileSync(
      path,
      `lines:
  - id: "044 111 22 33"
    name: Home
directory:
  online_lookup: false
announce:
  tts_entity: tts.piper
  media_players: [media_player.kitchen]
  repeat: 1
homeassistant:
  url: ${ha.url}
  token: ${FAKE_HA_TOKEN}
data_dir: ${dir}/sip
`,
    );
    const run = await replayAtOnce(path, "test/fixtures/synthetic/sip-answered-tcp.pcap");
    expect(run.code).toBe(0);
    const events = ha.firedEvents
      .filter((e) => e.eventType === "voip_callerid_call")
      .map((e) => e.data);
    expect(
      events.map((e) => [
        e.type,
        e.line,
        e.line_name,
        e.direction,
        e.number,
        e.name,
        e.name_source,
      ]),
    ).toEqual([
      ["ringing", "sip:0441112233", "Home", "incoming", "+41449876543", "Hans Muster", "network"],
      ["answered", "sip:0441112233", "Home", "incoming", "+41449876543", "Hans Muster", "network"],
      ["ended", "sip:0441112233", "Home", "incoming", "+41449876543", "Hans Muster", "network"],
    ]);
    const speak = ha.serviceCalls
      .filter((c) => c.service === "speak")
      .map((c) => c.serviceData?.message);
    expect(speak).toEqual(["Anruf von Hans Muster"]);
  });
});

describe("voip-callerid run, as the add-on runs it", () => {
  it("never writes secrets into its log, even at debug level", async () => {
    const secure = await startMosquitto({ users: { addons: "mqtt-Secret-77" } });
    try {
      ha.setToken("ha-Token-Secret-99");
      const path = `${dir}/secrets.yaml`;
      writeFileSync(
        path,
        `directory:\n  online_lookup: true\n  search_ch_key: search-Key-Secret-55\n  search_ch_url: http://127.0.0.1:9/\n  lookup_timeout_ms: 200\nmqtt:\n  url: ${secure.url}\n  username: addons\n  password: mqtt-Secret-77\nhomeassistant:\n  url: ${ha.url}\n  token: ha-Token-Secret-99\ndata_dir: ${dir}/secrets\nlog_level: debug\n`,
      );
      const run = await replayAtOnce(path);
      expect(run.code).toBe(0);
      const log = run.stdout + run.stderr;
      expect(log).toContain("search.ch lookup failed");
      for (const secret of ["mqtt-Secret-77", "ha-Token-Secret-99", "search-Key-Secret-55"])
        expect(log).not.toContain(secret);
    } finally {
      ha.setToken(FAKE_HA_TOKEN);
      await secure.kill();
    }
  });
});

describeIfRoot("voip-callerid run on a live interface", () => {
  it("starts capturing and stops cleanly within 5 s of SIGTERM", async () => {
    const path = `${dir}/live.yaml`;
    writeFileSync(
      path,
      `capture:\n  interface: lo\ndirectory:\n  online_lookup: false\nmqtt:\n  url: ${broker.url}\nhomeassistant:\n  url: ${ha.url}\n  token: ${FAKE_HA_TOKEN}\ndata_dir: ${dir}/live\n`,
    );
    const [command, ...args] = CLI_COMMAND;
    const child = spawn(command as string, [...args, "run", "--config", path], {
      cwd: PROJECT_ROOT,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 20_000;
    while (!output.includes("listening on lo")) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const stopAt = performance.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(performance.now() - stopAt).toBeLessThan(5000);
    expect(output).toMatch(/stopping: \d+ packets/);
  });
});
