/*
 * What the caller-id capture needs to know about tcpdump, without running it: the arguments it
 * is started with, the link type it will deliver (the BPF filter depends on it), what its
 * stderr lines mean, and its pcap output turned into frames. tcpdumpCapture.ts runs it.
 *
 * tcpdump writes a classic pcap stream to stdout (-w -): the 24-byte file header at once, its
 * LINKTYPE at byte 20, then one record per frame (pcap-savefile(5); core/capture/pcap.ts reads
 * both, through CaptureFileReader).
 */

import { type CaptureFileError, CaptureFileReader } from "../core/capture/captureFile.js";
import { type Frame, LINKTYPE } from "../core/capture/frame.js";
import type { WorkerFailure } from "../worker/workerSupervisor.js";
import type { LinkTypeFilter } from "./captureProtocol.js";

/** libpcap's pseudo-device capturing on every interface: never down, never missing. */
export const ANY_DEVICE = "any";

/** /sys/class/net/IF/type (include/uapi/linux/if_arp.h) of ports libpcap captures as Ethernet. */
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;

/** tcpdump's -y names of the link types it may be told to deliver. */
const DLT_NAMES: Readonly<Record<number, string>> = {
  [LINKTYPE.LINUX_SLL]: "LINUX_SLL",
};

/**
 * The link type the capture will most likely deliver: the "any" device is told which (-y), an
 * Ethernet or loopback port gives Ethernet, and anything else (tun, PPP, WireGuard) is taken to
 * give raw IP until the pcap header says otherwise. `learned`: what an earlier start saw.
 */
export function expectedLinkType(
  interfaceName: string,
  arphrdType: number | null,
  learned?: number,
): number {
  if (interfaceName === ANY_DEVICE) return LINKTYPE.LINUX_SLL;
  if (learned !== undefined) return learned;
  if (arphrdType === ARPHRD_ETHER || arphrdType === ARPHRD_LOOPBACK) return LINKTYPE.ETHERNET;
  return LINKTYPE.RAW;
}

/**
 * tcpdump's argv (never a shell: the filter is one element). -U and --immediate-mode: every
 * frame reaches the pipe as it is captured (a ring is announced before the next one); -B 1024:
 * a 1 MiB kernel ring, plenty for signalling; the default snap length keeps SIP over TCP whole.
 */
export function tcpdumpArguments(
  interfaceName: string,
  linkType: number,
  filter: string,
): string[] {
  const forced = interfaceName === ANY_DEVICE ? DLT_NAMES[linkType] : undefined;
  return [
    "-i",
    interfaceName,
    ...(forced === undefined ? [] : ["-y", forced]),
    "-n",
    "-U",
    "--immediate-mode",
    "-B",
    "1024",
    "-w",
    "-",
    filter,
  ];
}

export type TcpdumpLine =
  | { readonly kind: "listening" }
  /** The interface is missing, down or went away: the supervisor waits for it. */
  | { readonly kind: "interface-lost" }
  | { readonly kind: "failed"; readonly failure: WorkerFailure; readonly message: string }
  /** Statistics, warnings, the echo of -y: nothing to act on. */
  | { readonly kind: "noise" }
  /** Anything else: kept as the reason, should tcpdump exit. */
  | { readonly kind: "other" };

const NOISE =
  /^(\d+ packets? (captured|received by filter|dropped by kernel)|Warning:|tcpdump: data link type |\()/;
const PERMISSION = /not permitted|permission|EPERM|EACCES/i;
const INTERFACE_LOST = /no such device|doesn't exist|does not exist|not up|disappeared|went down/i;
/** tcpdump drops root to the user `tcpdump`, which its Debian package creates. */
const NO_USER = /couldn't find user|couldn't change/i;
const BAD_FILTER =
  /syntax error|expression|supported only|not supported|illegal|unknown (host|ether|net|port|protocol)|out of range/i;

/** What one line tcpdump wrote to stderr means for the capture on `interfaceName`. */
export function classifyTcpdumpLine(
  line: string,
  interfaceName: string,
  filter: string,
): TcpdumpLine {
  const text = line.trim();
  if (text === "" || NOISE.test(text)) return { kind: "noise" };
  if (text.startsWith("tcpdump: listening on ")) return { kind: "listening" };
  const said = text.replace(/^tcpdump: /, "");
  if (PERMISSION.test(said)) {
    return permanent(
      `capturing on ${interfaceName} needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities (tcpdump: ${said})`,
    );
  }
  if (INTERFACE_LOST.test(said)) return { kind: "interface-lost" };
  if (NO_USER.test(said)) return permanent(`tcpdump cannot give up root: ${said}`);
  if (BAD_FILTER.test(said)) return permanent(`invalid capture filter "${filter}": ${said}`);
  return { kind: "other" };
}

export const TCPDUMP_MISSING =
  "tcpdump is not installed: the caller-id capture runs it (apt-get install tcpdump)";

function permanent(message: string): TcpdumpLine {
  return { kind: "failed", failure: "permanent", message };
}

/** What the pcap header's link type means for a capture started for `started`. */
export type LinkTypeCheck =
  | { readonly kind: "ok"; readonly filter: string }
  /** Another filter applies: start again with it. */
  | { readonly kind: "restart" }
  | { readonly kind: "refused"; readonly message: string };

export function checkLinkType(
  interfaceName: string,
  filters: readonly LinkTypeFilter[],
  startedWithFilter: string,
  actual: number,
): LinkTypeCheck {
  const entry = filters.find((candidate) => candidate.linkType === actual);
  if (entry === undefined) {
    return {
      kind: "refused",
      message: `interface ${interfaceName} delivers frames of link type ${actual}; supported: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback`,
    };
  }
  if ("problem" in entry) return { kind: "refused", message: entry.problem };
  return entry.filter === startedWithFilter
    ? { kind: "ok", filter: entry.filter }
    : { kind: "restart" };
}

/** What one stdout chunk gave: the header's link type once complete, and whole frames. */
export interface PcapChunk {
  /** Set by the chunk that completes the file header; null when it is not pcap. */
  readonly headerLinkType?: number | null;
  /** Copies: they stay valid after the next chunk. */
  readonly frames: Frame[];
  readonly error: CaptureFileError | null;
}

/**
 * tcpdump's stdout, fed chunk by chunk as the pipe delivers it: records split across chunks are
 * put together by CaptureFileReader, which holds at most one unfinished record.
 */
export class PcapStream {
  #headerTold = false;
  #batch: Frame[] = [];
  // A frame's data may be a view into the reader's carry-over buffer, reused for the next
  // record: every frame is copied before it is kept.
  readonly #reader = new CaptureFileReader((frame) =>
    this.#batch.push({ ...frame, data: new Uint8Array(frame.data) }),
  );

  push(chunk: Uint8Array): PcapChunk {
    const error = this.#reader.push(chunk);
    const frames = this.#batch;
    this.#batch = [];
    if (this.#headerTold) return { frames, error };
    // The header is there once the reader knows the link type; a pcapng stream or bytes that
    // are no capture at all (the reader's error) have no pcap header.
    const linkType = this.#reader.linkType;
    const notPcap = error !== null || this.#reader.format === "pcapng";
    if (linkType === null && !notPcap) return { frames, error };
    this.#headerTold = true;
    return { headerLinkType: linkType, frames, error };
  }
}
