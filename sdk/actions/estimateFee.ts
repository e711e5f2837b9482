/** `estimateFee`: the exact fee `requestInference` takes for a model and a callback gas limit. */
import type { ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { CallbackGasTooHighError, oracleCall, type OracleRevertError } from "../errors.ts";
import type { AnyClient, OracleTarget } from "../types.ts";
import { getModel, type GetModelErrorType } from "./getModel.ts";

export interface EstimateFeeParameters extends OracleTarget {
  modelId: bigint;
  /** Gas for the consumer's callback (default 0: no callback). */
  callbackGasLimit?: number;
}

/** The fee in wei. */
export type EstimateFeeReturnType = bigint;

export type EstimateFeeErrorType =
  GetModelErrorType | CallbackGasTooHighError | OracleRevertError | ReadContractErrorType;

/** The fee `requestInference` expects; {@link CallbackGasTooHighError} above the model's `maxCallbackGas`. */
export async function estimateFee(
  client: AnyClient,
  parameters: EstimateFeeParameters,
): Promise<EstimateFeeReturnType> {
  const model = await getModel(client, parameters);
  const gas = parameters.callbackGasLimit ?? 0;
  if (gas > model.maxCallbackGas) throw new CallbackGasTooHighError(BigInt(gas), BigInt(model.maxCallbackGas));
  return oracleCall(() =>
    readContract(client, {
      address: parameters.oracle,
      abi: opmlOracleAbi,
      functionName: "estimateFee",
      args: [parameters.modelId, gas],
    }),
  );
}
