/**
 * The signalling protocols' registered ports: the one place these numbers are written. The
 * option schema takes them as its defaults and the pipeline when it is told no ports.
 * MGCP: 2427 the gateway (the adapter), 2727 the call agent (RFC 3435 section 3.6).
 * SIP: 5060 for UDP, TCP and SCTP alike (RFC 3261 section 19.1.2).
 */
export const DEFAULT_MGCP_PORTS: readonly number[] = [2427, 2727];
export const DEFAULT_SIP_PORTS: readonly number[] = [5060];
