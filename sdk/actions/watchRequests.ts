/**
 * `watchRequests`: calls `onRequest` for each new InferenceRequested (of one model, if given) —
 * what a submitter or an indexer follows.
 */
import type { WatchContractEventErrorType, WatchContractEventReturnType } from "viem";
import type { AnyClient } from "../types.ts";
import { watchOracleEvents, type OracleEvent, type WatchParameters } from "./watchOracleEvents.ts";

export interface WatchRequestsParameters extends WatchParameters {
  /** Only this model's requests. */
  modelId?: bigint;
  /** Each event, decoded: the request's event: requestId, modelId, requester, input, inputState, fee, callback. */
  onRequest: (event: OracleEvent<"InferenceRequested">) => void;
}

/** Stops watching. */
export type WatchRequestsReturnType = WatchContractEventReturnType;

/** Reported through `onError`, not thrown: the watcher keeps polling. */
export type WatchRequestsErrorType = WatchContractEventErrorType;

export function watchRequests(client: AnyClient, parameters: WatchRequestsParameters): WatchRequestsReturnType {
  const { modelId, onRequest, ...rest } = parameters;
  return watchOracleEvents(client, {
    ...rest,
    eventNames: ["InferenceRequested"],
    onEvent: (event) => {
      if (modelId === undefined || event.args.modelId === modelId) onRequest(event);
    },
  });
}
