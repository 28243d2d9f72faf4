/*
 * The kernel-side (BPF) filters of the bridge's two capture handles. They only spare the
 * bridge the frames it would drop anyway: every decision is still BridgeCore's, so a filter
 * that let too much through would cost time, never correctness.
 *
 *   internal: frames from the adapter. The frames the bridge itself sends into the internal
 *     interface carry the ISP side's source MACs, so they never match.
 *   external: frames addressed to the adapter, and broadcasts and multicasts (`ether
 *     multicast` is the I/G bit, which broadcast has too), except the adapter's own: those are
 *     the bridge's own outbound frames, seen again on the way out.
 * MAC addresses sit at fixed offsets 0 and 6 whatever VLAN tags follow, so no `vlan` clause.
 */

import { formatMac } from "../capture/bpfFilter.js";

export interface BridgeCaptureFilters {
  readonly internal: string;
  readonly external: string;
}

export function bridgeCaptureFilters(adapterMac: Uint8Array): BridgeCaptureFilters {
  const mac = formatMac(adapterMac);
  return {
    internal: `ether src ${mac}`,
    external: `not ether src ${mac} and (ether dst ${mac} or ether multicast)`,
  };
}

/** Dotted-quad IPv4 text as the 32-bit number BridgeCore keeps; null if it is not one. */
export function ipv4FromText(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const byte = Number(part);
    if (byte > 255) return null;
    value = value * 256 + byte;
  }
  return value;
}
