/**
 * The spoken announcement: the policy (core/outputs/announcer.ts) on the daemon's clock, said
 * through Home Assistant (tts to media players, assist_satellite.announce to satellites)
 * and/or the local speak command; not on a line whose announcements switch is off in the
 * household.
 */
import { AnnouncementQueue } from "../../core/outputs/announcer.js";
import { AnnouncerRunner } from "../announcerRunner.js";
import type { OutputDefinition } from "./output.js";
import { whileConnected } from "./whileConnected.js";

export const announcer: OutputDefinition = {
  name: "announcer",
  logName: "announce",
  enabled: ({ options }) => (options.announce.enabled ? true : ""),
  create({ options, homeAssistant, clock, household, adapters, log, timeZone }) {
    const { announce } = options;
    const queue = new AnnouncementQueue({
      repeat: announce.repeat,
      repeatDelayMs: announce.repeat_delay_s * 1000,
      quietHoursStart: announce.quiet_hours_start,
      quietHoursEnd: announce.quiet_hours_end,
      knownCallersOnly: announce.known_callers_only,
      timeZone,
      nuisance: announce.nuisance,
      language: announce.language,
      nuisanceTemplate: announce.template_nuisance,
      targets: { mediaPlayers: announce.media_players, satellites: announce.satellites },
      preannounce: announce.preannounce,
    });
    const ha = homeAssistant;
    const runner = new AnnouncerRunner(
      queue,
      clock,
      {
        ...(ha ? { callService: (call, notAfter) => ha.callService(call, { notAfter }) } : {}),
        tts: { ttsEntity: announce.tts_entity, ttsService: announce.tts_service },
        preannounce: announce.preannounce,
        ...(announce.command.length > 0
          ? { command: (text: string) => adapters.speak(announce.command, text) }
          : {}),
      },
      (line) => household.announcementsEnabled(line),
      log,
    );
    return {
      name: runner.name,
      handleCall: (report) => runner.handleCall(report),
      settle: () => (ha ? whileConnected(ha, () => runner.settle()) : runner.settle()),
      idle: () => runner.idle(),
      stop: () => runner.stop(),
    };
  },
};
