/**
 * Starts the MAC bridge as the command line and the daemon both use it: checks the settings,
 * installs the host-protection rule, turns the interfaces' offloads off (core/bridge/
 * offloads.ts says why), then starts the supervised worker. Stopping does the reverse: the
 * worker first (no frame crosses any more), then the offloads and the rule are put back.
 */

import type { BridgeStatus } from "../core/bridge/bridgeStatus.js";
import { formatMac } from "../core/capture/bpfFilter.js";
import type { Frame } from "../core/capture/frame.js";
import { type HostProtection, installHostProtection } from "../io/hostProtection.js";
import { disableOffloads, type OffloadsChanged } from "../io/interfaceOffloads.js";
import { interfaceState } from "../io/interfaceState.js";
import { BridgeSupervisor } from "./bridgeSupervisor.js";
import { forkBridgeWorker } from "./workerProcess.js";

export interface BridgeSettings {
  readonly externalInterface: string;
  readonly internalInterface: string;
  readonly adapterMac: Uint8Array;
  readonly rewriteDhcpDestination: boolean;
  readonly protectHost: boolean;
  /** How often counters are refreshed; default 1 s. */
  readonly statusIntervalMs?: number;
  /**
   * The adapter's IPv4 address as the last run learned it. Until the adapter speaks, an ARP
   * request for it crosses only if the bridge knows it; a quiet adapter could otherwise stay
   * unreachable for minutes after a restart, and miss calls.
   */
  readonly adapterIpv4?: string | null;
  /** A caller-id capture on one of the bridge's interfaces, run by the bridge's worker. */
  readonly sniffer?: {
    readonly interfaceName: string;
    readonly filter: string;
    readonly onFrame: (frame: Frame) => void;
  };
}

export interface BridgeLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface RunningBridge {
  readonly status: BridgeStatus;
  /** What protects the host, e.g. "nftables table netdev voip_callerid_bridge …"; null if off. */
  readonly protection: string | null;
  /** Idempotent; resolves once the worker is gone and the rule removed. */
  stop(): Promise<void>;
}

export type StartedBridge = { ok: true; bridge: RunningBridge } | { ok: false; message: string };

/** The first problem with the settings, in words naming the setting; null when they are fine. */
export function bridgeSettingsProblem(settings: BridgeSettings): string | null {
  const { externalInterface, internalInterface } = settings;
  if (externalInterface === "") return "the external interface (towards the ISP) is not set";
  if (internalInterface === "") return "the internal interface (towards the adapter) is not set";
  if (externalInterface === internalInterface) {
    return `the external and internal interfaces must differ (both are ${externalInterface})`;
  }
  const mac = settings.adapterMac;
  if (mac.length !== 6) return "the adapter's MAC address is not set";
  // The I/G bit: a group address is never a device's own.
  if (((mac[0] ?? 0) & 1) === 1) {
    return `${formatMac(mac)} is a multicast or broadcast address, not an adapter's MAC`;
  }
  return null;
}

export async function startBridge(
  settings: BridgeSettings,
  log: BridgeLog,
  onStatus: (status: BridgeStatus, stateChanged: boolean) => void = () => {},
): Promise<StartedBridge> {
  const problem = bridgeSettingsProblem(settings);
  if (problem !== null) return { ok: false, message: `bridge: ${problem}` };

  let protection: HostProtection | null = null;
  if (settings.protectHost) {
    const installed = await installHostProtection({
      interfaceName: settings.internalInterface,
      adapterMac: settings.adapterMac,
    });
    if (!installed.ok) return { ok: false, message: `bridge: ${installed.message}` };
    protection = installed.protection;
    log.info(`host protection: ${protection.description}`);
  }

  const offloads: OffloadsChanged[] = [];
  for (const name of [settings.externalInterface, settings.internalInterface]) {
    const disabled = await disableOffloads(name);
    if (!disabled.ok) {
      log.warn(
        `could not turn off the offloads of ${name} (${disabled.message}): bursts may lose frames, and TCP to the adapter may stall`,
      );
      continue;
    }
    offloads.push(disabled.changed);
    if (disabled.changed.turnedOff.length > 0) {
      log.info(`${name}: turned off ${disabled.changed.turnedOff.join(", ")} while bridging`);
    }
  }

  const supervisor = new BridgeSupervisor({
    externalInterface: settings.externalInterface,
    internalInterface: settings.internalInterface,
    adapterMac: settings.adapterMac,
    rewriteDhcpDestination: settings.rewriteDhcpDestination,
    statusIntervalMs: settings.statusIntervalMs ?? 1000,
    log,
    onStatus,
    startWorker: forkBridgeWorker,
    adapterIpv4: settings.adapterIpv4 ?? null,
    ...(settings.sniffer
      ? {
          sniffer: {
            interfaceName: settings.sniffer.interfaceName,
            filter: settings.sniffer.filter,
          },
          onFrame: settings.sniffer.onFrame,
        }
      : {}),
    interfaceState: (name) => interfaceState(name),
  });
  supervisor.start();

  let stopped: Promise<void> | null = null;
  const stop = async () => {
    await supervisor.stop();
    for (const changed of offloads) {
      const problem = await changed.restore();
      if (problem !== null) log.warn(`could not turn the offloads back on: ${problem}`);
    }
    if (protection === null) return;
    const removed = await protection.remove();
    if (removed.ok) log.info("host protection removed");
    else log.warn(`host protection could not be removed: ${removed.message}`);
  };
  return {
    ok: true,
    bridge: {
      get status() {
        return supervisor.status;
      },
      protection: protection?.description ?? null,
      stop: () => {
        stopped ??= stop();
        return stopped;
      },
    },
  };
}
