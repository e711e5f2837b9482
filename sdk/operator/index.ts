/**
 * The operators' entry (submitters, challengers): the chain actions the daemons build on, one per
 * file, with the DisputeGame ABI and the journal interface they record transactions through. The
 * actions anyone may take (finalize, withdraw) live with the dapp's and are re-exported here.
 */
export * from "../gameAbi.ts";
export * from "../chainTimeLag.ts";
export * from "../actions/finalizeRequest.ts";
export * from "../actions/sendOracleTx.ts";
export * from "../actions/withdrawPayouts.ts";
export { WrongRequestStateError } from "../errors.ts";
export * from "../txLog.ts";
export * from "../txSender.ts";
export * from "./challengeClaim.ts";
export * from "./errors.ts";
export * from "./postedIntermediates.ts";
export * from "./readGame.ts";
export * from "./requestInput.ts";
export * from "./stepGame.ts";
export * from "./submitClaim.ts";
