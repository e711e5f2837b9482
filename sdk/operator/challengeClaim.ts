/**
 * `challengeClaim`: opens a game against a claim, with the model's challenger bond. It re-reads
 * the request right before sending: it must still be claimed by the very claim judged wrong,
 * inside its window.
 */
import type { GetBlockErrorType, Hex } from "viem";
import { getBlock } from "viem/actions";
import { getModel, type GetModelErrorType } from "../actions/getModel.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "../actions/getRequestStatus.ts";
import { MissingEventError, WrongRequestStateError } from "../errors.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "../actions/sendOracleTx.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent } from "../txSender.ts";

export interface ChallengeClaimParameters extends OracleTarget, Journaled, Sent {
  requestId: bigint;
  claimId: bigint;
}

export interface ChallengeClaimReturnType {
  gameId: bigint;
  hash: Hex;
}

export type ChallengeClaimErrorType =
  | WrongRequestStateError
  | MissingEventError
  | GetRequestStatusErrorType
  | GetModelErrorType
  | GetBlockErrorType
  | SendOracleTxErrorType;

/** Challenges; {@link WrongRequestStateError} when the claim is no longer active or its window closed. */
export async function challengeClaim(
  client: WalletClientWithAccount,
  parameters: ChallengeClaimParameters,
): Promise<ChallengeClaimReturnType> {
  const { oracle, journal, requestId, claimId } = parameters;
  const s = await getRequestStatus(client, { oracle, requestId });
  if (s.status !== "claimed" || !s.claim || s.claim.claimId !== claimId) {
    throw new WrongRequestStateError(`request ${requestId} no longer has claim ${claimId} active`, {
      details: `status ${s.status}, active claim ${s.claim?.claimId ?? "none"}`,
    });
  }
  const now = (await getBlock(client)).timestamp;
  if (now >= s.claim.challengeDeadline) {
    throw new WrongRequestStateError(`claim ${claimId}'s challenge window has closed`, {
      details: `deadline ${s.claim.challengeDeadline}, chain time ${now}`,
    });
  }
  const model = await getModel(client, { oracle, modelId: s.modelId });
  const { hash, logs } = await sendOracleTx(client, {
    oracle,
    journal,
    sender: parameters.sender,
    priority: "claim",
    action: "challenge",
    requestId,
    functionName: "challenge",
    args: [requestId],
    value: model.challengerBond,
  });
  const ev = logs.find((l) => l.eventName === "ClaimChallenged");
  if (!ev || ev.eventName !== "ClaimChallenged") throw new MissingEventError("ClaimChallenged", hash);
  return { gameId: ev.args.gameId, hash };
}
