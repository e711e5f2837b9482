/**
 * Dapp-side viem actions on the OpmlOracle: `estimateFee`, `requestInference`, `getRequestStatus`,
 * `waitForResult` (plus `getModel`). Each takes a viem client first, like viem's own actions, and
 * throws the typed errors of ./errors.ts. `requestInference` checks the model, the input and the
 * fee against the chain before sending anything, then simulates, sends and reads the request id
 * from the receipt's InferenceRequested event.
 */
import {
  bytesToHex,
  isHex,
  parseEventLogs,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
} from "viem";
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { OpmlError } from "../common/errors.ts";
import {
  CALLBACK_STATUS,
  CLAIM_STATUS,
  REQUEST_STATUS,
  opmlOracleAbi,
  type CallbackStatusName,
  type ClaimStatusName,
  type RequestStatusName,
} from "./abi.ts";
import {
  CallbackGasTooHighError,
  FeeMismatchError,
  MalformedInputError,
  RequestCancelledError,
  ResultTimeoutError,
  UnknownModelError,
  UnknownRequestError,
  toOpmlError,
} from "./errors.ts";

type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;
type WalletClientWithAccount = Client<Transport, Chain | undefined, Account>;

export interface OracleTarget {
  /** The OpmlOracle address. */
  oracle: Address;
}

export interface ModelConfig {
  programRoot: Hex;
  graphRoot: Hex;
  weightsRoot: Hex;
  nodeCount: number;
  inputSlot: number;
  inputLength: number;
  outputSlot: number;
  outputLength: number;
  maxCallbackGas: number;
  challengeWindow: bigint;
  fee: bigint;
  feePerCallbackGas: bigint;
  submitterBond: bigint;
  challengerBond: bigint;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toOpmlError(err);
  }
}

/** A registered model's configuration; {@link UnknownModelError} if there is none. */
export async function getModel(client: AnyClient, args: OracleTarget & { modelId: bigint }): Promise<ModelConfig> {
  const count = await call(() =>
    readContract(client, { address: args.oracle, abi: opmlOracleAbi, functionName: "modelCount" }),
  );
  if (args.modelId < 1n || args.modelId > count) throw new UnknownModelError(args.modelId);
  return (await call(() =>
    readContract(client, { address: args.oracle, abi: opmlOracleAbi, functionName: "getModel", args: [args.modelId] }),
  )) as ModelConfig;
}

/** The exact fee `requestInference` expects for a model and a callback gas limit. */
export async function estimateFee(
  client: AnyClient,
  args: OracleTarget & { modelId: bigint; callbackGasLimit?: number },
): Promise<bigint> {
  const model = await getModel(client, args);
  const gas = args.callbackGasLimit ?? 0;
  if (gas > model.maxCallbackGas) throw new CallbackGasTooHighError(BigInt(gas), BigInt(model.maxCallbackGas));
  return call(() =>
    readContract(client, {
      address: args.oracle,
      abi: opmlOracleAbi,
      functionName: "estimateFee",
      args: [args.modelId, gas],
    }),
  );
}

export interface RequestInferenceArgs extends OracleTarget {
  modelId: bigint;
  /** The input tensor's bytes: exactly the model's inputLength. */
  input: Uint8Array | Hex;
  /** A consumer contract to call at finalization (none by default). */
  callback?: Address;
  callbackGasLimit?: number;
  callbackData?: Hex;
  /** The fee to send; by default the exact estimate. A wrong one is refused before sending. */
  value?: bigint;
}

export interface RequestInferenceResult {
  requestId: bigint;
  hash: Hex;
  inputState: Hex;
  fee: bigint;
}

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
  args: RequestInferenceArgs,
): Promise<RequestInferenceResult> {
  const input = inputHex(args.input);
  const model = await getModel(client, args);
  const length = BigInt((input.length - 2) / 2);
  if (length !== BigInt(model.inputLength)) {
    throw new MalformedInputError(`input is ${length} bytes, model ${args.modelId} takes ${model.inputLength}`, {
      expected: BigInt(model.inputLength),
      actual: length,
    });
  }
  const fee = await estimateFee(client, args);
  const value = args.value ?? fee;
  if (value !== fee) throw new FeeMismatchError(fee, value);
  const { request } = await call(() =>
    simulateContract(client, {
      address: args.oracle,
      abi: opmlOracleAbi,
      functionName: "requestInference",
      args: [args.modelId, input, args.callback ?? zeroAddress, args.callbackGasLimit ?? 0, args.callbackData ?? "0x"],
      value,
      account: client.account,
      chain: client.chain,
    }),
  );
  const hash = await call(() => writeContract(client, request));
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") throw new OpmlError("the request transaction reverted", { details: hash });
  const [event] = parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs, eventName: "InferenceRequested" }).filter(
    (l) => l.address.toLowerCase() === args.oracle.toLowerCase(),
  );
  if (!event) throw new OpmlError("no InferenceRequested event in the receipt", { details: hash });
  return { requestId: event.args.requestId, hash, inputState: event.args.inputState, fee };
}

export interface RequestStatus {
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

/** A request's state, with its active claim; {@link UnknownRequestError} if there is none. */
export async function getRequestStatus(
  client: AnyClient,
  args: OracleTarget & { requestId: bigint },
): Promise<RequestStatus> {
  const count = await call(() =>
    readContract(client, { address: args.oracle, abi: opmlOracleAbi, functionName: "requestCount" }),
  );
  if (args.requestId < 1n || args.requestId > count) throw new UnknownRequestError(args.requestId);
  const r = await call(() =>
    readContract(client, {
      address: args.oracle,
      abi: opmlOracleAbi,
      functionName: "getRequest",
      args: [args.requestId],
    }),
  );
  const out: RequestStatus = {
    requestId: args.requestId,
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
      call(() =>
        readContract(client, {
          address: args.oracle,
          abi: opmlOracleAbi,
          functionName: "getClaim",
          args: [r.activeClaimId],
        }),
      ),
      getModel(client, { oracle: args.oracle, modelId: r.modelId }),
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

export interface WaitForResultArgs extends OracleTarget {
  requestId: bigint;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Poll this often (default: the client's pollingInterval). */
  pollingIntervalMs?: number;
}

/**
 * Resolves with the final output bytes once the request is finalized; {@link RequestCancelledError}
 * if it was cancelled, {@link ResultTimeoutError} after `timeoutMs`.
 */
export async function waitForResult(client: AnyClient, args: WaitForResultArgs): Promise<Hex> {
  const timeoutMs = args.timeoutMs ?? 600_000;
  const interval = args.pollingIntervalMs ?? client.pollingInterval;
  const start = Date.now();
  for (;;) {
    const s = await getRequestStatus(client, args);
    if (s.status === "finalized") {
      return call(() =>
        readContract(client, {
          address: args.oracle,
          abi: opmlOracleAbi,
          functionName: "getResult",
          args: [args.requestId],
        }),
      );
    }
    if (s.status === "cancelled") throw new RequestCancelledError(args.requestId);
    if (Date.now() - start >= timeoutMs) throw new ResultTimeoutError(args.requestId, timeoutMs, s.status);
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(1, timeoutMs - (Date.now() - start)))));
  }
}
