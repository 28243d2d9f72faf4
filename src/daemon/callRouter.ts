/**
 * From call events to reports. Each call's party is resolved once (its first event asks; later
 * events reuse the answer), and a call's reports are delivered in order even when a directory
 * lookup takes its time — while other calls go on independently.
 */
import type { CallerResolution, CallerResolver } from "../core/caller/resolveCaller.js";
import type { CallEvent } from "../core/calls/callEvent.js";
import { NOT_FLAGGED, type NuisanceVerdict } from "../core/nuisance/verdict.js";
import { type NuisanceWording, spokenSentence } from "../core/outputs/announcer.js";
import type { CallReport } from "../core/outputs/callReport.js";
import { type LineOption, lineSettings } from "../core/outputs/lines.js";

/** Whether a caller is a likely nuisance; asked once per incoming call. */
export type NuisanceJudge = (party: CallerResolution) => NuisanceVerdict | Promise<NuisanceVerdict>;

/** What a call's reports say of the other party, decided once per call. */
type PartyVerdict = Pick<CallReport, "party" | "nuisance" | "spoken">;

interface CallState {
  party: Promise<PartyVerdict>;
  chain: Promise<void>;
}

export class CallRouter {
  readonly #calls = new Map<string, CallState>();
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly resolver: CallerResolver,
    private readonly lines: readonly LineOption[],
    /** Takes each report at once (the app puts it on record and on the outputs' queues). */
    private readonly deliver: (report: CallReport) => void,
    /** Absent: no nuisance lists (reports carry no verdict). */
    private readonly judge?: NuisanceJudge,
    /** How a flagged caller is said, for the reports' `spoken`. */
    private readonly wording?: NuisanceWording,
  ) {}

  route(event: CallEvent): void {
    let call = this.#calls.get(event.callId);
    if (!call) {
      call = { party: this.#resolveAndJudge(event), chain: Promise.resolve() };
      this.#calls.set(event.callId, call);
    }
    const state = call;
    const step = state.chain.then(async () => {
      const report: CallReport = {
        event,
        line: lineSettings(event.line, this.lines),
        ...(await state.party),
      };
      this.deliver(report);
    });
    state.chain = step;
    this.#pending.add(step);
    void step.finally(() => this.#pending.delete(step));
    if (event.type === "missed" || event.type === "ended") {
      void step.finally(() => {
        if (this.#calls.get(event.callId) === state && state.chain === step)
          this.#calls.delete(event.callId);
      });
    }
  }

  /** Resolves when every event routed so far has been delivered as a report. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * The party, and for an incoming call the verdict on it, decided once: every report of a
   * call says the same, even when a list changes while it rings.
   */
  async #resolveAndJudge(event: CallEvent): Promise<PartyVerdict> {
    const party = await this.#resolve(event);
    if (this.judge === undefined) return { party };
    if (event.direction !== "incoming") return { party, nuisance: NOT_FLAGGED };
    const nuisance = await this.judge(party);
    if (!nuisance.flagged || this.wording === undefined) return { party, nuisance };
    return { party, nuisance, spoken: spokenSentence({ party, nuisance }, this.wording) };
  }

  #resolve(event: CallEvent): Promise<CallerResolution> {
    return this.resolver.resolve({
      number: event.number,
      anonymous: event.anonymous,
      unavailable: event.unavailable,
      networkName: event.name,
      // A number the household dialled itself is looked up in its own phonebook only.
      allowOnline: event.direction === "incoming",
    });
  }
}
