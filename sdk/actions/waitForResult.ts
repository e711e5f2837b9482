/** `waitForResult`: polls a request until it is finalized and answers its output bytes. */
import type { Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { oracleCall, RequestCancelledError, ResultTimeoutError, type OracleRevertError } from "../errors.ts";
import type { AnyClient, OracleTarget } from "../types.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "./getRequestStatus.ts";

export interface WaitForResultParameters extends OracleTarget {
  requestId: bigint;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Poll this often (default: the client's pollingInterval). */
  pollingIntervalMs?: number;
}

/** The final output bytes. */
export type WaitForResultReturnType = Hex;

export type WaitForResultErrorType =
  RequestCancelledError | ResultTimeoutError | GetRequestStatusErrorType | OracleRevertError | ReadContractErrorType;

/**
 * Resolves with the final output bytes once the request is finalized; {@link RequestCancelledError}
 * if it was cancelled, {@link ResultTimeoutError} after `timeoutMs`.
 */
export async function waitForResult(
  client: AnyClient,
  parameters: WaitForResultParameters,
): Promise<WaitForResultReturnType> {
  const { oracle, requestId } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 600_000;
  const interval = parameters.pollingIntervalMs ?? client.pollingInterval;
  const start = Date.now();
  for (;;) {
    const s = await getRequestStatus(client, { oracle, requestId });
    if (s.status === "finalized") {
      return oracleCall(() =>
        readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getResult", args: [requestId] }),
      );
    }
    if (s.status === "cancelled") throw new RequestCancelledError(requestId);
    if (Date.now() - start >= timeoutMs) throw new ResultTimeoutError(requestId, timeoutMs, s.status);
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(1, timeoutMs - (Date.now() - start)))));
  }
}
