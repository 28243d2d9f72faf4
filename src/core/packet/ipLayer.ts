export const IP_PROTOCOL_TCP = 6;
export const IP_PROTOCOL_UDP = 17;
export const IP_PROTOCOL_SCTP = 132;

/**
 * What the IPv4 / IPv6 parsers found in one packet. One instance is reused for every frame
 * (the hot path allocates nothing); only the fields for the returned result are meaningful.
 *
 * Offsets index the bytes that were parsed: the frame, or a reassembled payload.
 */
export class IpLayer {
  family: 4 | 6 = 4;
  /**
   * Transport protocols (IPv4 protocol / IPv6 next header) the parsers stop at, indexed by
   * number: UDP always, TCP and SCTP when the decoder was given ports for them. Anything else
   * is skipped before any length is judged.
   */
  readonly wantedProtocols = new Uint8Array(256);
  /** The transport protocol found, when a parser answered "transport". */
  protocol = IP_PROTOCOL_UDP;
  /** Where the source address starts; the destination follows it directly (4 or 16 bytes on). */
  sourceOffset = 0;
  /** Start of the transport header, or of this fragment's data. */
  payloadStart = 0;
  /**
   * End of the packet as its length field claims. May lie past the captured bytes (snap
   * length); the decoder reports that as truncation only for a datagram it wants.
   */
  claimedEnd = 0;

  // Fragment fields below are meaningful only when a parser answered "fragment".
  /** Byte offset of this fragment's data in the reassembled payload. */
  fragmentOffset = 0;
  moreFragments = false;
  fragmentId = 0;
  /** Upper-layer protocol / IPv6 next header of the fragmentable part. */
  fragmentNextHeader = 0;
  /** Header bytes that would precede the reassembled payload, for the 65,535-byte limit. */
  fragmentHeaderBytes = 0;

  constructor() {
    this.wantedProtocols[IP_PROTOCOL_UDP] = 1;
  }
}

/**
 * "transport": the header of `protocol` (one of wantedProtocols) at payloadStart.
 * "fragment": data at payloadStart..claimedEnd.
 */
export type IpResult = "transport" | "fragment";
