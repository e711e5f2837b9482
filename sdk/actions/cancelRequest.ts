/**
 * `cancelRequest`: the requester takes back the fee of a request no claim came for (once the
 * oracle's `requestTimeout` has passed since it was made, or at once after a claim on it was
 * rejected). The refund is credited to the requester's payouts: `withdrawPayouts` sends it.
 */
import type { GetBlockErrorType, Hex, ReadContractErrorType } from "viem";
import { getBlock, readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { describeChainTimeLag } from "../chainTimeLag.ts";
import { oracleCall, OracleRevertError, WrongRequestStateError } from "../errors.ts";
import type { Journaled } from "../txLog.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "./getRequestStatus.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "./sendOracleTx.ts";

export interface CancelRequestParameters extends OracleTarget, Journaled {
  requestId: bigint;
}

export interface CancelRequestReturnType {
  hash: Hex;
  /** The fee credited back to the requester's payouts, in wei. */
  refund: bigint;
}

export type CancelRequestErrorType =
  | WrongRequestStateError
  | GetRequestStatusErrorType
  | GetBlockErrorType
  | ReadContractErrorType
  | SendOracleTxErrorType;

/**
 * Cancels an open request of the client's account; {@link WrongRequestStateError} when it is not
 * open, not the account's, or not expired yet (a request whose claim was rejected may go at once).
 */
export async function cancelRequest(
  client: WalletClientWithAccount,
  parameters: CancelRequestParameters,
): Promise<CancelRequestReturnType> {
  const { oracle, journal, requestId } = parameters;
  const status = await getRequestStatus(client, { oracle, requestId });
  if (status.status !== "open") {
    throw new WrongRequestStateError(`request ${requestId} is ${status.status}, not open: it cannot be cancelled`);
  }
  if (status.requester.toLowerCase() !== client.account.address.toLowerCase()) {
    throw new WrongRequestStateError(`request ${requestId} is not this account's to cancel`, {
      details: `requester ${status.requester}, account ${client.account.address}`,
    });
  }
  const [timeout, block] = await Promise.all([
    oracleCall(() => readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "requestTimeout" })),
    getBlock(client),
  ]);
  const expiresAt = status.createdAt + timeout;
  try {
    const { hash } = await sendOracleTx(client, {
      oracle,
      journal,
      action: "cancelRequest",
      requestId,
      functionName: "cancelRequest",
      args: [requestId],
    });
    return { hash, refund: status.fee };
  } catch (err) {
    // Before expiry only a request whose claim was rejected may go: the contract knows which.
    if (!(err instanceof OracleRevertError) || err.errorName !== "RequestNotExpired") throw err;
    const lag = describeChainTimeLag(block.timestamp);
    throw new WrongRequestStateError(`request ${requestId} has not expired yet`, {
      details: `it may be cancelled from ${expiresAt}, chain time ${block.timestamp}` + (lag ? `; ${lag}` : ""),
      cause: err,
    });
  }
}
