/**
 * `watchResults`: calls `onResult` when a request (one, if given) ends — RequestFinalized with
 * its output, or RequestCancelled (no result) — and with CallbackDelivered for a consumer's
 * callback (`success`).
 */
import type { WatchContractEventErrorType, WatchContractEventReturnType } from "viem";
import type { AnyClient } from "../types.ts";
import { watchOracleEvents, type OracleEvent, type WatchParameters } from "./watchOracleEvents.ts";

export interface WatchResultsParameters extends WatchParameters {
  /** Only this request's outcome. */
  requestId?: bigint;
  /** Each event, decoded: RequestFinalized (claimId, submitter, output), RequestCancelled or CallbackDelivered (success). */
  onResult: (event: OracleEvent<"RequestFinalized" | "RequestCancelled" | "CallbackDelivered">) => void;
}

/** Stops watching. */
export type WatchResultsReturnType = WatchContractEventReturnType;

/** Reported through `onError`, not thrown: the watcher keeps polling. */
export type WatchResultsErrorType = WatchContractEventErrorType;

export function watchResults(client: AnyClient, parameters: WatchResultsParameters): WatchResultsReturnType {
  const { onResult, ...rest } = parameters;
  return watchOracleEvents(client, {
    ...rest,
    eventNames: ["RequestFinalized", "RequestCancelled", "CallbackDelivered"],
    onEvent: onResult,
  });
}
