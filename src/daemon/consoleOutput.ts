/**
 * The console (the add-on log). When it is the only output, it shows each call and its
 * sentence; otherwise it notes calls without numbers or names, which go to debug only —
 * a log is shared more readily than a dashboard.
 */
import type { CallReport } from "../core/outputs/callReport.js";
import type { Logger } from "../io/logger.js";
import type { CallOutput } from "./callRouter.js";

export function consoleOutput(log: Logger, isTheOutput: boolean): CallOutput {
  return {
    name: "console",
    handle: ({ event, line, party }: CallReport) => {
      const what = `${line.name}: ${event.direction} call ${event.callId} ${event.type}`;
      const who = `${party.name ?? (party.number.kind === "number" ? party.number.display : party.number.kind)}`;
      const spoken =
        event.type === "ringing" && event.direction === "incoming"
          ? ` — "${party.announcement}"`
          : "";
      if (isTheOutput) log.info(`${what}: ${who}${spoken}`);
      else {
        log.info(`${what} (name from ${party.source ?? "nowhere"})`);
        log.debug(() => `${what}: ${who}${spoken}`);
      }
    },
  };
}
