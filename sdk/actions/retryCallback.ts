/**
 * `retryCallback`: delivers a finalized request's result to its consumer again after the
 * callback failed at finalization (anyone may, e.g. once the consumer is fixed or funded).
 */
import type { Hex } from "viem";
import { WrongRequestStateError } from "../errors.ts";
import type { Journaled } from "../txLog.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "./getRequestStatus.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "./sendOracleTx.ts";

export interface RetryCallbackParameters extends OracleTarget, Journaled {
  requestId: bigint;
}

export interface RetryCallbackReturnType {
  hash: Hex;
  /** Whether the consumer accepted the result this time (a failed retry may be retried again). */
  delivered: boolean;
}

export type RetryCallbackErrorType = WrongRequestStateError | GetRequestStatusErrorType | SendOracleTxErrorType;

/** Retries the callback; {@link WrongRequestStateError} unless the request's callback status is `failed`. */
export async function retryCallback(
  client: WalletClientWithAccount,
  parameters: RetryCallbackParameters,
): Promise<RetryCallbackReturnType> {
  const { oracle, journal, requestId } = parameters;
  const status = await getRequestStatus(client, { oracle, requestId });
  if (status.callbackStatus !== "failed") {
    throw new WrongRequestStateError(`request ${requestId}'s callback is ${status.callbackStatus}, not failed`, {
      details: "only a callback that failed at finalization can be retried",
    });
  }
  const { hash, logs } = await sendOracleTx(client, {
    oracle,
    journal,
    action: "retryCallback",
    requestId,
    functionName: "retryCallback",
    args: [requestId],
  });
  const cb = logs.find((l) => l.eventName === "CallbackDelivered");
  return { hash, delivered: cb?.eventName === "CallbackDelivered" && cb.args.success };
}
