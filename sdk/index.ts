/** The dapp's entry: the oracle's ABI, its actions, the client decorator and the typed errors. */
export * from "./abi.ts";
export * from "./actions/estimateFee.ts";
export * from "./actions/getModel.ts";
export * from "./actions/getRequestStatus.ts";
export * from "./actions/requestGeneration.ts";
export * from "./actions/requestInference.ts";
export * from "./actions/waitForResult.ts";
export * from "./decorator.ts";
export * from "./errors.ts";
export type { AnyClient, OracleTarget, WalletClientWithAccount } from "./types.ts";
