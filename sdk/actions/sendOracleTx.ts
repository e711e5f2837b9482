/**
 * `sendOracleTx`: the one way the operator actions send an OpmlOracle transaction. It simulates
 * (a revert is its typed error), sends with the estimate padded by half, waits for the receipt and
 * journals each step.
 */
import {
  parseEventLogs,
  type Hex,
  type ParseEventLogsReturnType,
  type SimulateContractErrorType,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import { oracleCall, TransactionRevertedError, type OracleCallErrorType } from "../errors.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import type { Journaled } from "../txLog.ts";

export interface SendOracleTxParameters extends OracleTarget, Journaled {
  /** The journal's name for it ("submitClaim", "finalize", "challenge", "withdraw", ...). */
  action: string;
  /** The request it is about (0 for none), for the journal. */
  requestId: bigint;
  functionName: "submitClaim" | "finalize" | "withdraw" | "challenge" | "cancelRequest" | "retryCallback";
  args: readonly unknown[];
  value?: bigint;
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
  const j = { action, requestId: String(parameters.requestId) };
  journal?.append({ ...j, phase: "sending" });
  const gas = request.gas;
  const hash = await writeContract(client, {
    ...(request as Parameters<typeof writeContract>[1]),
    gas: gas ? (gas * 3n) / 2n : undefined,
  });
  journal?.append({ ...j, phase: "sent", hash });
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    journal?.append({ ...j, phase: "reverted", hash });
    throw new TransactionRevertedError(action, hash);
  }
  journal?.append({ ...j, phase: "mined", hash });
  return { hash, logs: parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs }) };
}
