/**
 * The BPF expression handed to libpcap for live capture, plus MAC address parsing for the
 * optional "only this phone / gateway" restriction.
 *
 * The kernel runs this filter on every frame the interface sees, so it has to let through
 * everything the decoder needs and nothing much else:
 *  - UDP on the signalling ports;
 *  - every IPv4 / IPv6 fragment, because a non-first fragment carries no UDP header and
 *    `udp port N` can never match it (a large SIP INVITE is fragmented routinely);
 *  - the same inside one or two 802.1Q / 802.1ad tags.
 */

import { LINKTYPE } from "./frame.js";

export interface CaptureFilterOptions {
  /** UDP ports to capture (e.g. 2427 and 2727 for MGCP, 5060 for SIP). At least one. */
  readonly udpPorts: readonly number[];
  /** TCP and SCTP ports to capture as well (SIP over TCP, WebSocket and SCTP). */
  readonly streamPorts?: readonly number[];
  /** Only frames from or to this MAC: text in any form parseMac accepts, or its 6 bytes. */
  readonly mac?: string | Uint8Array;
  /**
   * LINKTYPE of the interface the filter is for; default Ethernet. libpcap refuses `vlan`
   * and `ether host` on every other link type ("no VLAN support for Linux cooked v1"), so
   * for those (e.g. the "any" device) the VLAN clauses are left out — the kernel strips the
   * tags into metadata there anyway — and a MAC restriction is an error.
   */
  readonly linkType?: number;
}

/** IPv4 "more fragments" flag plus fragment offset: non-zero for every fragment. */
const IPV4_ANY_FRAGMENT = "(ip[6:2] & 0x3fff != 0)";
/** IPv6 next header 44 = fragment header directly after the fixed header. */
const IPV6_FRAGMENT = "(ip6[6] == 44)";

/**
 * Builds the libpcap filter. Throws RangeError on invalid options (no ports, a port outside
 * 1..65535, an unparsable MAC, a MAC with a non-Ethernet link type): this is configuration,
 * not wire input, and the caller should reject it before capturing.
 */
export function buildCaptureFilter(options: CaptureFilterOptions): string {
  const ports = [...new Set(options.udpPorts)];
  if (ports.length === 0) throw new RangeError("capture filter needs at least one UDP port");
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`invalid UDP port ${port}: expected an integer 1..65535`);
    }
  }
  const linkType = options.linkType ?? LINKTYPE.ETHERNET;
  const isEthernet = linkType === LINKTYPE.ETHERNET;

  const streamPorts = [...new Set(options.streamPorts ?? [])];
  for (const port of streamPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`invalid TCP/SCTP port ${port}: expected an integer 1..65535`);
    }
  }
  const portClauses = [
    ...ports.map((port) => `udp port ${port}`),
    ...streamPorts.flatMap((port) => [`tcp port ${port}`, `sctp port ${port}`]),
  ];
  const payload = `(${[...portClauses, IPV4_ANY_FRAGMENT, IPV6_FRAGMENT].join(" or ")})`;

  // libpcap's `vlan` shifts the offsets of everything written after it, for the rest of the
  // expression, across `or` branches too. So the tagged cases must be nested, not listed:
  // `X or (vlan and vlan and X)` would test the second tag 8 bytes in and the payload 12.
  // Nested, each `vlan` adds exactly one tag. On Linux live captures the first `vlan` also
  // checks the kernel's stripped-tag metadata, which this shape handles as well.
  const body = isEthernet
    ? `${payload} or (vlan and (${payload} or (vlan and ${payload})))`
    : payload;

  if (options.mac === undefined) return body;

  const mac = typeof options.mac === "string" ? parseMac(options.mac) : options.mac;
  if (mac === null || mac.length !== 6) {
    const shown = typeof options.mac === "string" ? options.mac : formatMac(options.mac);
    throw new RangeError(
      `invalid MAC address "${shown}": expected 00:90:f8:01:02:03, 00-90-F8-01-02-03 or 0090.f801.0203`,
    );
  }
  if (!isEthernet) {
    throw new RangeError(
      `a MAC restriction needs an Ethernet interface; link type ${linkType} has no Ethernet addresses (use a real interface rather than "any")`,
    );
  }
  // MAC addresses sit at fixed offsets 0 and 6 whatever the tags, but put the test before
  // any `vlan` keyword so no reader has to know that.
  return `ether host ${formatMac(mac)} and (${body})`;
}

const COLON_OR_DASH =
  /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;
const CISCO_DOTTED = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;

/**
 * Parses `00:90:f8:01:02:03`, `00-90-F8-01-02-03` or `0090.f801.0203` (any letter case).
 * Anything else — mixed separators, missing digits, surrounding spaces — gives null.
 */
export function parseMac(text: string): Uint8Array | null {
  let hex: string;
  const separated = COLON_OR_DASH.exec(text);
  if (separated !== null) {
    hex = [1, 3, 4, 5, 6, 7].map((group) => separated[group]).join("");
  } else {
    const dotted = CISCO_DOTTED.exec(text);
    if (dotted === null) return null;
    hex = dotted.slice(1).join("");
  }
  const bytes = new Uint8Array(6);
  for (let i = 0; i < 6; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Lower-case, colon-separated: the form libpcap and `ip link` print. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(":");
}
