/**
 * The daemon composed in-process for tests (as main.ts composes it, with the tests' clock,
 * version and time zone and a debug log kept in memory), the MGCP frames a call agent sends
 * it, and an output that only looks at what the daemon hands every output.
 */
import type { Options } from "../../src/config/schema.js";
import { LINKTYPE } from "../../src/core/capture/frame.js";
import type { DaemonAdapters } from "../../src/daemon/adapters.js";
import type { App } from "../../src/daemon/app.js";
import type { VirtualClock } from "../../src/daemon/clock.js";
import { composeDaemon } from "../../src/daemon/compose.js";
import type {
  OutputContext,
  OutputDefinition,
  OutputUnit,
} from "../../src/daemon/outputs/output.js";
import { createLogger } from "../../src/io/logger.js";
import { udpFrame } from "./frameBuilder.js";

/** The line the call agent's frames are for. */
export const TEST_LINE = "aaln/1@mta.example";

/** An MGCP RQNT from the call agent: ring with caller id, or (no signal) the ring stops. */
export function rqnt(transaction: number, at: number, signal: string) {
  const text = `RQNT ${transaction} ${TEST_LINE} MGCP 1.0\nX: ${transaction}\nR: L/hd(N)\nS: ${signal}\n`;
  const data = udpFrame({
    src: "192.0.2.1",
    dst: "192.0.2.10",
    srcPort: 2727,
    dstPort: 2427,
    payload: text,
  });
  return { linkType: LINKTYPE.ETHERNET, data, timestampMs: at, originalLength: data.length };
}

/** The daemon's composition with these parts; every log line (debug included) goes to logLines. */
export function composeTestDaemon(parts: {
  options: Options;
  clock: VirtualClock;
  logLines: string[];
  stateFolder: string;
  adapters: DaemonAdapters;
  env?: NodeJS.ProcessEnv;
  outputs?: readonly OutputDefinition[];
}): Promise<App> {
  return composeDaemon({
    options: parts.options,
    env: parts.env ?? {},
    log: createLogger("debug", (line) => parts.logLines.push(line)),
    clock: parts.clock,
    version: "test",
    timeZone: "Europe/Zurich",
    stateFolder: parts.stateFolder,
    adapters: parts.adapters,
    ...(parts.outputs === undefined ? {} : { outputs: parts.outputs }),
  });
}

/** An output named "tap" that hands the context it is created with to `seen`. */
export function tapOutput(
  seen: (context: OutputContext) => void,
  unit: Omit<OutputUnit, "name"> = {},
): OutputDefinition {
  return {
    name: "tap",
    logName: "tap",
    enabled: () => true,
    create: (context) => {
      seen(context);
      return { name: "tap", ...unit };
    },
  };
}
