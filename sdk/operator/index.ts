/**
 * The operators' entry (submitters, challengers): the chain actions the daemons build on, one per
 * file, with the DisputeGame ABI and the journal interface they record transactions through.
 */
export * from "../gameAbi.ts";
export * from "./chainTimeLag.ts";
export * from "./challengeClaim.ts";
export * from "./errors.ts";
export * from "./finalizeRequest.ts";
export * from "./postedIntermediates.ts";
export * from "./readGame.ts";
export * from "./requestInput.ts";
export * from "./sendOracleTx.ts";
export * from "./stepGame.ts";
export * from "./submitClaim.ts";
export * from "./txLog.ts";
export * from "./withdrawPayouts.ts";
