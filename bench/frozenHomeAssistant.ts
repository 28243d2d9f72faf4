/**
 * A frozen Home Assistant with the add-on's own timings (issue 15 item 3): the stand-in stops
 * as `kill -STOP` would (test/support/fakeHomeAssistantFreeze.ts) while a call rings; the
 * output asks for round 1 at the ring and round 2 six seconds later (speaking time plus
 * repeat_delay_s, as the announcer does), each with the 30 s deadline, plus the call's events.
 * Prints, per scenario, when the stall was noticed, what was said how long after the ring,
 * and the events Home Assistant got (twins share their event_id).
 *
 *   npm run bench:frozen-ha      (about 70 s; the scenarios run side by side)
 */
import { createHomeAssistantOutput } from "../src/io/homeAssistant.js";
import { FAKE_HA_TOKEN, startFakeHomeAssistant } from "../test/support/fakeHomeAssistant.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

async function scenario(name: string, freezeMs: number, ringIntoFreezeMs: number) {
  const fake = await startFakeHomeAssistant();
  const statuses: [number, string][] = [];
  const settings = { websocketUrl: fake.websocketUrl, token: FAKE_HA_TOKEN };
  const ha = createHomeAssistantOutput(settings, quiet, Date.now);
  ha.onStatus((status) => statuses.push([Date.now(), status]));
  ha.start();
  await ha.fireEvent("voip_callerid_call", { event_id: "c0-ended" });
  await sleep(3000);
  const frozenAt = Date.now();
  fake.freeze(freezeMs);
  await sleep(ringIntoFreezeMs);
  const ring = Date.now();
  const say = (round: number) =>
    ha.callService(
      { domain: "tts", service: "speak", data: { message: `round ${round}` } },
      { notAfter: ring + 30_000 },
    );
  const work: Promise<unknown>[] = [ha.fireEvent("voip_callerid_call", { event_id: "c1-ringing" })];
  const rounds = [say(1)];
  await sleep(6000);
  rounds.push(say(2));
  await sleep(4000);
  work.push(ha.fireEvent("voip_callerid_call", { event_id: "c1-missed" }));
  const outcomes = await Promise.all(rounds);
  await Promise.all(work);
  await sleep(Math.max(0, frozenAt + freezeMs + 5000 - Date.now()));
  const noticed = statuses.find(([, status]) => status === "disconnected");
  const ids = fake.firedEvents.map((e) => String(e.data.event_id));
  console.log(
    JSON.stringify({
      scenario: name,
      stallNoticedAfterMs: noticed ? noticed[0] - frozenAt : null,
      announcements: outcomes,
      saidMsAfterRing: fake.serviceCalls.map((c) => [
        c.serviceData?.message,
        Math.round(c.at - ring),
      ]),
      events: ids,
      twins: ids.length - new Set(ids).size,
    }),
  );
  await ha.stop();
  await fake.stop();
}

await Promise.all([
  scenario("SIGSTOP 60 s, ring as it freezes", 60_000, 0),
  scenario("SIGSTOP 60 s, ring 2 s into it", 60_000, 2000),
  scenario("SIGSTOP 20 s, ring 2 s into it", 20_000, 2000),
]);
