/**
 * `watchDisputes`: the dispute notification a consumer opts in to — calls `onDispute` when a
 * claim (on one request, if given) is challenged (ClaimChallenged), when a game settles
 * (GameSettled: `defenderWon`), and when the claim is rejected (ClaimRejected: the request is open
 * again for an honest claim, so its result comes later than the window suggested).
 */
import type { WatchContractEventErrorType, WatchContractEventReturnType } from "viem";
import type { AnyClient } from "../types.ts";
import { watchOracleEvents, type OracleEvent, type WatchParameters } from "./watchOracleEvents.ts";

export interface WatchDisputesParameters extends WatchParameters {
  /** Only this request's disputes. */
  requestId?: bigint;
  /** Each event, decoded: ClaimChallenged (gameId, challenger), GameSettled (defenderWon, burned) or ClaimRejected. */
  onDispute: (event: OracleEvent<"ClaimChallenged" | "GameSettled" | "ClaimRejected">) => void;
}

/** Stops watching. */
export type WatchDisputesReturnType = WatchContractEventReturnType;

/** Reported through `onError`, not thrown: the watcher keeps polling. */
export type WatchDisputesErrorType = WatchContractEventErrorType;

export function watchDisputes(client: AnyClient, parameters: WatchDisputesParameters): WatchDisputesReturnType {
  const { onDispute, ...rest } = parameters;
  return watchOracleEvents(client, {
    ...rest,
    eventNames: ["ClaimChallenged", "GameSettled", "ClaimRejected"],
    onEvent: onDispute,
  });
}
