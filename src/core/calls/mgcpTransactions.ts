/**
 * MGCP transactions as the call tracker needs them (RFC 3435 §3.5, §4): a command and its
 * response share a transaction id; a response travels back between the same two hosts.
 * Over UDP both are repeated until acknowledged, so a repeat within the transaction history
 * (T-HIST, 30 s) is a retransmission, not news.
 */
import { lineKey } from "../mgcp/endpoint.js";
import { type MgcpCommand, type MgcpResponse, param } from "../mgcp/types.js";
import type { MessageContext } from "./mgcpCallTracker.js";
import { TransactionWindow } from "./transactionWindow.js";

/** What is remembered of a command until its response arrives. */
export interface SentCommand {
  readonly verb: string;
  readonly line: string;
  /** The command's C: (MGCP call id), lower-cased, or null. */
  readonly mgcpCallId: string | null;
}

export class MgcpTransactions {
  readonly stats = { retransmissions: 0, unmatchedResponses: 0 };
  readonly #commands = new TransactionWindow<true>();
  readonly #responses = new TransactionWindow<true>();
  /** Commands awaiting their response; one that comes after T-HIST answers nothing we track. */
  readonly #sent = new TransactionWindow<SentCommand>();

  /** Records a command; true when it is a retransmission of one already seen. */
  isRepeatedCommand(command: MgcpCommand, context: MessageContext): boolean {
    const line = lineKey(command.endpoint);
    const key = `${context.src}|${context.dst}|${command.verb}|${command.transactionId}|${line}`;
    if (this.#commands.get(key, context.at)) {
      this.stats.retransmissions++;
      return true;
    }
    this.#commands.remember(key, context.at, true);
    const sentKey = `${context.src}|${context.dst}|${command.transactionId}`;
    this.#sent.remember(sentKey, context.at, {
      verb: command.verb,
      line,
      mgcpCallId: param(command, "C")?.toLowerCase() ?? null,
    });
    return false;
  }

  /** The command a (first-seen) response answers; null for repeats and unknown commands. */
  commandAnswered(response: MgcpResponse, context: MessageContext): SentCommand | null {
    const key = `${context.dst}|${context.src}|${response.transactionId}`;
    const responseKey = `${key}|${response.code}`;
    if (this.#responses.get(responseKey, context.at)) {
      this.stats.retransmissions++;
      return null;
    }
    this.#responses.remember(responseKey, context.at, true);
    const command = this.#sent.take(key, context.at);
    if (!command) this.stats.unmatchedResponses++;
    return command ?? null;
  }
}
