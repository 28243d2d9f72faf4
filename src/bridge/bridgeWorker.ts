/*
 * The bridge's worker process: two capture handles and one BridgeCore, nothing else, so the
 * event loop does only this and a frame crosses in tens of microseconds. Started by
 * BridgeSupervisor (child_process.fork) with a WorkerConfig as its argument; reports over IPC
 * (workerProtocol.ts) and stops as every worker does (worker/workerSide.ts), so a bridge never
 * outlives the program that started it.
 *
 * Both handles are opened before either delivers a frame (cap delivers only from the event
 * loop), so each direction always has its way out. When the caller-id capture listens on one
 * of the bridge's interfaces it runs here as a third handle and its frames go to the parent.
 */

import { BridgeCore, type BridgeDecision } from "../core/bridge/bridgeCore.js";
import { bridgeCaptureFilters, ipv4FromText } from "../core/bridge/bridgeFilters.js";
import { parseMac } from "../core/capture/bpfFilter.js";
import type { Frame } from "../core/capture/frame.js";
import { type LiveCaptureHandle, openLiveCapture } from "../io/liveCapture.js";
import {
  failWorker as fail,
  leaveWorker,
  onStopRequest,
  report as reportAny,
  workerConfig,
} from "../worker/workerSide.js";
import { parseWorkerConfig, type WorkerConfig, type WorkerMessage } from "./workerProtocol.js";

const report: (message: WorkerMessage) => void = reportAny;

function run(config: WorkerConfig): void {
  const mac = parseMac(config.adapterMac);
  if (mac === null) {
    fail(`invalid adapter MAC "${config.adapterMac}"`, "config");
    return;
  }
  const core = new BridgeCore({
    adapterMac: mac,
    rewriteDhcpDestination: config.rewriteDhcpDestination,
  });
  const remembered = config.adapterIpv4 === null ? null : ipv4FromText(config.adapterIpv4);
  if (remembered !== null) core.rememberIpv4(remembered);

  const filters = bridgeCaptureFilters(mac);
  let sendErrors = 0;
  const handles: { external?: LiveCaptureHandle; internal?: LiveCaptureHandle } = {};
  const send = (to: LiveCaptureHandle | undefined, frame: Uint8Array) => {
    if (to === undefined || to.send(frame) !== null) sendErrors++;
  };
  const counters = (): WorkerMessage => {
    const c = core.counters;
    return {
      type: "counters",
      counters: { ...c, errors: c.errors + sendErrors },
      adapterIpv4: core.adapterIpv4,
    };
  };
  // A newly learned address is reported at once, not with the next counters: the supervisor
  // hands it to the next worker, and this one may die any moment (an interface going down).
  let reportedChanges = core.ipv4Changes;
  const reportNewAddress = () => {
    if (core.ipv4Changes === reportedChanges) return;
    reportedChanges = core.ipv4Changes;
    report(counters());
  };

  /** One side: its frames go through `decide`, and what is forwarded out of the other side. */
  const openSide = (
    interfaceName: string,
    filter: string,
    decide: (frame: Uint8Array, now: number) => BridgeDecision,
    otherSide: () => LiveCaptureHandle | undefined,
  ) =>
    openLiveCapture({
      interfaceName,
      filter,
      copyFrames: false,
      onFrame: (frame: Frame) => {
        const decision = decide(frame.data, frame.timestampMs);
        if (decision.action === "forward") send(otherSide(), decision.frame);
        reportNewAddress();
      },
    });

  const external = openSide(
    config.externalInterface,
    filters.external,
    (frame, now) => core.fromExternal(frame, now),
    () => handles.internal,
  );
  if (!external.ok) {
    fail(external.message, external.reason);
    return;
  }
  handles.external = external.handle;

  const internal = openSide(
    config.internalInterface,
    filters.internal,
    (frame, now) => core.fromInternal(frame, now),
    () => handles.external,
  );
  if (!internal.ok) {
    external.handle.close();
    fail(internal.message, internal.reason);
    return;
  }
  handles.internal = internal.handle;

  let sniffer: LiveCaptureHandle | null = null;
  if (config.sniffer !== null) {
    const opened = openLiveCapture({
      interfaceName: config.sniffer.interfaceName,
      filter: config.sniffer.filter,
      onFrame: (frame) => report({ type: "frame", frame }),
    });
    if (!opened.ok) {
      external.handle.close();
      internal.handle.close();
      fail(`caller-id capture: ${opened.message}`, opened.reason);
      return;
    }
    sniffer = opened.handle;
  }
  report({ type: "ready", filters });

  const timer = setInterval(() => report(counters()), config.statusIntervalMs);

  onStopRequest(() => {
    clearInterval(timer);
    external.handle.close();
    internal.handle.close();
    sniffer?.close();
    report(counters());
    leaveWorker(0);
  });
}

const config = workerConfig("bridge worker", parseWorkerConfig);
if (config !== null) run(config);
