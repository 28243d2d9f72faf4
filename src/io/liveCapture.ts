/**
 * Live capture from, and sending to, a network interface through the npm package `cap`
 * (libpcap).
 *
 * The one adapter around `cap`: everything cap-specific (its link-type strings, its shared
 * packet buffer, libpcap's error texts, its native-object lifetime hazards) stays here.
 */

import capModule from "cap";
import { type Frame, LINKTYPE } from "../core/capture/frame.js";

const { Cap } = capModule;

export type LiveCaptureFailureReason =
  | "permission"
  | "no-such-interface"
  | "bad-filter"
  | "unsupported-link-type"
  | "other";

export type LiveCaptureFailure = {
  ok: false;
  reason: LiveCaptureFailureReason;
  /** Says what to do, and quotes libpcap where it said something. */
  message: string;
};

export interface LiveCaptureHandle {
  readonly interfaceName: string;
  /** LINKTYPE_* of the frames delivered (see LINKTYPE). */
  readonly linkType: number;
  /** The filter actually applied. */
  readonly filter: string;
  /** frames: delivered to onFrame; truncated: of those, cut to snapLength. */
  stats(): { frames: number; truncated: number };
  /**
   * Sends one whole Ethernet frame out of the interface, byte for byte (libpcap
   * pcap_sendpacket). Returns null when the kernel took it, else why not (libpcap's text, e.g.
   * "Network is down"); never throws. A frame sent here is not captured by this same handle.
   */
  send(frame: Uint8Array): string | null;
  /** Stops capturing; idempotent, and safe to call from inside onFrame. */
  close(): void;
}

export interface LiveCaptureOptions {
  interfaceName: string;
  /**
   * BPF expression, or a function that builds it once the interface's link type is known
   * (libpcap rejects `vlan` and `ether host` on non-Ethernet link types such as the "any"
   * device, so pass e.g. `(linkType) => buildCaptureFilter({ udpPorts, linkType })`). If the
   * function throws, openLiveCapture fails with reason "bad-filter" and its message.
   */
  filter: string | ((linkType: number) => string);
  /**
   * Called synchronously for every captured frame. `frame.data` is the frame's own copy (cap
   * reuses one buffer for every packet), so it may be kept after the callback returns —
   * unless copyFrames is false. An
   * exception thrown here escapes as an uncaught exception (cap calls back from native code);
   * the decoder never throws.
   */
  onFrame: (frame: Frame) => void;
  /**
   * false: `frame.data` is a view of cap's one buffer, valid only until onFrame returns, for
   * consumers done with a frame by then (the bridge sends it on at once). Saves an allocation
   * per frame. Default true.
   */
  copyFrames?: boolean;
  /** Clock for frame timestamps, ms since the epoch; default Date.now. cap gives none. */
  now?: () => number;
  /** Kernel capture ring size in bytes; default 4 MiB. Bigger survives longer bursts. */
  bufferSize?: number;
  /** Bytes kept of each frame, 64..65535; default 65535 (libpcap's own limit in cap). */
  snapLength?: number;
}

export type LiveCaptureResult = { ok: true; handle: LiveCaptureHandle } | LiveCaptureFailure;

const DEFAULT_BUFFER_SIZE = 4 * 1024 * 1024;
const MAX_SNAP_LENGTH = 65535;
const MIN_SNAP_LENGTH = 64;
const LINKTYPE_IEEE802_11_RADIOTAP = 127;

const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set(Object.values(LINKTYPE));

/**
 * Every Cap instance this process ever opened, kept alive on purpose. cap's native destructor
 * calls close(), which after a *failed* open() stops a libuv poll handle that was never
 * initialised and aborts the process (seen: "uv_poll_stop: Assertion ... failed" on the next
 * garbage collection). After a successful close() the poll handle is stopped but never
 * uv_close()d, so freeing it would leave a dangling entry in libuv's handle queue. Keeping the
 * small wrapper objects costs a few hundred bytes per open; a failed open also keeps its
 * libpcap socket until the process exits, which cap offers no safe way to release.
 */
