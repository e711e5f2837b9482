/**
 * `finalizeRequest`: finalizes a request whose claim's window has passed with no open game (anyone
 * may). Re-reads the request and the chain's time first.
 */
import type { GetBlockErrorType, Hex } from "viem";
import { getBlock } from "viem/actions";
import { getRequestStatus, type GetRequestStatusErrorType } from "./getRequestStatus.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { describeChainTimeLag } from "../chainTimeLag.ts";
import { WrongRequestStateError } from "../errors.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "./sendOracleTx.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent } from "../txSender.ts";

export interface FinalizeRequestParameters extends OracleTarget, Journaled, Sent {
  requestId: bigint;
}

export interface FinalizeRequestReturnType {
  hash: Hex;
  /** Whether the consumer's callback succeeded; undefined when the request has none. */
  callbackDelivered?: boolean;
}

export type FinalizeRequestErrorType =
  WrongRequestStateError | GetRequestStatusErrorType | GetBlockErrorType | SendOracleTxErrorType;

/** Finalizes; {@link WrongRequestStateError} when the request is not finalizable yet (or any more). */
export async function finalizeRequest(
  client: WalletClientWithAccount,
  parameters: FinalizeRequestParameters,
): Promise<FinalizeRequestReturnType> {
  const { oracle, journal, requestId } = parameters;
  const status = await getRequestStatus(client, { oracle, requestId });
  if (status.status !== "claimed" || !status.claim) {
    throw new WrongRequestStateError(`request ${requestId} is ${status.status}, not claimed`);
  }
  const block = await getBlock(client);
  if (block.timestamp < status.claim.challengeDeadline) {
    const lag = describeChainTimeLag(block.timestamp);
    throw new WrongRequestStateError(`request ${requestId}'s challenge window is still open`, {
      details:
        `deadline ${status.claim.challengeDeadline}, chain time ${block.timestamp} ` +
        `(${status.claim.challengeDeadline - block.timestamp} s to go in chain time)` +
        (lag ? `; ${lag}` : ""),
    });
  }
  if (status.claim.openGames > 0) {
    throw new WrongRequestStateError(`request ${requestId}'s claim has ${status.claim.openGames} open games`);
  }
  const { hash, logs } = await sendOracleTx(client, {
    oracle,
    journal,
    sender: parameters.sender,
    priority: "settle",
    action: "finalize",
    requestId,
    functionName: "finalize",
    args: [requestId],
  });
  const cb = logs.find((l) => l.eventName === "CallbackDelivered");
  return { hash, callbackDelivered: cb && cb.eventName === "CallbackDelivered" ? cb.args.success : undefined };
}
