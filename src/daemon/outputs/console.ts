/**
 * The console (the add-on log). When it is the only output, it shows each call and its
 * sentence; otherwise it notes calls without numbers or names, which go to debug only —
 * a log is shared more readily than a dashboard.
 */
import type { OutputDefinition } from "./output.js";

export const consoleOutput: OutputDefinition = {
  name: "console",
  logName: "calls",
  enabled: () => true,
  create({ log, running }) {
    const isTheOutput = !running.includes("mqtt") && !running.includes("home assistant");
    return {
      name: "console",
      handleCall({ event, line, party }) {
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
  },
};
