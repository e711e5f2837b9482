/**
 * `describeChainTimeLag`: how far a chain's latest block time trails the wall clock, worded for an
 * error's details when the lag matters (a chain that mines only on transactions stands still).
 */

/** Below this many seconds behind the wall clock, chain time counts as current. */
export const CHAIN_TIME_LAG_TOLERANCE_S = 5;

/**
 * A sentence naming how many seconds `chainTime` (a block timestamp, unix seconds) is behind
 * `nowMs` (default: the wall clock), with the devnet hint; undefined when the lag is at most
 * {@link CHAIN_TIME_LAG_TOLERANCE_S} seconds.
 */
export function describeChainTimeLag(chainTime: bigint, nowMs: number = Date.now()): string | undefined {
  const lag = BigInt(Math.floor(nowMs / 1000)) - chainTime;
  if (lag <= BigInt(CHAIN_TIME_LAG_TOLERANCE_S)) return undefined;
  return (
    `chain time is ${lag} s behind the wall clock (the latest block is that old); a devnet mines on ` +
    "transactions only when interval mining is off (`opml devnet --block-time 0`), so there any " +
    "transaction moves it, or restart it with interval mining (the default)"
  );
}
