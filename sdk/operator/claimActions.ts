/**
 * The submitter's chain operations, in the shape of viem actions. Each re-reads the request from
 * the chain right before its irreversible step and refuses (typed error) when the state is not the
 * one it acts on; each is journaled when a journal is given.
 */
import type { Account, Address, Chain, Client, Hex, Transport } from "viem";
import { parseEventLogs } from "viem";
import { readContract, simulateContract, waitForTransactionReceipt, writeContract, getBlock } from "viem/actions";
import { OpmlError } from "../../common/errors.ts";
import type { TxLog } from "./txLog.ts";
import { opmlOracleAbi } from "../abi.ts";
import { getModel, getRequestStatus } from "../actions.ts";
import { toOpmlError } from "../errors.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;

export class WrongRequestStateError extends OpmlError {
  override name = "WrongRequestStateError";
}

export class TransactionRevertedError extends OpmlError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor(action: string, hash: Hex) {
    super(`${action} reverted on chain`, { details: `tx ${hash}` });
    this.hash = hash;
  }
}

interface Ctx {
  oracle: Address;
  journal?: TxLog;
}

/** Simulates (typed revert errors), sends, waits, journals. Gas is the estimate padded by half. */
export async function sendOracleTx(
  client: WalletClient,
  ctx: Ctx & { action: string; requestId: bigint },
  functionName: "submitClaim" | "finalize" | "withdraw" | "challenge",
  args: readonly unknown[],
  value?: bigint,
): Promise<{ hash: Hex; logs: ReturnType<typeof parseEventLogs<typeof opmlOracleAbi>> }> {
  let request;
  try {
    ({ request } = await simulateContract(client, {
      address: ctx.oracle,
      abi: opmlOracleAbi,
      functionName,
      args,
      value,
      account: client.account,
      chain: client.chain,
    } as Parameters<typeof simulateContract>[1]));
  } catch (err) {
    throw toOpmlError(err);
  }
  const j = { action: ctx.action, requestId: String(ctx.requestId) };
  ctx.journal?.append({ ...j, phase: "sending" });
  const gas = request.gas;
  const hash = await writeContract(client, {
    ...(request as Parameters<typeof writeContract>[1]),
    gas: gas ? (gas * 3n) / 2n : undefined,
  });
  ctx.journal?.append({ ...j, phase: "sent", hash });
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    ctx.journal?.append({ ...j, phase: "reverted", hash });
    throw new TransactionRevertedError(ctx.action, hash);
  }
  ctx.journal?.append({ ...j, phase: "mined", hash });
  return { hash, logs: parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs }) };
}

export interface SubmitClaimArgs extends Ctx {
  requestId: bigint;
  finalState: Hex;
  output: Hex;
  outputSlotProof: Hex[];
}

/** Posts a claim with the model's submitter bond, after re-reading that the request is open. */
export async function submitClaim(
  client: WalletClient,
  args: SubmitClaimArgs,
): Promise<{ claimId: bigint; hash: Hex }> {
  const status = await getRequestStatus(client, args);
  if (status.status !== "open") {
    throw new WrongRequestStateError(`request ${args.requestId} is ${status.status}, not open`);
  }
  const model = await getModel(client, { oracle: args.oracle, modelId: status.modelId });
  const { hash, logs } = await sendOracleTx(
    client,
    { ...args, action: "submitClaim" },
    "submitClaim",
    [args.requestId, args.finalState, args.output, args.outputSlotProof],
    model.submitterBond,
  );
  const ev = logs.find((l) => l.eventName === "ClaimSubmitted");
  if (!ev || ev.eventName !== "ClaimSubmitted") throw new OpmlError("no ClaimSubmitted event", { details: hash });
  return { claimId: ev.args.claimId, hash };
}

/**
 * Finalizes a request whose claim's window has passed with no open game (anyone may). Re-reads the
 * request and the chain's time first; {@link WrongRequestStateError} when it is not finalizable yet.
 */
export async function finalizeRequest(
  client: WalletClient,
  args: Ctx & { requestId: bigint },
): Promise<{ hash: Hex; callbackDelivered?: boolean }> {
  const status = await getRequestStatus(client, args);
  if (status.status !== "claimed" || !status.claim) {
    throw new WrongRequestStateError(`request ${args.requestId} is ${status.status}, not claimed`);
  }
  const block = await getBlock(client);
  if (block.timestamp < status.claim.challengeDeadline) {
    throw new WrongRequestStateError(`request ${args.requestId}'s challenge window is still open`, {
      details: `deadline ${status.claim.challengeDeadline}, chain time ${block.timestamp}`,
    });
  }
  if (status.claim.openGames > 0) {
    throw new WrongRequestStateError(`request ${args.requestId}'s claim has ${status.claim.openGames} open games`);
  }
  const { hash, logs } = await sendOracleTx(client, { ...args, action: "finalize" }, "finalize", [args.requestId]);
  const cb = logs.find((l) => l.eventName === "CallbackDelivered");
  return { hash, callbackDelivered: cb && cb.eventName === "CallbackDelivered" ? cb.args.success : undefined };
}

/** Withdraws the account's credited payouts, if any; returns the amount (0 when nothing was due). */
export async function withdrawPayouts(client: WalletClient, args: Ctx): Promise<bigint> {
  const due = await readContract(client, {
    address: args.oracle,
    abi: opmlOracleAbi,
    functionName: "payouts",
    args: [client.account.address],
  });
  if (due === 0n) return 0n;
  await sendOracleTx(client, { ...args, action: "withdraw", requestId: 0n }, "withdraw", []);
  return due;
}
