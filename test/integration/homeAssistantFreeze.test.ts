/**
 * A frozen Home Assistant (issue 15 item 3): the stand-in stops as `kill -STOP` stops the real
 * one (fakeHomeAssistantFreeze.ts) over real sockets, and the output must notice it within a
 * ping interval plus a pong time-out, never write a service call to a connection that has not
 * proven itself, never have anything said after its deadline, keep repeats spaced, keep the
 * back-off short while a call waits, and deliver every event once and in order.
 *
 * Timings are the add-on's scaled down about 10 times (ping every 5 s, 4 s to answer → 200 /
 * 300 ms; a 30 s deadline → 1.5–3 s), so the whole file takes a few seconds.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createHomeAssistantOutput,
  type HomeAssistantStatus,
  type HomeAssistantTuning,
} from "../../src/io/homeAssistant.js";
import {
  FAKE_HA_TOKEN,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../support/fakeHomeAssistant.js";

const SCALED: Partial<HomeAssistantTuning> = {
  initialBackoffMs: 50,
  maxBackoffMs: 3000,
  urgentBackoffMs: 200,
  connectTimeoutMs: 400,
  pingIntervalMs: 200,
  pongTimeoutMs: 300,
  suspectAfterMs: 100,
  proofValidMs: 5,
  stopTimeoutMs: 300,
};
const NOTICE_WITHIN_MS = 200 + 300;

const TTS = {
  domain: "tts",
  service: "speak",
  target: { entity_id: "tts.piper" },
  data: { media_player_entity_id: ["media_player.kitchen"], message: "Anruf von Hans Muster" },
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(tuning: Partial<HomeAssistantTuning> = {}) {
  const fake = await startFakeHomeAssistant();
  cleanups.push(() => fake.stop());
  const lines: { at: number; level: string; text: string }[] = [];
  const line = (level: string) => (text: string) => lines.push({ at: Date.now(), level, text });
  const log = {
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    debug: (text: () => string) => line("debug")(text()),
  };
  const statuses: { at: number; status: HomeAssistantStatus }[] = [];
  const settings = { websocketUrl: fake.websocketUrl, token: FAKE_HA_TOKEN };
  const ha = createHomeAssistantOutput(settings, log, Date.now, { ...SCALED, ...tuning });
  ha.onStatus((status) => statuses.push({ at: Date.now(), status }));
  cleanups.push(() => ha.stop());
  ha.start();
  // A first call confirmed: the connection is proven.
  expect(await ha.callService(TTS, { notAfter: Date.now() + 5000 })).toBe("sent");
  const connection = fake.serviceCalls[0]?.connection;
  fake.clearRecords();
  return { fake, ha, lines, statuses, connection };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const speaks = (fake: FakeHomeAssistant) =>
  fake.serviceCalls.filter((c) => c.domain === "tts" && c.service === "speak");
const event = (n: number) => ({ event_id: `c${n}:ringing:1749000000000`, call_id: `c${n}` });

describe("a frozen Home Assistant (stopped, not closed)", () => {
  it("is noticed within a ping interval and a pong time-out, and a ring meanwhile is never said late", async () => {
    const { fake, ha, lines, statuses } = await setUp();
    const frozenAt = Date.now();
    fake.freeze(2500);
    await sleep(20); // the last pong is older than proofValidMs: a call waits for a new one
    const ringAt = Date.now();
    const announced = ha.callService(TTS, { notAfter: ringAt + 1500 });
    // Events too wait for an answer: the frozen socket gets none of them.
    const events = [1, 2, 3].map((n) => ha.fireEvent("voip_callerid_call", event(n)));

    // The probe before writing it was never answered: the call was not written, and is
    // dropped at its deadline while Home Assistant is still frozen.
    expect(await announced).toBe("dropped");
    expect(Date.now() - ringAt).toBeLessThan(1500 + 200);
    const noticedAfter = (statuses.find((s) => s.status === "disconnected")?.at ?? 0) - frozenAt;
    expect(noticedAfter).toBeGreaterThan(0);
    expect(noticedAfter).toBeLessThanOrEqual(NOTICE_WITHIN_MS + 150);
    expect(lines.some((l) => l.text.includes("did not answer a ping"))).toBe(true);

    await Promise.all(events);
    await fake.waitFor(() => !fake.frozen, 3000, "thaw");
    await sleep(300);
    expect(speaks(fake)).toEqual([]);
    // Delivered after the thaw, once each and in order: no twin for automations to skip.
    const ids = fake.firedEvents.map((e) => e.data.event_id);
    expect(ids).toEqual([1, 2, 3].map((n) => event(n).event_id));
  });

  it("holds calls while the link is unproven, says them after the thaw within their deadline, spaced as asked", async () => {
    const { fake, ha, connection } = await setUp();
    fake.freeze(1200);
    await sleep(350); // a heartbeat ping is overdue: the link is no longer proven
    const ringAt = Date.now();
    const rounds = [ha.callService(TTS, { notAfter: ringAt + 3000 })];
    await sleep(400); // the announcer's repeat, asked repeat_delay later
    rounds.push(ha.callService(TTS, { notAfter: ringAt + 3000 }));
    const late = ha.callService(
      { ...TTS, data: { ...TTS.data, message: "too late" } },
      { notAfter: ringAt + 500 },
    );

    expect(await Promise.all(rounds)).toEqual(["sent", "sent"]);
    expect(await late).toBe("dropped");
    const said = speaks(fake);
    expect(said.map((c) => c.serviceData?.message)).toEqual([TTS.data.message, TTS.data.message]);
    // "sent", not "failed": neither was written to the frozen connection (at most once).
    expect(said.map((c) => c.connection)).not.toContain(connection);
    for (const call of said) expect(call.at).toBeLessThanOrEqual(ringAt + 3000);
    const [first, second] = said.map((c) => c.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(400 - 20);
  });

  it("keeps the back-off short while a call waits, so a returning HA still says it", async () => {
    const { fake, ha, lines } = await setUp({ maxBackoffMs: 5000 });
    await fake.stop();
    // Let the back-off grow well past the urgent cap.
    await sleep(2500);
    const attempts = lines.filter((l) => l.text.startsWith("Next Home Assistant connection"));
    const waits = attempts.map((l) => Number(/in (\d+) ms/.exec(l.text)?.[1]));
    expect(Math.max(...waits)).toBeGreaterThan(1000);

    const ringAt = Date.now();
    const announced = ha.callService(TTS, { notAfter: ringAt + 1500 });
    await sleep(100);
    await fake.start();
    expect(await announced).toBe("sent");
    expect(speaks(fake)[0]?.at).toBeLessThanOrEqual(ringAt + 100 + 200 + 150);
  });

  it("delivers events fired during a freeze exactly once, in order, after it", async () => {
    const { fake, ha } = await setUp();
    await ha.fireEvent("voip_callerid_call", event(1));
    fake.freeze(1000);
    await sleep(350); // a heartbeat ping is overdue: nothing more is written to the connection
    const during = [2, 3, 4].map((n) => ha.fireEvent("voip_callerid_call", event(n)));
    await sleep(300);
    const later = [5, 6].map((n) => ha.fireEvent("voip_callerid_call", event(n)));
    await Promise.all([...during, ...later]);
    const ids = fake.firedEvents.map((e) => e.data.event_id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6].map((n) => event(n).event_id));
  });
});
