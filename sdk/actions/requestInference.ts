/**
 * `requestInference`: checks the model, the input (its length, and its token ids against the
 * model's registered input token bound) and the fee against the chain before sending anything, then simulates, sends, and reads the request id from the receipt's InferenceRequested
 * event.
 */
import {
  bytesToHex,
  hexToBytes,
  isHex,
  parseEventLogs,
  zeroAddress,
  type Address,
  type Hex,
  type SimulateContractErrorType,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { checkInputTokens, inputTokenBound } from "../../dnn-lib/src/model/inputTokenBound.ts";
import type { Model } from "../../dnn-lib/src/model/Model.ts";
import {
  FeeMismatchError,
  InputTokenOutOfRangeError,
  MalformedInputError,
  MissingEventError,
  oracleCall,
  TransactionRevertedError,
  type OracleCallErrorType,
} from "../errors.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { estimateFee, type EstimateFeeErrorType } from "./estimateFee.ts";
import { getModel } from "./getModel.ts";

export interface RequestInferenceParameters extends OracleTarget {
  modelId: bigint;
  /** The input tensor's bytes: exactly the model's inputLength. */
  input: Uint8Array | Hex;
  /** A consumer contract to call at finalization (none by default). */
  callback?: Address;
  callbackGasLimit?: number;
  callbackData?: Hex;
  /** The fee to send; by default the exact estimate. A wrong one is refused before sending. */
  value?: bigint;
  /**
   * The model file's graph (dnn-lib's `decodeModel`), when the caller has it: its own input token
   * bound is checked too, for a model registered without one (whose requests the oracle takes but
   * no submitter can run).
   */
  model?: Pick<Model, "nodes">;
}

export interface RequestInferenceReturnType {
  requestId: bigint;
  hash: Hex;
  inputState: Hex;
  fee: bigint;
}

export type RequestInferenceErrorType =
  | MalformedInputError
  | InputTokenOutOfRangeError
  | FeeMismatchError
  | EstimateFeeErrorType
  | OracleCallErrorType
  | TransactionRevertedError
  | MissingEventError
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

function inputHex(input: Uint8Array | Hex): Hex {
  if (input instanceof Uint8Array) return bytesToHex(input);
  if (typeof input !== "string" || !isHex(input, { strict: true }) || input.length % 2 !== 0) {
    throw new MalformedInputError("the input is neither bytes nor an even-length 0x hex string");
  }
  return input;
}

/** Requests `model(input)`, paying the fee; resolves once mined, with the request id. */
export async function requestInference(
  client: WalletClientWithAccount,
  parameters: RequestInferenceParameters,
): Promise<RequestInferenceReturnType> {
  const { oracle, modelId } = parameters;
  const input = inputHex(parameters.input);
  const model = await getModel(client, parameters);
  const length = BigInt((input.length - 2) / 2);
  if (length !== BigInt(model.inputLength)) {
    throw new MalformedInputError(`input is ${length} bytes, model ${modelId} takes ${model.inputLength}`, {
      expected: BigInt(model.inputLength),
      actual: length,
    });
  }
  // An id the embedding cannot look up traps every run: refused here rather than by the oracle,
  // or, for a model registered without its bound, never claimed.
  const bytes = hexToBytes(input);
  checkInputTokens(bytes, model.inputTokenBound);
  if (parameters.model) checkInputTokens(bytes, inputTokenBound(parameters.model));
  const fee = await estimateFee(client, parameters);
  const value = parameters.value ?? fee;
  if (value !== fee) throw new FeeMismatchError(fee, value);
  const { request } = await oracleCall(() =>
    simulateContract(client, {
      address: oracle,
      abi: opmlOracleAbi,
      functionName: "requestInference",
      args: [
        modelId,
        input,
        parameters.callback ?? zeroAddress,
        parameters.callbackGasLimit ?? 0,
        parameters.callbackData ?? "0x",
      ],
      value,
      account: client.account,
      chain: client.chain,
    }),
  );
  const hash = await oracleCall(() => writeContract(client, request));
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") throw new TransactionRevertedError("requestInference", hash);
  const [event] = parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs, eventName: "InferenceRequested" }).filter(
    (l) => l.address.toLowerCase() === oracle.toLowerCase(),
  );
  if (!event) throw new MissingEventError("InferenceRequested", hash);
  return { requestId: event.args.requestId, hash, inputState: event.args.inputState, fee };
}
