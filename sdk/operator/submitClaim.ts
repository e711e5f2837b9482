/** `submitClaim`: posts a claim with the model's submitter bond, after re-reading that the request is open. */
import type { Address, Hex } from "viem";
import { getModel, type GetModelErrorType } from "../actions/getModel.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "../actions/getRequestStatus.ts";
import { MissingEventError, WrongRequestStateError } from "../errors.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "../actions/sendOracleTx.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent } from "../txSender.ts";

export interface SubmitClaimParameters extends OracleTarget, Journaled, Sent {
  requestId: bigint;
  /** S_N: the graph state after the last node. */
  finalState: Hex;
  output: Hex;
  /** The output slot's Merkle proof against `finalState`. */
  outputSlotProof: Hex[];
  /**
   * The model's submitter bond, when the caller knows it (a daemon's view of the chain): then the
   * request and the model are not re-read, and a request no longer open is refused by the
   * simulation (the oracle's typed `WrongRequestStatus` revert).
   */
  submitterBond?: bigint;
}

export interface SubmitClaimReturnType {
  claimId: bigint;
  hash: Hex;
}

export type SubmitClaimErrorType =
  WrongRequestStateError | MissingEventError | GetRequestStatusErrorType | GetModelErrorType | SendOracleTxErrorType;

/** Posts a claim; {@link WrongRequestStateError} when the request is no longer open. */
export async function submitClaim(
  client: WalletClientWithAccount,
  parameters: SubmitClaimParameters,
): Promise<SubmitClaimReturnType> {
  const { oracle, journal, requestId } = parameters;
  const bond = parameters.submitterBond ?? (await openRequestBond(client, oracle, requestId));
  const { hash, logs } = await sendOracleTx(client, {
    oracle,
    journal,
    sender: parameters.sender,
    priority: "claim",
    action: "submitClaim",
    requestId,
    functionName: "submitClaim",
    args: [requestId, parameters.finalState, parameters.output, parameters.outputSlotProof],
    value: bond,
  });
  const ev = logs.find((l) => l.eventName === "ClaimSubmitted");
  if (!ev || ev.eventName !== "ClaimSubmitted") throw new MissingEventError("ClaimSubmitted", hash);
  return { claimId: ev.args.claimId, hash };
}

/** The bond a claim on `requestId` takes, after checking that the request is open. */
async function openRequestBond(client: WalletClientWithAccount, oracle: Address, requestId: bigint): Promise<bigint> {
  const status = await getRequestStatus(client, { oracle, requestId });
  if (status.status !== "open") {
    throw new WrongRequestStateError(`request ${requestId} is ${status.status}, not open`);
  }
  return (await getModel(client, { oracle, modelId: status.modelId })).submitterBond;
}
