/**
 * `TxSender`: what an operator action hands a simulated transaction to instead of sending it
 * itself. The daemons pass their pipeline (daemon/txPipeline.ts: a local nonce manager, many
 * transactions in flight, receipts checked per block, fee bumping); without one an action sends
 * with viem's `writeContract` and waits for the receipt before returning.
 */
import type { Address, Hex, TransactionReceipt } from "viem";

/**
 * How urgent a transaction is; a sender with a cap on transactions in flight lets "move" (a game
 * move: its clock runs) go before "claim" (a claim or a challenge) before "settle" (finalizations
 * and withdrawals: nothing is lost by waiting a block).
 */
export type TxPriority = "move" | "claim" | "settle";

/** One transaction, simulated and ready to sign. */
export interface TxToSend {
  to: Address;
  data: Hex;
  value?: bigint;
  gas: bigint;
  /** For the journal and the logs: "submitClaim", "move:bisect", ... */
  action: string;
  requestId?: bigint;
  gameId?: bigint;
  priority: TxPriority;
  /** Within a priority class, earlier first (a game's deadline, chain seconds). */
  deadline?: bigint;
}

export interface TxSender {
  /** Signs, sends and resolves with the mined receipt (whatever its status); rejects when it could not be mined. */
  send(tx: TxToSend): Promise<TransactionReceipt>;
}

/** What an operator action that sends may be given besides its own parameters. */
export interface Sent {
  /** Sends for the action (the daemons' pipeline); default: the action sends and waits itself. */
  sender?: TxSender;
}
