/**
 * `watchOracleEvents`: the one way the SDK's watchers follow OpmlOracle events — viem's
 * `watchContractEvent` over the oracle's ABI, keeping only the named events (optionally of one
 * request), each handed to `onEvent` decoded and typed, in chain order.
 */
import type { BlockNumber, ContractEventName, Log, WatchContractEventReturnType } from "viem";
import { watchContractEvent } from "viem/actions";
import { opmlOracleAbi } from "../abi.ts";
import type { AnyClient, OracleTarget } from "../types.ts";

/** One decoded OpmlOracle event of the given name(s). */
export type OracleEvent<N extends ContractEventName<typeof opmlOracleAbi>> = Log<
  bigint,
  number,
  false,
  undefined,
  true,
  typeof opmlOracleAbi,
  N
>;

/** What every watcher takes besides its handler. */
export interface WatchParameters extends OracleTarget {
  /** Start from this block (past events first); default: new blocks only. */
  fromBlock?: BlockNumber;
  /** Poll every this many ms (default: the client's pollingInterval). */
  pollingInterval?: number;
  /** A transport or decode error; the watcher keeps going (viem's behaviour). */
  onError?: (error: Error) => void;
}

export interface WatchOracleEventsParameters<
  N extends ContractEventName<typeof opmlOracleAbi>,
> extends WatchParameters {
  eventNames: readonly N[];
  /** Only this request's events (every event these watchers follow carries the indexed requestId). */
  requestId?: bigint;
  onEvent: (event: OracleEvent<N>) => void;
}

/** Starts watching; the returned function stops it. */
export function watchOracleEvents<N extends ContractEventName<typeof opmlOracleAbi>>(
  client: AnyClient,
  parameters: WatchOracleEventsParameters<N>,
): WatchContractEventReturnType {
  const { oracle, eventNames, requestId, onEvent } = parameters;
  const wanted = new Set<string>(eventNames);
  return watchContractEvent(client, {
    address: oracle,
    abi: opmlOracleAbi,
    strict: true,
    fromBlock: parameters.fromBlock,
    pollingInterval: parameters.pollingInterval,
    poll: true,
    onError: parameters.onError,
    onLogs: (logs) => {
      for (const log of logs) {
        if (!wanted.has(log.eventName)) continue;
        const args = log.args as { requestId?: bigint };
        if (requestId !== undefined && args.requestId !== requestId) continue;
        onEvent(log as unknown as OracleEvent<N>);
      }
    },
  });
}
