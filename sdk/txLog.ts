/**
 * Where the operator actions record each transaction they send (before sending, and again with
 * the outcome): the daemons pass their data directory's journal (daemon/journal.ts); a one-shot
 * caller may pass nothing.
 */

/** One record of a transaction's life. */
export interface TxLogEntry {
  /** What was done: "submitClaim", "finalize", "challenge", "move:bisect", ... */
  action: string;
  phase: "sending" | "sent" | "mined" | "reverted" | "failed";
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
