/** A UDP datagram lifted out of a frame (after IP reassembly where needed). */
export interface Datagram {
  readonly family: 4 | 6;
  /** Source address in text form (dotted quad, or RFC 5952 IPv6). */
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** The UDP payload. May be a view into a reused buffer: use it synchronously. */
  readonly payload: Uint8Array;
  /** 802.1Q VLAN ids, outermost first; empty when untagged. */
  readonly vlans: readonly number[];
}
