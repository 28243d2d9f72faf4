/**
 * Carries out the announcement policy: wakes when the queue has something due, and says each
 * utterance through Home Assistant (tts to media players, assist_satellite.announce to
 * satellites) and/or the local speak command.
 */
import type { AnnouncementQueue, Utterance } from "../core/outputs/announcer.js";
import type { CallReport } from "../core/outputs/callReport.js";
import {
  type ServiceCall,
  satelliteServiceCalls,
  type TtsSettings,
  ttsServiceCall,
} from "../core/outputs/homeAssistantCalls.js";
import type { Logger } from "../io/logger.js";
import type { Clock } from "./clock.js";
import type { OutputUnit } from "./outputs/output.js";

export interface SpeakChannels {
  /** Home Assistant, when connected: resolves "sent", "dropped" (too late) or "failed". */
  readonly callService?: (call: ServiceCall, notAfter: number) => Promise<string>;
  readonly tts: TtsSettings;
  /** Satellites play their chime before the sentence (announce.preannounce). */
  readonly preannounce: boolean;
  /** The local command, when configured. */
  readonly command?: (text: string) => Promise<{ ok: true } | { ok: false; message: string }>;
}

export class AnnouncerRunner implements OutputUnit {
  readonly name = "announcer";
  #cancelWake: (() => void) | null = null;
  #wakeAt: number | null = null;
  readonly #inFlight = new Set<Promise<unknown>>();
  #warnedNoSpeakers = false;

  constructor(
    private readonly queue: AnnouncementQueue,
    private readonly clock: Clock,
    private readonly channels: SpeakChannels,
    private readonly enabledForLine: (line: string) => boolean,
    private readonly log: Logger,
  ) {}

  handleCall(report: CallReport): void {
    const outcome = this.queue.onCall(
      report,
      this.enabledForLine(report.event.line),
      this.clock.now(),
    );
    if (outcome && outcome !== "queued")
      this.log.debug(() => `call ${report.event.callId}: announcement ${outcome}`);
    this.#wake();
  }

  /** Resolves once what is being said has been said (or given up). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Resolves once nothing is queued and nothing is being said. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0 || this.queue.size > 0) {
      if (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  stop(): void {
    this.#cancelWake?.();
    this.#cancelWake = null;
  }

  #wake(): void {
    for (const utterance of this.queue.due(this.clock.now())) this.#say(utterance);
    const next = this.queue.nextWakeAt();
    if (next === this.#wakeAt) return;
    this.#cancelWake?.();
    this.#wakeAt = next;
    this.#cancelWake =
      next === null
        ? null
        : this.clock.at(next, () => {
            this.#wakeAt = null;
            this.#wake();
          });
  }

  #say(utterance: Utterance): void {
    const work: Promise<unknown>[] = [];
    const tts = ttsServiceCall(utterance, this.channels.tts);
    const calls = [
      ...(tts ? [tts] : []),
      ...satelliteServiceCalls(utterance, this.channels.preannounce),
    ];
    const { callService } = this.channels;
    if (callService) {
      for (const call of calls) {
        work.push(
          callService(call, utterance.notAfter).then((result) => {
            this.log.debug(
              () =>
                `call ${utterance.callId}: announcement ${utterance.round} ${call.domain}.${call.service} ${result}`,
            );
          }),
        );
      }
    }
    if (callService && calls.length === 0 && !this.#warnedNoSpeakers) {
      this.#warnedNoSpeakers = true;
      this.log.warn(
        "announcements need media players with announce.tts_entity (or tts_service), or Assist satellites: none are set",
      );
    }
    if (this.channels.command) {
      work.push(
        this.channels.command(utterance.text).then((result) => {
          if (!result.ok) this.log.warn(`speak command: ${result.message}`);
        }),
      );
    }
    for (const promise of work) {
      this.#inFlight.add(promise);
      void promise.finally(() => this.#inFlight.delete(promise));
    }
  }
}
