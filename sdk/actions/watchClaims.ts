/** `watchClaims`: calls `onClaim` for each ClaimSubmitted (of one request, if given), with its challenge deadline. */
import type { WatchContractEventErrorType, WatchContractEventReturnType } from "viem";
import type { AnyClient } from "../types.ts";
import { watchOracleEvents, type OracleEvent, type WatchParameters } from "./watchOracleEvents.ts";

export interface WatchClaimsParameters extends WatchParameters {
  /** Only this request's claims. */
  requestId?: bigint;
  /** Each event, decoded: the claim's event: requestId, claimId, submitter, finalState, output, challengeDeadline. */
  onClaim: (event: OracleEvent<"ClaimSubmitted">) => void;
}

/** Stops watching. */
export type WatchClaimsReturnType = WatchContractEventReturnType;

/** Reported through `onError`, not thrown: the watcher keeps polling. */
export type WatchClaimsErrorType = WatchContractEventErrorType;

export function watchClaims(client: AnyClient, parameters: WatchClaimsParameters): WatchClaimsReturnType {
  const { onClaim, ...rest } = parameters;
  return watchOracleEvents(client, { ...rest, eventNames: ["ClaimSubmitted"], onEvent: onClaim });
}
