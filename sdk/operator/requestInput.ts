/** `requestInput`: a request's input bytes, from its InferenceRequested event. */
import type { GetContractEventsErrorType, Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import type { AnyClient, OracleTarget } from "../types.ts";
import { RequestInputNotFoundError } from "./errors.ts";

export interface RequestInputParameters extends OracleTarget {
  requestId: bigint;
}

/** The input bytes, 0x hex. */
export type RequestInputReturnType = Hex;

export type RequestInputErrorType = RequestInputNotFoundError | GetContractEventsErrorType;

export async function requestInput(
  client: AnyClient,
  parameters: RequestInputParameters,
): Promise<RequestInputReturnType> {
  const { oracle, requestId } = parameters;
  const logs = await getContractEvents(client, {
    address: oracle,
    abi: opmlOracleAbi,
    eventName: "InferenceRequested",
    args: { requestId },
    fromBlock: 0n,
  });
  const input = logs[0]?.args.input;
  if (typeof input !== "string")
    throw new RequestInputNotFoundError(`no InferenceRequested event for request ${requestId}`);
  return input;
}
