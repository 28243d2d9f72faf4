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

const MAX_SENT_COMMANDS = 4096;

export class MgcpTransactions {
  readonly stats = { retransmissions: 0, unmatchedResponses: 0 };
  readonly #commands = new TransactionWindow();
  readonly #responses = new TransactionWindow();
  readonly #sent = new Map<string, SentCommand>();

  /** Records a command; true when it is a retransmission of one already seen. */
  isRepeatedCommand(command: MgcpCommand, context: MessageContext): boolean {
    const line = lineKey(command.endpoint);
    const key = `${context.src}|${context.dst}|${command.verb}|${command.transactionId}|${line}`;
    if (this.#commands.isRepeat(key, context.at)) {
      this.stats.retransmissions++;
      return true;
    }
    const sentKey = `${context.src}|${context.dst}|${command.transactionId}`;
    this.#sent.delete(sentKey);
    this.#sent.set(sentKey, {
      verb: command.verb,
      line,
      mgcpCallId: param(command, "C")?.toLowerCase() ?? null,
    });
    if (this.#sent.size > MAX_SENT_COMMANDS) {
      const oldest = this.#sent.keys().next().value;
      if (oldest !== undefined) this.#sent.delete(oldest);
    }
    return false;
  }

  /** The command a (first-seen) response answers; null for repeats and unknown commands. */
  commandAnswered(response: MgcpResponse, context: MessageContext): SentCommand | null {
    const key = `${context.dst}|${context.src}|${response.transactionId}`;
    if (this.#responses.isRepeat(`${key}|${response.code}`, context.at)) {
      this.stats.retransmissions++;
      return null;
    }
    const command = this.#sent.get(key);
    if (!command) {
      this.stats.unmatchedResponses++;
      return null;
    }
    this.#sent.delete(key);
    return command;
  }
}
