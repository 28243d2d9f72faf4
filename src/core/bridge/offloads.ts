/*
 * Which NIC offloads the bridge turns off on its two interfaces, read from and written as
 * `ethtool -k` / `ethtool -K` text. Pure: text in, arguments out.
 *
 * Why: with receive offloads on (GRO, LRO, hardware GRO) the kernel merges a TCP stream's
 * segments into frames of up to 64 KiB before a capture sees them; a user-space bridge cannot
 * send those out of a 1500-byte interface, so TCP to the adapter (firmware, provisioning)
 * stalls. And with any segmentation or receive offload on, libpcap sizes every slot of its
 * capture ring for a 64 KiB frame, so the 4 MiB ring holds 64 frames and a short pause of the
 * worker loses a burst; with them off it sizes slots to the MTU (~2,000 frames). The kernel's
 * own bridge needs neither because it forwards the merged frame and segments it again.
 *
 * `ethtool -k eth0` prints one feature per line: `generic-receive-offload: on`, with
 * ` [fixed]` when the driver does not let it change; the legacy features under their long
 * names, which `ethtool -K` takes by their short names (gro, gso, tso, lro).
 */

/** Feature as `ethtool -k` names it → the name `ethtool -K` takes. */
const OFFLOADS: Readonly<Record<string, string>> = {
  "generic-receive-offload": "gro",
  "large-receive-offload": "lro",
  "rx-gro-hw": "rx-gro-hw",
  "generic-segmentation-offload": "gso",
  "tcp-segmentation-offload": "tso",
  "udp-fragmentation-offload": "ufo",
};

export type FeatureState = "on" | "off" | "fixed";

/** The offload features `ethtool -k` lists, by `ethtool -K` name; others are left out. */
export function parseOffloads(text: string): Map<string, FeatureState> {
  const features = new Map<string, FeatureState>();
  for (const line of text.split("\n")) {
    const match = /^([a-z0-9-]+): (on|off)( \[fixed\])?/.exec(line.trim());
    const name = match?.[1] === undefined ? undefined : OFFLOADS[match[1]];
    if (match === null || name === undefined) continue;
    features.set(name, match[3] !== undefined ? "fixed" : (match[2] as "on" | "off"));
  }
  return features;
}

/** `ethtool -K IF …` arguments turning off every offload that is on and may change. */
export function disableArguments(features: ReadonlyMap<string, FeatureState>): string[] {
  return [...features].filter(([, state]) => state === "on").flatMap(([name]) => [name, "off"]);
}

/** Arguments that turn back on what disableArguments turned off. */
export function restoreArguments(features: ReadonlyMap<string, FeatureState>): string[] {
  return [...features].filter(([, state]) => state === "on").flatMap(([name]) => [name, "on"]);
}
