import { describe, expect, it } from "vitest";
import {
  satelliteServiceCalls,
  ttsServiceCall,
} from "../../../src/core/outputs/homeAssistantCalls.js";

const said = {
  text: "Anruf von Hans Muster",
  mediaPlayers: ["media_player.kitchen"],
  satellites: ["assist_satellite.hall", "assist_satellite.office"],
};

describe("the announcement's Home Assistant service calls", () => {
  it("speaks on the media players through tts.speak or a legacy say service, else not at all", () => {
    expect(ttsServiceCall(said, { ttsEntity: "tts.piper", ttsService: "" })).toEqual({
      domain: "tts",
      service: "speak",
      target: { entity_id: "tts.piper" },
      data: {
        media_player_entity_id: ["media_player.kitchen"],
        message: "Anruf von Hans Muster",
        cache: true,
      },
    });
    expect(ttsServiceCall(said, { ttsEntity: "", ttsService: "tts.cloud_say" })).toEqual({
      domain: "tts",
      service: "cloud_say",
      data: { entity_id: ["media_player.kitchen"], message: "Anruf von Hans Muster", cache: true },
    });
    expect(ttsServiceCall(said, { ttsEntity: "", ttsService: "" })).toBeNull();
    const noPlayers = { ...said, mediaPlayers: [] };
    expect(ttsServiceCall(noPlayers, { ttsEntity: "tts.piper", ttsService: "" })).toBeNull();
  });

  it("tells each satellite on its own; preannounce is sent only to switch the sound off", () => {
    expect(satelliteServiceCalls(said, true)).toEqual([
      {
        domain: "assist_satellite",
        service: "announce",
        target: { entity_id: "assist_satellite.hall" },
        data: { message: "Anruf von Hans Muster" },
      },
      {
        domain: "assist_satellite",
        service: "announce",
        target: { entity_id: "assist_satellite.office" },
        data: { message: "Anruf von Hans Muster" },
      },
    ]);
    expect(satelliteServiceCalls(said, false).map((call) => call.data)).toEqual([
      { message: "Anruf von Hans Muster", preannounce: false },
      { message: "Anruf von Hans Muster", preannounce: false },
    ]);
    expect(satelliteServiceCalls({ ...said, satellites: [] }, true)).toEqual([]);
  });
});
