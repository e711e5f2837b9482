/**
 * Typed errors of the SDK. Each extends {@link OpmlError}, itself viem's `BaseError`; contract reverts are decoded into the
 * matching class by {@link toOpmlError}, so a dapp can `instanceof`-switch on what went wrong.
 */
import { BaseError, ContractFunctionRevertedError, type Hex } from "viem";
import { OpmlError } from "../common/errors.ts";
import { InputTokenOutOfRangeError } from "../dnn-lib/src/model/inputTokenBound.ts";

export { InputTokenOutOfRangeError };

export { OpmlError, type OpmlErrorOptions } from "../common/errors.ts";

export class UnknownModelError extends OpmlError {
  override name = "UnknownModelError";
  readonly modelId: bigint;
  constructor(modelId: bigint, cause?: unknown) {
    super(`model ${modelId} is not registered in the oracle`, {
      details: "model ids run from 1 to the oracle's modelCount()",
      cause,
    });
    this.modelId = modelId;
  }
}

export class UnknownRequestError extends OpmlError {
  override name = "UnknownRequestError";
  readonly requestId: bigint;
  constructor(requestId: bigint, cause?: unknown) {
    super(`request ${requestId} does not exist`, { cause });
    this.requestId = requestId;
  }
}

/** The input does not have the model's input length (or is not bytes at all). */
export class MalformedInputError extends OpmlError {
  override name = "MalformedInputError";
  readonly expected: bigint | undefined;
  readonly actual: bigint | undefined;
  constructor(problem: string, sizes: { expected?: bigint; actual?: bigint } = {}, cause?: unknown) {
    super("malformed model input", { details: problem, cause });
    this.expected = sizes.expected;
    this.actual = sizes.actual;
  }
}

/** The value sent is not the exact fee `estimateFee` gives. */
export class FeeMismatchError extends OpmlError {
  override name = "FeeMismatchError";
  readonly expected: bigint;
  readonly paid: bigint;
  constructor(expected: bigint, paid: bigint, cause?: unknown) {
    super(
      paid < expected
        ? `underpaid fee: ${paid} wei sent, ${expected} wei due`
        : `overpaid fee: ${paid} wei sent, exactly ${expected} wei due`,
      {
        details: "requestInference takes exactly estimateFee(modelId, callbackGasLimit)",
        cause,
      },
    );
    this.expected = expected;
    this.paid = paid;
  }
  get underpaid(): boolean {
    return this.paid < this.expected;
  }
}

export class CallbackGasTooHighError extends OpmlError {
  override name = "CallbackGasTooHighError";
  constructor(requested: bigint, max: bigint, cause?: unknown) {
    super(`callback gas ${requested} exceeds the model's maxCallbackGas ${max}`, { cause });
  }
}

/** The request was cancelled (no claim came in time): it has no result. */
export class RequestCancelledError extends OpmlError {
  override name = "RequestCancelledError";
  constructor(requestId: bigint) {
    super(`request ${requestId} was cancelled: no claim came in time, it has no result`);
  }
}

/** waitForResult gave up: the request is not final in time, or the RPC never answered again. */
export class ResultTimeoutError extends OpmlError {
  override name = "ResultTimeoutError";
  readonly requestId: bigint;
  constructor(requestId: bigint, timeoutMs: number, lastStatus: string, lastRpcError?: BaseError) {
    super(`request ${requestId} is not final after ${timeoutMs} ms`, {
      details:
        `last status: ${lastStatus}` +
        (lastRpcError ? `; the RPC was failing when time ran out (${lastRpcError.shortMessage})` : ""),
      cause: lastRpcError,
    });
    this.requestId = requestId;
  }
}

/** An RPC read that did not answer in time (a stalled node): `waitForResult` retries after it. */
export class RpcStallError extends OpmlError {
  override name = "RpcStallError";
  constructor(ms: number) {
    super(`the RPC did not answer within ${ms} ms`);
  }
}

/** Any other oracle revert, with its decoded name and arguments. */
export class OracleRevertError extends OpmlError {
  override name = "OracleRevertError";
  readonly errorName: string | undefined;
  readonly args: readonly unknown[];
  constructor(errorName: string | undefined, args: readonly unknown[], cause?: unknown) {
    super(`the oracle reverted${errorName ? ` with ${errorName}` : ""}`, {
      details: args.length ? `arguments: ${args.map(String).join(", ")}` : undefined,
      cause,
    });
    this.errorName = errorName;
    this.args = args;
  }
}

/** A transaction was mined but reverted (its simulation had passed: the chain moved in between). */
export class TransactionRevertedError extends OpmlError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor(action: string, hash: Hex) {
    super(`${action} reverted on chain`, { details: `tx ${hash}` });
    this.hash = hash;
  }
}

/** A mined transaction's receipt lacks the event it must emit (the address is not the contract it should be). */
export class MissingEventError extends OpmlError {
  override name = "MissingEventError";
  readonly hash: Hex;
  constructor(eventName: string, hash: Hex) {
    super(`no ${eventName} event in the receipt`, { details: `tx ${hash}` });
    this.hash = hash;
  }
}

/** The request (or claim) is not in the state the action acts on: the chain moved on, or it is too early. */
export class WrongRequestStateError extends OpmlError {
  override name = "WrongRequestStateError";
}

/** What {@link toOpmlError} makes of a revert. */
export type OracleCallErrorType =
  | UnknownModelError
  | UnknownRequestError
  | MalformedInputError
  | InputTokenOutOfRangeError
  | FeeMismatchError
  | CallbackGasTooHighError
  | OracleRevertError;

/** Runs a call to the oracle, a revert rethrown as its typed error ({@link toOpmlError}). */
export async function oracleCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toOpmlError(err);
  }
}

/** Maps a viem error from an oracle call to the SDK's typed errors (unchanged when not a revert). */
export function toOpmlError(err: unknown): unknown {
  if (err instanceof OpmlError || !(err instanceof BaseError)) return err;
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return err;
  const name = revert.data?.errorName;
  const args = revert.data?.args ?? [];
  const big = (i: number) => args[i] as bigint;
  switch (name) {
    case "UnknownModel":
      return new UnknownModelError(big(0), err);
    case "UnknownRequest":
      return new UnknownRequestError(big(0), err);
    case "InputLengthMismatch":
      return new MalformedInputError(
        `input is ${big(1)} bytes, the model takes ${big(0)}`,
        { expected: big(0), actual: big(1) },
        err,
      );
    case "InputTokenOutOfRange":
      return new InputTokenOutOfRangeError(Number(big(0)), Number(big(1)), Number(big(2)), err);
    case "FeeMismatch":
      return new FeeMismatchError(big(0), big(1), err);
    case "CallbackGasTooHigh":
      return new CallbackGasTooHighError(big(0), big(1), err);
    default:
      return new OracleRevertError(name, args, err);
  }
}
