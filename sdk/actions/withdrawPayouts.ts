/** `withdrawPayouts`: withdraws the account's credited payouts (bonds back, rewards), if any. */
import type { ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import type { OracleTarget, WalletClientWithAccount } from "../types.ts";
import { sendOracleTx, type SendOracleTxErrorType } from "./sendOracleTx.ts";
import type { Journaled } from "../txLog.ts";
import type { Sent } from "../txSender.ts";

export interface WithdrawPayoutsParameters extends OracleTarget, Journaled, Sent {}

/** The amount withdrawn in wei (0 when nothing was due: then nothing is sent). */
export type WithdrawPayoutsReturnType = bigint;

export type WithdrawPayoutsErrorType = ReadContractErrorType | SendOracleTxErrorType;

export async function withdrawPayouts(
  client: WalletClientWithAccount,
  parameters: WithdrawPayoutsParameters,
): Promise<WithdrawPayoutsReturnType> {
  const { oracle, journal } = parameters;
  const due = await readContract(client, {
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "payouts",
    args: [client.account.address],
  });
  if (due === 0n) return 0n;
  await sendOracleTx(client, {
    oracle,
    journal,
    sender: parameters.sender,
    priority: "settle",
    action: "withdraw",
    requestId: 0n,
    functionName: "withdraw",
    args: [],
  });
  return due;
}