const retainedCaps = new Set<InstanceType<typeof Cap>>();

/** Names libpcap can capture on (including "any"); empty if libpcap cannot list them. */
export function listInterfaces(): string[] {
  return deviceNames() ?? [];
}

function deviceNames(): string[] | null {
  try {
    return Cap.deviceList().map((device) => device.name);
  } catch {
    return null;
  }
}

/**
 * Maps the link-type string cap's open() returns to a LINKTYPE_* number, or null when the
 * string is not one cap produces. "Unknown linktype N" carries libpcap's DLT_ value, which
 * equals the LINKTYPE_ value for every type beyond cap's short list that we decode
 * (LINUX_SLL2 276, IPV4 228, IPV6 229).
 */
export function linkTypeFromCapName(name: string): number | null {
  switch (name) {
    case "ETHERNET":
      return LINKTYPE.ETHERNET;
    case "LINKTYPE_LINUX_SLL":
      return LINKTYPE.LINUX_SLL;
    case "RAW":
      return LINKTYPE.RAW;
    case "NULL":
      return LINKTYPE.NULL;
    case "IEEE802_11_RADIO":
      return LINKTYPE_IEEE802_11_RADIOTAP;
  }
  const unknown = /^Unknown linktype (\d+)$/.exec(name);
  return unknown?.[1] === undefined ? null : Number(unknown[1]);
}

/** Whether the decoder understands frames of this link type. */
export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED_LINK_TYPES.has(linkType);
}

/**
 * Sorts a libpcap error text into a reason, or null when it names neither permissions nor a
 * missing device. libpcap's texts vary by version and platform: "socket: Operation not
 * permitted", "eth0: You don't have permission to capture on that device (...)", "No such
 * device exists", "SIOCGIFINDEX: No such device".
 */
