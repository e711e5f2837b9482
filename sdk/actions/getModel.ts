/** `getModel`: a registered model's configuration, as the oracle stores it. */
import type { Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { oracleCall, UnknownModelError, type OracleRevertError } from "../errors.ts";
import type { AnyClient, OracleTarget } from "../types.ts";

export interface GetModelParameters extends OracleTarget {
  modelId: bigint;
}

/** `IOpmlOracle.ModelConfig`: the commitment, the slots, the terms. */
export interface GetModelReturnType {
  programRoot: Hex;
  graphRoot: Hex;
  weightsRoot: Hex;
  nodeCount: number;
  inputSlot: number;
  inputLength: number;
  /** 0, or the bound every int32 little-endian word of an input must stay below (token ids). */
  inputTokenBound: number;
  outputSlot: number;
  outputLength: number;
  maxCallbackGas: number;
  challengeWindow: bigint;
  fee: bigint;
  feePerCallbackGas: bigint;
  submitterBond: bigint;
  challengerBond: bigint;
}

export type GetModelErrorType = UnknownModelError | OracleRevertError | ReadContractErrorType;

/** A registered model's configuration; {@link UnknownModelError} if there is none. */
export async function getModel(client: AnyClient, parameters: GetModelParameters): Promise<GetModelReturnType> {
  const { oracle, modelId } = parameters;
  const count = await oracleCall(() =>
    readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "modelCount" }),
  );
  if (modelId < 1n || modelId > count) throw new UnknownModelError(modelId);
  return oracleCall(() =>
    readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getModel", args: [modelId] }),
  );
}
