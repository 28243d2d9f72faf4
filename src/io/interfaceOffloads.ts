/**
 * Turns off the receive and segmentation offloads of one of the bridge's interfaces with the
 * `ethtool` program, and back on when the bridge stops (why: core/bridge/offloads.ts). Never
 * a shell; never throws: when ethtool is missing or refuses, the bridge still runs, and the
 * caller logs what that costs.
 */

import { disableArguments, parseOffloads, restoreArguments } from "../core/bridge/offloads.js";
import { runCommand } from "./commands.js";

export interface OffloadsChanged {
  /** The `ethtool -K` names turned off, e.g. ["gro", "gso", "tso"]; empty if none was on. */
  readonly turnedOff: readonly string[];
  /** Turns them on again; resolves with a problem in words, or null. */
  restore(): Promise<string | null>;
}

async function ethtool(args: string[]): Promise<{ ok: boolean; output: string }> {
  const result = await runCommand("ethtool", args);
  const output = `${result.stdout}${result.stderr}`.trim();
  return { ok: result.code === 0, output };
}

export async function disableOffloads(
  interfaceName: string,
): Promise<{ ok: true; changed: OffloadsChanged } | { ok: false; message: string }> {
  const listed = await ethtool(["-k", interfaceName]);
  if (!listed.ok) return { ok: false, message: listed.output };
  const features = parseOffloads(listed.output);
  const off = disableArguments(features);
  if (off.length > 0) {
    const changed = await ethtool(["-K", interfaceName, ...off]);
    if (!changed.ok) return { ok: false, message: changed.output };
  }
  return {
    ok: true,
    changed: {
      turnedOff: off.filter((_, index) => index % 2 === 0),
      restore: async () => {
        const on = restoreArguments(features);
        if (on.length === 0) return null;
        const restored = await ethtool(["-K", interfaceName, ...on]);
        return restored.ok ? null : restored.output;
      },
    },
  };
}
