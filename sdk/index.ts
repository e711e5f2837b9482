/**
 * The dapp's entry (the `@opml/sdk` package): the oracle's ABI, every oracle action and game read,
 * the event watchers, the model's quantizers, the client decorator and the typed errors.
 */
export * from "./abi.ts";
export { disputeGameAbi, GAME_PHASE, GAME_STATUS, type GamePhaseName, type GameStatusName } from "./gameAbi.ts";
export * from "./actions/cancelRequest.ts";
export * from "./actions/estimateFee.ts";
export * from "./actions/finalizeRequest.ts";
export * from "./actions/getGame.ts";
export * from "./actions/getModel.ts";
export * from "./actions/getRequestStatus.ts";
export * from "./actions/requestGeneration.ts";
export * from "./actions/requestInference.ts";
export * from "./actions/retryCallback.ts";
export * from "./actions/waitForResult.ts";
export * from "./actions/watchClaims.ts";
export * from "./actions/watchDisputes.ts";
export * from "./actions/watchRequests.ts";
export * from "./actions/watchResults.ts";
export type { OracleEvent, WatchParameters } from "./actions/watchOracleEvents.ts";
export * from "./actions/withdrawPayouts.ts";
export { describeChainTimeLag } from "./chainTimeLag.ts";
export * from "./decorator.ts";
export * from "./errors.ts";
export * from "./quantize.ts";
export type { TxLog, TxLogEntry } from "./txLog.ts";
export type { AnyClient, OracleTarget, WalletClientWithAccount } from "./types.ts";
