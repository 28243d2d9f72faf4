/**
 * The panel's Try and its speakers against the daemon's real parts: Home Assistant is the
 * websocket stand-in (its media players, TTS entities and satellites from get_states, the
 * service calls it receives), the nuisance lists are the household's marks.
 */
import { describe, expect, it } from "vitest";
import { FAKE_HA_TOKEN, startFakeHomeAssistant } from "../support/fakeHomeAssistant.js";
import { fakeState } from "../support/fakeHomeAssistantCommands.js";
import { change, panelDaemonPerTest, panelJson } from "../support/panelDaemon.js";

const T0 = Date.UTC(2026, 2, 14, 18, 0, 0);

const panel = panelDaemonPerTest(T0);

describe("speakers and announcements, with Home Assistant's websocket stand-in", () => {
  it("lists HA's media players, TTS entities and satellites, and says a number's sentence on the chosen speaker", async () => {
    const ha = await startFakeHomeAssistant({
      states: [
        fakeState("media_player.kitchen", "idle", { friendly_name: "Kitchen" }),
        fakeState("tts.piper", "unknown", { friendly_name: "Piper" }),
        fakeState("assist_satellite.hall", "idle", {
          friendly_name: "Hall",
          supported_features: 1,
        }),
        fakeState("light.sofa", "on", { friendly_name: "Sofa" }),
      ],
    });
    try {
      const d = await panel.start({
        homeassistant: { url: ha.url, token: FAKE_HA_TOKEN },
        directory: { online_lookup: false, phonebook: [{ number: "044 123 45 67", name: "Hans" }] },
      });
      await ha.waitFor(() => ha.openConnections > 0, 10_000, "the daemon's connection");
      const speakers = await panelJson(d, "api/speakers");
      expect(speakers.body).toEqual({
        media_players: [{ entity_id: "media_player.kitchen", name: "Kitchen" }],
        tts: [{ entity_id: "tts.piper", name: "Piper" }],
        satellites: [{ entity_id: "assist_satellite.hall", name: "Hall" }],
      });

      const quiet = await panelJson(d, "api/announce", change("POST", { number: "0441234567" }));
      expect(quiet.body).toEqual({
        sentence: "Anruf von Hans",
        spoken: false,
        nuisance: false,
        nuisance_label: null,
      });
      expect(ha.serviceCalls).toEqual([]);

      const spoken = await panelJson(
        d,
        "api/announce",
        change("POST", { number: "044 123 45 67", speaker: "media_player.kitchen" }),
      );
      expect(spoken.body).toMatchObject({ sentence: "Anruf von Hans", spoken: true });
      expect(ha.serviceCalls).toEqual([
        expect.objectContaining({
          domain: "tts",
          service: "speak",
          target: { entity_id: "tts.piper" },
          serviceData: expect.objectContaining({
            media_player_entity_id: ["media_player.kitchen"],
            message: "Anruf von Hans",
          }),
        }),
      ]);

      await d.missedCall("0791112233", T0);
      const call = (await panelJson(d, "api/calls")).body.calls[0];
      const again = await panelJson(
        d,
        "api/announce",
        change("POST", { call_id: call.call_id, speaker: "assist_satellite.hall" }),
      );
      expect(again.body.spoken).toBe(true);
      expect(ha.serviceCalls.at(-1)).toMatchObject({
        domain: "assist_satellite",
        service: "announce",
        target: { entity_id: "assist_satellite.hall" },
        serviceData: { message: again.body.sentence },
      });
      const bad = await panelJson(
        d,
        "api/announce",
        change("POST", { number: "1", speaker: "light.sofa" }),
      );
      expect(bad.status).toBe(400);
    } finally {
      await panel.stop();
      await ha.stop();
    }
  });

  it("says the nuisance warning for a number the household marked, as a call from it would get", async () => {
    const d = await panel.start();
    const marked = await panelJson(
      d,
      "api/marks",
      change("POST", { number: "0901 123 456", kind: "nuisance", label: "Lotto Versand" }),
    );
    expect(marked.status).toBe(201);
    const tried = await panelJson(d, "api/announce", change("POST", { number: "0901123456" }));
    expect(tried.body).toEqual({
      sentence: "Achtung, vermutlich Werbung: Lotto Versand",
      spoken: false,
      nuisance: true,
      nuisance_label: "Lotto Versand",
    });
    expect((await panelJson(d, "api/marks")).body.marks).toEqual([
      expect.objectContaining({ number: "+41901123456", kind: "nuisance", label: "Lotto Versand" }),
    ]);
    const removed = await fetch(new URL("api/marks?number=0901123456", d.url), change("DELETE"));
    expect(removed.status).toBe(204);
    const after = await panelJson(d, "api/announce", change("POST", { number: "0901123456" }));
    expect(after.body.nuisance).toBe(false);
  });

  it("has no speakers and says only the sentence while Home Assistant is not there", async () => {
    const d = await panel.start();
    expect((await panelJson(d, "api/speakers")).body).toEqual({
      media_players: [],
      tts: [],
      satellites: [],
    });
    const answer = await panelJson(
      d,
      "api/announce",
      change("POST", { number: "0791112233", speaker: "media_player.kitchen" }),
    );
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe("no-home-assistant");
  });
});
