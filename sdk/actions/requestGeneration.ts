/**
 * `requestGeneration`: asks a generation model (docs/protocol.md §4.4) for a completion — the
 * prompt's tokens, how many new ones, the decoding — by writing the generation request for the
 * model's context (read from its input length) and sending it as `requestInference` does.
 * `decodeGeneration` reads the final output: the new tokens and why generation stopped.
 */
import { hexToBytes, type Hex } from "viem";
import {
  decodeGenerationState,
  encodeGenerationRequest,
  GEN_HEADER_WORDS,
  type GenerationRequest,
  type GenerationResult,
} from "../../dnn-lib/src/generation/generationState.ts";
import type { GenerationRequestError } from "../../dnn-lib/src/generation/errors.ts";
import { MalformedInputError } from "../errors.ts";
import type { WalletClientWithAccount } from "../types.ts";
import { getModel } from "./getModel.ts";
import {
  requestInference,
  type RequestInferenceErrorType,
  type RequestInferenceParameters,
  type RequestInferenceReturnType,
} from "./requestInference.ts";

export { invTempFor, StopReason, type GenerationResult } from "../../dnn-lib/src/generation/generationState.ts";

export interface RequestGenerationParameters extends Omit<RequestInferenceParameters, "input">, GenerationRequest {
  /** The model's vocabulary and new-token maximum, when known: checked before sending. */
  limits?: { V?: number; maxNew?: number };
}

export type RequestGenerationReturnType = RequestInferenceReturnType;
export type RequestGenerationErrorType = RequestInferenceErrorType;

/** Requests a generation, paying the fee; resolves once mined, with the request id. */
export async function requestGeneration(
  client: WalletClientWithAccount,
  parameters: RequestGenerationParameters,
): Promise<RequestGenerationReturnType> {
  const model = await getModel(client, parameters);
  const C = model.inputLength / 4 - GEN_HEADER_WORDS;
  if (!Number.isInteger(C) || C < 2)
    throw new MalformedInputError(`model ${parameters.modelId} is not a generation model`, {
      actual: BigInt(model.inputLength),
    });
  let input: Uint8Array;
  try {
    input = encodeGenerationRequest(parameters, { C, ...parameters.limits });
  } catch (err) {
    const e = err as GenerationRequestError;
    throw new MalformedInputError(`${e.shortMessage}: ${e.details}`, {}, err);
  }
  return requestInference(client, { ...parameters, input });
}

/** The generation a final output (hex or bytes) holds. */
export function decodeGeneration(output: Hex | Uint8Array): GenerationResult {
  return decodeGenerationState(typeof output === "string" ? hexToBytes(output) : output);
}
