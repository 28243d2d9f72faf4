/** Parameter lines of one MGCP message: upper-cased code → every value, in wire order. */
export type MgcpParams = ReadonlyMap<string, readonly string[]>;

export interface MgcpCommand {
  readonly kind: "command";
  /** Upper-cased verb: RQNT, NTFY, CRCX, MDCX, DLCX, AUEP, AUCX, RSIP, EPCF, MESG or X…. */
  readonly verb: string;
  readonly transactionId: string;
  /** Endpoint name as received, e.g. `aaln/1@mta-1.example`. */
  readonly endpoint: string;
  /** Protocol and version with any profile, e.g. `MGCP 1.0 NCS 1.0`. */
  readonly version: string;
  readonly params: MgcpParams;
  /** The session description after the empty line, or null. */
  readonly sdp: string | null;
}

export interface MgcpResponse {
  readonly kind: "response";
  readonly code: number;
  readonly transactionId: string;
  /** Free text after the transaction id, trimmed; empty when absent. */
  readonly commentary: string;
  readonly params: MgcpParams;
  readonly sdp: string | null;
}

export type MgcpMessage = MgcpCommand | MgcpResponse;

/** Commands that a gateway sends to its call agent; every other verb travels the other way. */
export const GATEWAY_VERBS: ReadonlySet<string> = new Set(["NTFY", "RSIP"]);

/** The first value of a parameter, or undefined when absent. */
export function param(message: MgcpMessage, code: string): string | undefined {
  return message.params.get(code)?.[0];
}
