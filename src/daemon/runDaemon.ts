/**
 * The daemon (`voip-callerid run`, `npm start`): the composition root of the running add-on.
 *
 *   options ─► logger ─► the app (compose.ts: caller directory, call log, household, Home
 *              Assistant connection, outputs) ─► MAC bridge (when enabled) ─► capture (live
 *              interface, or capture files on a virtual clock)
 *
 * Started in that order and stopped in reverse on SIGTERM/SIGINT, within 5 s. A replay ends by
 * itself once the files are played and every output has been delivered; it never bridges.
 * The bridge keeps the phone working, so once it runs a capture that fails to open is logged
 * but does not stop the add-on.
 */

import { join } from "node:path";
import type { BridgeSettings, RunningBridge } from "../bridge/startBridge.js";
import type { RunningCapture } from "../capture/startCapture.js";
import type { Options } from "../config/schema.js";
import { BRIDGE_OFF } from "../core/bridge/bridgeStatus.js";
import { buildCaptureFilter } from "../core/capture/bpfFilter.js";
import {
  CAPTURE_OFF,
  type CaptureStatus,
  captureStatusInBridge,
} from "../core/capture/captureStatus.js";
import { type Frame, LINKTYPE } from "../core/capture/frame.js";
import type { CallerIdPipeline } from "../core/pipeline.js";
import { openCaptureReplay } from "../io/captureFileSource.js";
import type { Logger } from "../io/logger.js";
import { stateFolder } from "../io/optionsFile.js";
import { REAL_ADAPTERS } from "./adapters.js";
import { type Clock, VirtualClock, wallClock } from "./clock.js";
import { composeDaemon } from "./compose.js";
import { playFrames } from "./frameSources.js";
import type { DaemonDiagnostics } from "./outputs/output.js";

export interface DaemonRun {
  readonly options: Options;
  readonly replayFiles: readonly string[];
  readonly speed: number;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly version: string;
  /** The household's IANA time zone. */
  readonly timeZone: string;
  readonly stopRequested: Promise<void>;
}

const STOP_BUDGET_MS = 5000;
const REPLAY_READY_MS = 5000;
const STATS_EVERY_MS = 5 * 60_000;
const DIAGNOSTICS_EVERY_MS = 30_000;

export async function runDaemon(run: DaemonRun): Promise<number> {
  const { options, log } = run;
  const replay = run.replayFiles.length > 0;
  // Streamed: the files are checked now and read while they play, never held whole.
  let frames: Iterable<Frame> = [];
  let firstTimestampMs: number | null = null;
  if (replay) {
    const opened = openCaptureReplay(run.replayFiles);
    if (!opened.ok) {
      log.error(opened.message);
      return 1;
    }
    firstTimestampMs = opened.firstTimestampMs;
    frames = opened.frames((warning) => log.warn(warning));
  }
  const clock: Clock = replay ? new VirtualClock(firstTimestampMs ?? Date.now()) : wallClock;
  const app = await composeDaemon({
    options,
    env: run.env,
    log,
    clock,
    version: run.version,
    timeZone: run.timeZone,
    stateFolder: stateFolder(options.data_dir),
    adapters: REAL_ADAPTERS,
  });
  await app.start();
  const { pipeline, handleFrame } = app;
  let bridge: RunningBridge | null = null;
  let liveCapture: RunningCapture | null = null;
  let captureInBridge = false;
  const captureStatus = (): CaptureStatus => {
    if (liveCapture !== null) return liveCapture.status;
    if (captureInBridge && bridge !== null) {
      return captureStatusInBridge(bridge.status, options.capture.interface);
    }
    return CAPTURE_OFF;
  };
  const diagnostics = (): DaemonDiagnostics => ({
    ...app.callDiagnostics(),
    bridge: bridge?.status ?? BRIDGE_OFF,
    capture: captureStatus(),
  });

  const timers = [
    setInterval(() => log.info(`${summaryLine(pipeline)}`), STATS_EVERY_MS),
    setInterval(() => app.publishDiagnostics(diagnostics()), DIAGNOSTICS_EVERY_MS),
  ];
  for (const timer of timers) timer.unref();
  app.publishDiagnostics(diagnostics());

  let exitCode = 0;
  try {
    if (replay) {
      // A replay runs faster than Home Assistant connects: give it a moment first, or every
      // announcement would be stale (older than 30 s of packet time) before it could be said.
      await app.ready(REPLAY_READY_MS);
      log.info(`replaying ${run.replayFiles.length} file(s) at speed ${run.speed || "max"}`);
      const play = playFrames(frames, run.speed, clock as VirtualClock, handleFrame, {
        settle: () => app.settle(),
        stopRequested: run.stopRequested,
      });
      // Everything played is delivered before a replay ends, however long Home Assistant
      // takes to come back; a stop request ends the wait.
      await Promise.race([play.then(() => app.idle()), run.stopRequested]);
    } else {
      // On one of the bridge's ports the capture runs inside the bridge's worker process,
      // which restarts when a port goes down; cap would otherwise take the daemon with it.
      const { capture, bridge: bridgeOptions } = options;
      const sniffThroughBridge =
        bridgeOptions.enabled &&
        [bridgeOptions.external_interface, bridgeOptions.internal_interface].includes(
          capture.interface,
        );
      const sniffer = sniffThroughBridge
        ? {
            interfaceName: capture.interface,
            filter: signallingFilter(options, LINKTYPE.ETHERNET),
            onFrame: (frame: Frame) => {
              handleFrame(frame);
            },
          }
        : undefined;
      const bridged = bridgeOptions.enabled
        ? await startDaemonBridge(options, log, sniffer, () =>
            app.publishDiagnostics(diagnostics()),
          )
        : null;
      if (bridged?.ok === false) {
        log.error(bridged.message);
        exitCode = 1;
      } else if (sniffer !== undefined) {
        bridge = bridged?.bridge ?? null;
        captureInBridge = true;
        log.info(`listening on ${sniffer.interfaceName} in the bridge (filter: ${sniffer.filter})`);
        await run.stopRequested;
      } else {
        bridge = bridged?.bridge ?? null;
        liveCapture = await startLiveCapture(options, handleFrame, log, () =>
          app.publishDiagnostics(diagnostics()),
        );
        const first = await Promise.race([liveCapture.settled, run.stopRequested]);
        const refused = first?.state === "failed";
        if (refused && bridge === null) exitCode = 1;
        else {
          if (refused) log.warn("no caller id until the capture works; the bridge keeps running");
          await run.stopRequested;
        }
      }
    }
  } finally {
    await liveCapture?.stop();
    await bridge?.stop();
    for (const timer of timers) clearInterval(timer);
    log.info(`stopping: ${summaryLine(pipeline)}`);
    const deadline = new Promise((resolve) => setTimeout(resolve, STOP_BUDGET_MS - 500).unref());
    // Not settle(): Home Assistant being away must not eat the stop budget.
    await Promise.race([app.handedOver(), deadline]);
    app.publishDiagnostics(diagnostics());
    await Promise.race([app.stop(), deadline]);
  }
  return exitCode;
}

