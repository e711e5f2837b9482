/**
 * `sendOracleTx`: the one way the operator actions send an OpmlOracle transaction. It simulates
 * (a revert is its typed error), then either hands the transaction to the caller's `sender` (the
 * daemons' pipeline, which journals it) or sends it with the estimate padded by half, waits for
 * the receipt and journals each step.
 */
import {
  encodeFunctionData,
  parseEventLogs,
  type Hex,
  type ParseEventLogsReturnType,
  type TransactionReceipt,
  type SimulateContractErrorType,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import { estimateContractGas, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { oracleCall, TransactionRevertedError, type OracleCallErrorType } from "../errors.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent, TxPriority } from "../txSender.ts";

export interface SendOracleTxParameters extends OracleTarget, Journaled, Sent {
  /** The journal's name for it ("submitClaim", "finalize", "challenge", "withdraw", ...). */
  action: string;
  /** The request it is about (0 for none), for the journal. */
  requestId: bigint;
  functionName: "submitClaim" | "finalize" | "withdraw" | "challenge" | "cancelRequest" | "retryCallback";
  args: readonly unknown[];
  value?: bigint;
  /** For a `sender` with a cap on transactions in flight (default "settle"). */
  priority?: TxPriority;
}

export interface SendOracleTxReturnType {
  hash: Hex;
  /** The receipt's OpmlOracle events. */
  logs: ParseEventLogsReturnType<typeof opmlOracleAbi, undefined, true>;
}

export type SendOracleTxErrorType =
  | OracleCallErrorType
  | TransactionRevertedError
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/** Simulates (typed revert errors), sends, waits, journals. Gas is the estimate padded by half. */
export async function sendOracleTx(
  client: WalletClientWithAccount,
  parameters: SendOracleTxParameters,
): Promise<SendOracleTxReturnType> {
  const { oracle, journal, action } = parameters;
  const { request } = await oracleCall(() =>
    simulateContract(client, {
      address: oracle,
      abi: opmlOracleAbi,
      functionName: parameters.functionName,
      args: parameters.args,
      value: parameters.value,
      account: client.account,
      chain: client.chain,
    } as Parameters<typeof simulateContract>[1]),
  );
  const gas = request.gas ? (request.gas * 3n) / 2n : undefined;
  const receipt = parameters.sender
    ? await parameters.sender.send({
        to: oracle,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs the cast: args is any function's
        data: encodeFunctionData({
          abi: opmlOracleAbi,
          functionName: parameters.functionName,
          args: parameters.args,
        } as Parameters<typeof encodeFunctionData>[0]),
        value: parameters.value,
        // A pipeline signs with its own nonce and fees: it needs the gas up front.
        gas:
          gas ??
          ((await oracleCall(() => estimateContractGas(client, request as Parameters<typeof estimateContractGas>[1]))) *
            3n) /
            2n,
        action,
        requestId: parameters.requestId,
        priority: parameters.priority ?? "settle",
      })
    : await sendAndWait(client, request as Parameters<typeof writeContract>[1], gas, parameters);
  if (receipt.status !== "success") {
    if (!parameters.sender)
      journal?.append({
        action,
        requestId: String(parameters.requestId),
        phase: "reverted",
        hash: receipt.transactionHash,
      });
    throw new TransactionRevertedError(action, receipt.transactionHash);
  }
  if (!parameters.sender)
    journal?.append({ action, requestId: String(parameters.requestId), phase: "mined", hash: receipt.transactionHash });
  return { hash: receipt.transactionHash, logs: parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs }) };
}

/** Without a sender: viem sends (its nonce, its fees), journaled, and the receipt is awaited. */
async function sendAndWait(
  client: WalletClientWithAccount,
  request: Parameters<typeof writeContract>[1],
  gas: bigint | undefined,
  { journal, action, requestId }: SendOracleTxParameters,
): Promise<TransactionReceipt> {
  const j = { action, requestId: String(requestId) };
  journal?.append({ ...j, phase: "sending" });
  const hash = await writeContract(client, { ...request, gas });
  journal?.append({ ...j, phase: "sent", hash });
  return waitForTransactionReceipt(client, { hash });
}
