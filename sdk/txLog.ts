/**
 * Where the operator actions record each transaction they send (before sending, and again with
 * the outcome): the daemons pass their data directory's journal (daemon/journal.ts); a one-shot
 * caller may pass nothing.
 */

/** One record of a transaction's life. */
export interface TxLogEntry {
  /** What was done: "submitClaim", "finalize", "challenge", "move:bisect", ... */
  action: string;
  /** "bumped": sent again with higher fees (a new hash, the same nonce); "dropped": its nonce went to another transaction. */
  phase: "sending" | "sent" | "bumped" | "mined" | "reverted" | "failed" | "dropped";
  /** The signer's nonce, where the sender manages them (the daemons' pipeline). */
  nonce?: number;
  requestId?: string;
  gameId?: string;
  hash?: string;
  note?: string;
}

export interface TxLog {
  append(entry: TxLogEntry): void;
}

/** What an operator action that sends a transaction may be given besides its own parameters. */
export interface Journaled {
  /** Records the transaction's life (the daemons' journal). */
  journal?: TxLog;
}
