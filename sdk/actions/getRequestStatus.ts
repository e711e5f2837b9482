/** `getRequestStatus`: a request's state, with its active (or finalized) claim. */
import type { Address, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import {
  CALLBACK_STATUS,
  CLAIM_STATUS,
  REQUEST_STATUS,
  opmlOracleAbi,
  type CallbackStatusName,
  type ClaimStatusName,
  type RequestStatusName,
} from "../abi.ts";
import { oracleCall, UnknownRequestError, type OracleRevertError } from "../errors.ts";
import type { AnyClient, OracleTarget } from "../types.ts";
import { getModel, type GetModelErrorType } from "./getModel.ts";

export interface GetRequestStatusParameters extends OracleTarget {
  requestId: bigint;
}

export interface GetRequestStatusReturnType {
  requestId: bigint;
  status: RequestStatusName;
  callbackStatus: CallbackStatusName;
  modelId: bigint;
  requester: Address;
  createdAt: bigint;
  fee: bigint;
  inputState: Hex;
  /** The active (or finalized) claim, if any. */
  claim?: {
    claimId: bigint;
    submitter: Address;
    status: ClaimStatusName;
    submittedAt: bigint;
    /** The claim's challenge deadline (unix seconds). */
    challengeDeadline: bigint;
    openGames: number;
    finalState: Hex;
    output: Hex;
  };
}

export type GetRequestStatusErrorType =
  UnknownRequestError | GetModelErrorType | OracleRevertError | ReadContractErrorType;

/** A request's state, with its active claim; {@link UnknownRequestError} if there is none. */
export async function getRequestStatus(
  client: AnyClient,
  parameters: GetRequestStatusParameters,
): Promise<GetRequestStatusReturnType> {
  const { oracle, requestId } = parameters;
  const count = await oracleCall(() =>
    readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "requestCount" }),
  );
  if (requestId < 1n || requestId > count) throw new UnknownRequestError(requestId);
  const r = await oracleCall(() =>
    readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getRequest", args: [requestId] }),
  );
  const out: GetRequestStatusReturnType = {
    requestId,
    status: REQUEST_STATUS[r.status] ?? "none",
    callbackStatus: CALLBACK_STATUS[r.callbackStatus] ?? "none",
    modelId: r.modelId,
    requester: r.requester,
    createdAt: r.createdAt,
    fee: r.fee,
    inputState: r.inputState,
  };
  if (r.activeClaimId !== 0n) {
    const [c, model] = await Promise.all([
      oracleCall(() =>
        readContract(client, {
          address: oracle,
          abi: opmlOracleAbi,
          functionName: "getClaim",
          args: [r.activeClaimId],
        }),
      ),
      getModel(client, { oracle, modelId: r.modelId }),
    ]);
    out.claim = {
      claimId: r.activeClaimId,
      submitter: c.submitter,
      status: CLAIM_STATUS[c.status] ?? "none",
      submittedAt: c.submittedAt,
      challengeDeadline: c.submittedAt + model.challengeWindow,
      openGames: c.openGames,
      finalState: c.finalState,
      output: c.output,
    };
  }
  return out;
}
