/**
 * `api/speakers` (the media players, TTS entities and Assist satellites Home Assistant has,
 * read over the websocket with `get_states`) and `api/announce` (the sentence for a number or
 * a past call, resolved as the next call would be; with a speaker, said there the way the
 * announcer says it: `tts.speak`, a legacy say service, or `assist_satellite.announce`).
 */
import type { FastifyInstance, FastifyPluginOptions } from "fastify";
import { buildNuisanceWarning } from "../../../core/caller/announcement.js";
import type { CallerQuery } from "../../../core/caller/resolveCaller.js";
import {
  type ServiceCall,
  satelliteServiceCalls,
  ttsServiceCall,
} from "../../../core/outputs/homeAssistantCalls.js";
import { type PanelDeps, sendError } from "../server.js";

const STATES_TIMEOUT_MS = 5000;
/** As the announcer: nothing is said more than this long after it was asked for. */
const SAY_WITHIN_MS = 30_000;

export interface Speaker {
  readonly entity_id: string;
  readonly name: string;
}

export interface Speakers {
  readonly media_players: Speaker[];
  readonly tts: Speaker[];
  readonly satellites: Speaker[];
}

const NO_SPEAKERS: Speakers = { media_players: [], tts: [], satellites: [] };

/** The speakers among Home Assistant's entities, by name. Pure. */
function speakersOf(
  states: readonly { entity_id: string; attributes?: Record<string, unknown> }[],
): Speakers {
  const of = (domain: string) =>
    states
      .filter((s) => s.entity_id.startsWith(`${domain}.`))
      .map((s) => {
        const name = s.attributes?.friendly_name;
        return { entity_id: s.entity_id, name: typeof name === "string" ? name : s.entity_id };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  return { media_players: of("media_player"), tts: of("tts"), satellites: of("assist_satellite") };
}

const announceBody = {
  type: "object",
  properties: {
    number: { type: "string", maxLength: 64 },
    call_id: { type: "string", maxLength: 200 },
    speaker: { type: "string", pattern: "^(media_player|assist_satellite)\\.[a-z0-9_]+$" },
    tts: { type: "string", pattern: "^tts\\.[a-z0-9_]+$" },
  },
} as const;

export async function speakersRoutes(
  app: FastifyInstance,
  { deps }: FastifyPluginOptions & { deps: PanelDeps },
): Promise<void> {
  const ha = deps.homeAssistant;

  async function speakers(): Promise<Speakers> {
    if (ha === null || !ha.connected || ha.getStates === undefined) return NO_SPEAKERS;
    const timeout = new Promise<null>((resolve) =>
      setTimeout(() => resolve(null), STATES_TIMEOUT_MS).unref(),
    );
    const states = await Promise.race([ha.getStates().catch(() => null), timeout]);
    return states === null ? NO_SPEAKERS : speakersOf(states);
  }

  app.get("/api/speakers", speakers);

  app.post("/api/announce", { schema: { body: announceBody } }, async (request, reply) => {
    const body = (request.body ?? {}) as {
      number?: string;
      call_id?: string;
      speaker?: string;
      tts?: string;
    };
    let query: CallerQuery;
    if (body.call_id) {
      const call = deps.callLog.find(body.call_id);
      if (call === undefined) return sendError(reply, 404, "not-found", "no such call");
      query = {
        number: call.number,
        anonymous: call.anonymous,
        unavailable: call.number === null && !call.anonymous,
        networkName: call.name_source === "network" ? call.name : null,
      };
    } else if (body.number?.trim()) {
      query = { number: body.number, anonymous: false, unavailable: false, networkName: null };
    } else {
      return sendError(reply, 400, "bad-request", "a number or a call_id is needed");
    }
    const resolution = await deps.directory.resolver.resolve(query);
    const verdict = await deps.judgeNuisance(resolution);
    const { announce } = deps.options;
    // As a call would be said; a caller on a list is warned about even with `silent`: asked for.
    const sentence =
      verdict.flagged && announce.nuisance !== "normal"
        ? buildNuisanceWarning(
            { label: verdict.label, number: resolution.number, name: resolution.name },
            announce.language,
            announce.template_nuisance,
          )
        : resolution.announcement;
    const nuisance = { nuisance: verdict.flagged, nuisance_label: verdict.label };
    if (!body.speaker) return { sentence, spoken: false, ...nuisance };

    if (ha === null || !ha.connected) {
      return sendError(reply, 503, "no-home-assistant", "Home Assistant is not connected");
    }
    const calls = await sayCalls(sentence, body.speaker, body.tts);
    if (calls.length === 0) {
      return sendError(reply, 409, "no-tts", "no text-to-speech entity to speak with");
    }
    const notAfter = deps.now() + SAY_WITHIN_MS;
    const outcomes = await Promise.all(calls.map((call) => ha.callService(call, { notAfter })));
    if (outcomes.some((o) => o !== "sent")) {
      return sendError(reply, 502, "not-spoken", "Home Assistant did not carry it out");
    }
    deps.log.info(`panel: an announcement was said on ${body.speaker}`);
    return { sentence, spoken: true, ...nuisance };
  });

  /** The announcer's service calls for one speaker; the TTS the options name, else the given one, else HA's first. */
  async function sayCalls(text: string, speaker: string, tts?: string): Promise<ServiceCall[]> {
    if (speaker.startsWith("assist_satellite.")) {
      return satelliteServiceCalls(
        { text, satellites: [speaker] },
        (deps.options.announce as { preannounce?: boolean }).preannounce ?? true,
      );
    }
    const { tts_entity, tts_service } = deps.options.announce;
    const ttsEntity =
      tts ?? (tts_entity || (tts_service ? "" : (await speakers()).tts[0]?.entity_id));
    const call = ttsServiceCall(
      { text, mediaPlayers: [speaker] },
      { ttsEntity: ttsEntity ?? "", ttsService: tts_service },
    );
    return call === null ? [] : [call];
  }
}