export function classifyPcapError(message: string): "permission" | "no-such-interface" | null {
  if (/not permitted|permission|EPERM|EACCES/i.test(message)) return "permission";
  if (/no such device|doesn't exist|does not exist/i.test(message)) return "no-such-interface";
  return null;
}

function failure(reason: LiveCaptureFailureReason, message: string): LiveCaptureFailure {
  return { ok: false, reason, message };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unknownInterface(name: string, available: readonly string[]): LiveCaptureFailure {
  const list = available.length > 0 ? available.join(", ") : "none visible to libpcap";
  return failure("no-such-interface", `unknown interface ${name}; available: ${list}`);
}

function failureFromPcap(name: string, libpcapMessage: string): LiveCaptureFailure | null {
  switch (classifyPcapError(libpcapMessage)) {
    case "permission":
      return failure(
        "permission",
        `capturing on ${name} needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities (libpcap: ${libpcapMessage})`,
      );
    case "no-such-interface":
      return unknownInterface(name, listInterfaces());
    case null:
      return null;
  }
}

/**
 * Opens `cap` on the interface. Never throws: every problem comes back as a failure whose
 * message a user can act on.
 *
 * Opens twice: first without a filter, only to learn the link type (needed to build the
 * filter, and to reject link types we cannot decode before blaming the filter); then for
 * real. Because the first open succeeded, a failure of the second one is the filter's.
 * Note: libpcap prints "Warning: SIOCGIFADDR: ... This may not actually work" to stderr from
 * native code for interfaces without an IPv4 address; capture works regardless.
 */
export function openLiveCapture(options: LiveCaptureOptions): LiveCaptureResult {
  const { interfaceName, onFrame } = options;
  const now = options.now ?? Date.now;
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const snapLength = options.snapLength ?? MAX_SNAP_LENGTH;
  const copyFrames = options.copyFrames ?? true;
  if (!Number.isInteger(bufferSize) || bufferSize < 1 || bufferSize > 0x7fffffff) {
    return failure("other", `invalid capture buffer size ${bufferSize}: expected positive bytes`);
  }
  if (
    !Number.isInteger(snapLength) ||
    snapLength < MIN_SNAP_LENGTH ||
    snapLength > MAX_SNAP_LENGTH
  ) {
    return failure(
      "other",
      `invalid snap length ${snapLength}: expected ${MIN_SNAP_LENGTH}..${MAX_SNAP_LENGTH} bytes`,
    );
  }

  // libpcap would say "No such device exists"; naming the alternatives helps more.
  const available = deviceNames();
  if (interfaceName === "" || (available !== null && !available.includes(interfaceName))) {
    return unknownInterface(interfaceName, available ?? []);
  }

  const probe = new Cap();
  retainedCaps.add(probe);
  let linkTypeName: string;
  try {
    linkTypeName = probe.open(interfaceName, "", bufferSize, Buffer.alloc(MIN_SNAP_LENGTH));
  } catch (error) {
    const message = errorText(error);
    return (
      failureFromPcap(interfaceName, message) ??
      failure("other", `cannot capture on ${interfaceName}: ${message}`)
    );
  }
  // Closed before returning to the event loop, so it never delivers a packet.
  probe.close();

  const linkType = linkTypeFromCapName(linkTypeName);
  if (linkType === null || !isSupportedLinkType(linkType)) {
    return failure(
      "unsupported-link-type",
      `interface ${interfaceName} delivers ${linkTypeName} frames (link type ${linkType ?? "?"}); supported: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback`,
    );
  }

  let filter: string;
  try {
    filter = typeof options.filter === "function" ? options.filter(linkType) : options.filter;
  } catch (error) {
    return failure("bad-filter", `cannot build a capture filter: ${errorText(error)}`);
  }

  const cap = new Cap();
  retainedCaps.add(cap);
  // cap copies every packet into this one buffer; its length is the snap length.
  const buffer = Buffer.alloc(snapLength);
  let reopenedLinkTypeName: string;
  try {
    reopenedLinkTypeName = cap.open(interfaceName, filter, bufferSize, buffer);
  } catch (error) {
    const message = errorText(error);
    return (
      failureFromPcap(interfaceName, message) ??
      (filter === ""
        ? failure("other", `cannot capture on ${interfaceName}: ${message}`)
        : failure("bad-filter", `invalid capture filter "${filter}": ${message}`))
    );
  }
  if (reopenedLinkTypeName !== linkTypeName) {
    cap.close();
    return failure(
      "other",
      `interface ${interfaceName} changed link type while opening (${linkTypeName}, then ${reopenedLinkTypeName})`,
    );
  }

  let frames = 0;
  let truncated = 0;
  let closed = false;

  cap.on("packet", (nbytes, wasTruncated) => {
    if (closed) return;
    frames++;
    if (wasTruncated) truncated++;
    onFrame({
      linkType,
      // A copy: cap overwrites its one buffer with the next packet, and a frame may outlive
      // this callback (held for reassembly, queued by a consumer).
      data: copyFrames ? new Uint8Array(buffer.subarray(0, nbytes)) : buffer.subarray(0, nbytes),
      timestampMs: now(),
      // cap reports only that the frame was cut, not its wire length; one more than what we
      // kept is the smallest length consistent with that, and keeps "original > captured".
      originalLength: wasTruncated ? nbytes + 1 : nbytes,
    });
  });

  const handle: LiveCaptureHandle = {
    interfaceName,
    linkType,
    filter,
    stats: () => ({ frames, truncated }),
    send: (frame) => {
      if (closed) return "capture closed";
      try {
        // A view, not a copy: pcap_sendpacket copies into the socket before returning.
        cap.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        return null;
      } catch (error) {
        return errorText(error) || "send failed";
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      cap.close();
      // Lets the buffer and the consumer's closure go; the Cap object itself stays retained.
      cap.removeAllListeners("packet");
    },
  };
  return { ok: true, handle };
}
