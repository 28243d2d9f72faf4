/**
 * The Home Assistant stand-in refuses service data as Home Assistant does (issue 13): a call to
 * `assist_satellite.announce` with a field the service does not have is answered with
 * `success: false` and `invalid_format`, carrying voluptuous' message — seen here through the
 * add-on's own Home Assistant output (home-assistant-js-websocket over a real socket), as the
 * add-on would see a real Home Assistant's refusal in its log.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHomeAssistantOutput } from "../../src/io/homeAssistant.js";
import { FAKE_HA_TOKEN, startFakeHomeAssistant } from "../support/fakeHomeAssistant.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connect(haVersion?: string) {
  const fake = await startFakeHomeAssistant(haVersion ? { haVersion } : {});
  cleanups.push(() => fake.stop());
  const errors: string[] = [];
  const log = {
    info: () => {},
    warn: () => {},
    error: (text: string) => errors.push(text),
    debug: () => {},
  };
  const settings = { websocketUrl: fake.websocketUrl, token: FAKE_HA_TOKEN };
  const ha = createHomeAssistantOutput(settings, log, Date.now, { initialBackoffMs: 50 });
  cleanups.push(() => ha.stop());
  ha.start();
  const announce = (data: Record<string, unknown>, entityId = "assist_satellite.hall") =>
    ha.callService(
      { domain: "assist_satellite", service: "announce", target: { entity_id: entityId }, data },
      { notAfter: Date.now() + 10_000 },
    );
  return { fake, ha, errors, announce };
}

describe("assist_satellite.announce on the Home Assistant stand-in", () => {
  it("carries out the fields HA's services.yaml lists, and refuses any other as invalid_format", async () => {
    const { fake, errors, announce } = await connect();
    expect(await announce({ message: "Anruf von Hans Muster" })).toBe("sent");
    expect(await announce({ message: "Anruf", preannounce: false })).toBe("sent");
    expect(await announce({ media_id: "media-source://x", preannounce_media_id: "y" })).toBe(
      "sent",
    );
    // What a tts.speak call carries is not for a satellite.
    expect(
      await announce({ message: "Anruf", media_player_entity_id: ["media_player.kitchen"] }),
    ).toBe("failed");
    expect(await announce({ message: "Anruf", preannounce: "yes" })).toBe("failed");
    expect(await announce({ preannounce: true })).toBe("failed");
    expect(await announce({ message: "Anruf" }, "Hall Satellite")).toBe("failed");

    expect(fake.serviceCalls.map((c) => c.outcome)).toEqual([
      "ok",
      "ok",
      "ok",
      "invalid_format",
      "invalid_format",
      "invalid_format",
      "invalid_format",
    ]);
    const why = "Home Assistant could not carry out assist_satellite.announce:";
    expect(errors).toEqual([
      `${why} extra keys not allowed @ data['media_player_entity_id'] (invalid_format)`,
      `${why} expected bool for dictionary value @ data['preannounce'] (invalid_format)`,
      `${why} must contain at least one of message, media_id. (invalid_format)`,
      `${why} Entity ID Hall Satellite is an invalid entity ID for dictionary value @ data['entity_id'] (invalid_format)`,
    ]);
  });

  it("knows the pre-announce fields only from 2025.4, and the service only from 2024.10", async () => {
    const march = await connect("2025.3.4");
    expect(await march.announce({ message: "Anruf" })).toBe("sent");
    expect(await march.announce({ message: "Anruf", preannounce: false })).toBe("failed");
    expect(march.errors).toEqual([
      "Home Assistant could not carry out assist_satellite.announce: extra keys not allowed @ data['preannounce'] (invalid_format)",
    ]);

    const older = await connect("2024.9.3");
    expect(await older.announce({ message: "Anruf" })).toBe("failed");
    expect(older.fake.serviceCalls.map((c) => c.outcome)).toEqual(["not_found"]);
  });

  it("checks tts.speak's data too", async () => {
    const { ha, errors } = await connect();
    const speak = (data: Record<string, unknown>) =>
      ha.callService(
        { domain: "tts", service: "speak", target: { entity_id: "tts.piper" }, data },
        { notAfter: Date.now() + 10_000 },
      );
    const players = { media_player_entity_id: ["media_player.kitchen"] };
    expect(await speak({ ...players, message: "Anruf", cache: true })).toBe("sent");
    expect(await speak({ ...players, message: "Anruf", preannounce: true })).toBe("failed");
    expect(await speak({ message: "Anruf" })).toBe("failed");
    expect(errors.map((e) => e.replace(/^.*?: /, ""))).toEqual([
      "extra keys not allowed @ data['preannounce'] (invalid_format)",
      "required key not provided @ data['media_player_entity_id'] (invalid_format)",
    ]);
  });
});