/** The bridge as the options describe it; status changes go to the diagnostics at once. */
async function startDaemonBridge(
  options: Options,
  log: Logger,
  sniffer: BridgeSettings["sniffer"],
  onStateChange: () => void,
): Promise<{ ok: true; bridge: RunningBridge } | { ok: false; message: string }> {
  // Loaded only here: most set-ups never bridge.
  const { startBridge } = await import("../bridge/startBridge.js");
  const { formatMac, parseMac } = await import("../core/capture/bpfFilter.js");
  const { readJsonFile, writeJsonFileAtomicAsync } = await import("../io/jsonFile.js");
  const adapterMac = parseMac(options.capture.adapter_mac);
  if (adapterMac === null) {
    return { ok: false, message: "bridge: capture.adapter_mac must name the adapter to bridge" };
  }
  // The adapter's address survives restarts (see BridgeSettings.adapterIpv4).
  const stateFile = join(stateFolder(options.data_dir), BRIDGE_STATE_FILE);
  const saved = readJsonFile(stateFile);
  const macText = formatMac(adapterMac);
  let knownAddress = saved.ok ? adapterAddressFrom(saved.value, macText) : null;
  return startBridge(
    {
      externalInterface: options.bridge.external_interface,
      internalInterface: options.bridge.internal_interface,
      adapterMac,
      rewriteDhcpDestination: options.bridge.rewrite_dhcp_destination,
      protectHost: options.bridge.protect_host,
      adapterIpv4: knownAddress,
      ...(sniffer ? { sniffer } : {}),
    },
    log.child("bridge"),
    (status, stateChanged) => {
      if (status.adapterIpv4 !== null && status.adapterIpv4 !== knownAddress) {
        knownAddress = status.adapterIpv4;
        const state = { adapter_mac: macText, adapter_ipv4: knownAddress };
        writeJsonFileAtomicAsync(stateFile, state).catch((error: Error) =>
          log.warn(`cannot save the adapter's address in ${stateFile}: ${error.message}`),
        );
      }
      // Counters arrive every second; Home Assistant hears them with the other diagnostics.
      if (stateChanged) onStateChange();
    },
  );
}

/**
 * The caller-id capture, a tcpdump process (capture/startCapture.ts): it waits for the
 * interface, starts again when the interface comes back, and its state changes go to the
 * diagnostics at once.
 */
async function startLiveCapture(
  options: Options,
  handleFrame: (frame: Frame) => boolean,
  log: Logger,
  onStateChange: () => void,
): Promise<RunningCapture> {
  // Loaded only here: replaying files needs no live capture.
  const { startCapture } = await import("../capture/startCapture.js");
  return startCapture({
    interfaceName: options.capture.interface,
    filter: (linkType) => signallingFilter(options, linkType),
    onFrame: (frame) => {
      handleFrame(frame);
    },
    log,
    onStatus: onStateChange,
  });
}

const BRIDGE_STATE_FILE = "bridge.json";

/** The saved address, if it was saved for this adapter (the MAC may have changed since). */
function adapterAddressFrom(value: unknown, adapterMac: string): string | null {
  const state = value as { adapter_mac?: unknown; adapter_ipv4?: unknown } | null;
  return state?.adapter_mac === adapterMac && typeof state.adapter_ipv4 === "string"
    ? state.adapter_ipv4
    : null;
}

/** The capture filter for the signalling the options ask for, on this link type. */
function signallingFilter(options: Options, linkType: number): string {
  const { capture } = options;
  return buildCaptureFilter({
    udpPorts: [
      ...(capture.protocols.includes("mgcp") ? capture.mgcp_ports : []),
      ...(capture.protocols.includes("sip") ? capture.sip_ports : []),
    ],
    streamPorts: capture.protocols.includes("sip") ? capture.sip_ports : [],
    linkType,
    ...(capture.adapter_mac && linkType === LINKTYPE.ETHERNET ? { mac: capture.adapter_mac } : {}),
  });
}

function summaryLine(pipeline: CallerIdPipeline): string {
  const s = pipeline.stats;
  return `${s.frames} packets, ${s.mgcpMessages} MGCP messages, ${s.errors.total} parse errors, ${s.callEvents} call events`;
}
