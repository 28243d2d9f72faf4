/**
 * The capture the tshark comparisons read: two 50-packet/s RTP streams between the adapter and
 * a far end — most of any real capture — with a call's signalling woven in, one message every
 * 200 packets, a new call every `callEvery` packets.
 */
import { udpFrame } from "../test/support/frameBuilder.js";
import { PcapFileWriter } from "../test/support/pcapWriter.js";

export interface Host {
  readonly ip: string;
  readonly mac: string;
}

export interface MixedCaptureSpec {
  readonly packets: number;
  readonly callEvery: number;
  readonly t0: number;
  readonly adapter: Host;
  readonly farEnd: Host;
  /** The frames of call `n`'s signalling, in order. */
  readonly callFrames: (n: number) => Uint8Array[];
}

/** Writes the capture; returns how many calls it holds. */
export function writeMixedCapture(path: string, spec: MixedCaptureSpec): number {
  const { adapter, farEnd } = spec;
  const rtp = (from: Host, to: Host, srcPort: number, dstPort: number) =>
    udpFrame({
      src: from.ip,
      dst: to.ip,
      srcPort,
      dstPort,
      payload: new Uint8Array(172),
      srcMac: from.mac,
      dstMac: to.mac,
    });
  const rtpOut = rtp(adapter, farEnd, 16384, 20000);
  const rtpIn = rtp(farEnd, adapter, 20000, 16384);
  const writer = new PcapFileWriter(path);
  let calls = 0;
  let pending: Uint8Array[] = [];
  for (let i = 0; i < spec.packets; i++) {
    const timestampMs = spec.t0 + i * 10;
    if (i % spec.callEvery === 0) pending = spec.callFrames(calls++);
    const signal = i % 200 === 100 ? pending.shift() : undefined;
    writer.write({ data: signal ?? (i % 2 === 0 ? rtpOut : rtpIn), timestampMs });
  }
  writer.close();
  return calls;
}
