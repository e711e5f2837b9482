/**
 * `waitForResult`: polls a request until it is finalized and answers its output bytes. It rides
 * out RPC trouble — a stalled or unreachable node, HTTP and RPC-server errors — by retrying with
 * exponential backoff; the only way it gives up on them is its own timeout, with
 * {@link ResultTimeoutError} naming the last RPC error.
 */
import {
  BaseError,
  HttpRequestError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
  type Hex,
  type ReadContractErrorType,
} from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import {
  oracleCall,
  RequestCancelledError,
  ResultTimeoutError,
  RpcStallError,
  type OracleRevertError,
} from "../errors.ts";
import type { AnyClient, OracleTarget } from "../types.ts";
import { getRequestStatus, type GetRequestStatusErrorType } from "./getRequestStatus.ts";

export interface WaitForResultParameters extends OracleTarget {
  requestId: bigint;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Poll this often (default: the client's pollingInterval). */
  pollingIntervalMs?: number;
  /** Backoff after an RPC failure: doubles from the polling interval up to this (default 8 s). */
  maxBackoffMs?: number;
  /** A poll whose RPC calls have not all answered after this long counts as failed (default 20 s). */
  attemptTimeoutMs?: number;
  /** Told of each RPC failure it rides out (the error, how many in a row, the wait before the next try). */
  onRetry?: (error: BaseError, failures: number, delayMs: number) => void;
}

/** The final output bytes. */
export type WaitForResultReturnType = Hex;

/**
 * Only typed errors: RPC failures are retried, and surface as the {@link ResultTimeoutError}'s
 * cause once the time is up. A read that answers but cannot be an oracle's (a wrong address)
 * fails at once with viem's error.
 */
export type WaitForResultErrorType =
  RequestCancelledError | ResultTimeoutError | GetRequestStatusErrorType | OracleRevertError | ReadContractErrorType;

/** Transport trouble worth another try: the node may come back. */
function isRpcFailure(err: unknown): err is BaseError {
  if (err instanceof RpcStallError) return true;
  return (
    err instanceof BaseError &&
    !!err.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof RpcRequestError ||
        e instanceof WebSocketRequestError ||
        e instanceof SocketClosedError,
    )
  );
}

const TIMED_OUT = Symbol("timed out");

/**
 * `p`, or {@link TIMED_OUT} once `ms` have passed (a hung request does not outlive the wait; its
 * late failure, if any, is dropped rather than left unhandled).
 */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  p.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

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
  const interval = Math.max(1, parameters.pollingIntervalMs ?? client.pollingInterval);
  const maxBackoff = Math.max(interval, parameters.maxBackoffMs ?? 8_000);
  const attemptTimeout = Math.max(1, parameters.attemptTimeoutMs ?? 20_000);
  const deadline = Date.now() + timeoutMs;
  let lastStatus = "not read yet";
  let lastError: BaseError | undefined;
  let failures = 0;
  const poll = async (): Promise<Hex | undefined> => {
    const s = await getRequestStatus(client, { oracle, requestId });
    lastStatus = s.status;
    if (s.status === "cancelled") throw new RequestCancelledError(requestId);
    if (s.status !== "finalized") return undefined;
    return oracleCall(() =>
      readContract(client, { address: oracle, abi: opmlOracleAbi, functionName: "getResult", args: [requestId] }),
    );
  };
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new ResultTimeoutError(requestId, timeoutMs, lastStatus, lastError);
    let delay = interval;
    try {
      const out = await within(poll(), Math.min(left, attemptTimeout));
      if (out === TIMED_OUT) {
        if (left <= attemptTimeout) throw new ResultTimeoutError(requestId, timeoutMs, lastStatus, lastError);
        throw new RpcStallError(attemptTimeout);
      }
      if (out !== undefined) return out;
      failures = 0;
      lastError = undefined;
    } catch (err) {
      if (!isRpcFailure(err)) throw err;
      lastError = err;
      failures++;
      delay = Math.min(maxBackoff, interval * 2 ** Math.min(failures, 30));
      parameters.onRetry?.(err, failures, delay);
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
  }
}
