/**
 * `opml submitter --lie-at-node N`: the test-only adversary. It claims a wrong output (node N's
 * output, and with it the model's, off by one bit) and defends the lie to the end: its VM run of
 * node N is wrong at exactly one step, so it passes the phase boundary and loses only at the
 * on-chain step. It runs only on a devnet: chain id 31337, or the chain id of the devnet recorded
 * in the devnet state file for the same RPC URL (`opml devnet --chain-id`).
 */
import { existsSync } from "node:fs";
import { DEFAULT_DEVNET_STATE_FILE, readDevnetState } from "../devnet/devnetState.ts";
import { ANVIL_DEFAULT_CHAIN_ID } from "../chain/anvil.ts";
import { OpmlError } from "../common/errors.ts";

/** The lying submitter was pointed at a chain that is not a devnet. */
export class AdversaryRefusedError extends OpmlError {
  override name = "AdversaryRefusedError";
  readonly chainId: number;
  constructor(chainId: number, allowed: readonly number[]) {
    super(`--lie-at-node is for tests on a devnet; refused on chain ${chainId}`, {
      details: `a lying submitter loses its bonds and misleads the chain's users; it runs only on chain id ${allowed.join(" or ")} (31337, or the chain id of the devnet recorded in ${DEFAULT_DEVNET_STATE_FILE} for this RPC URL)`,
    });
    this.chainId = chainId;
  }
}

/** The chain ids a lying submitter may run on at `rpcUrl`: 31337 and the recorded devnet's own, if it serves there. */
export function devnetChainIds(rpcUrl: string, stateFile = DEFAULT_DEVNET_STATE_FILE): number[] {
  const ids = [ANVIL_DEFAULT_CHAIN_ID];
  if (!existsSync(stateFile)) return ids;
  try {
    const state = readDevnetState(stateFile);
    if (state.rpcUrl.replace(/\/$/, "") === rpcUrl.replace(/\/$/, "") && !ids.includes(state.chainId))
      ids.push(state.chainId);
  } catch {
    // an unreadable state file names no devnet
  }
  return ids;
}

/** Throws {@link AdversaryRefusedError} unless `chainId` is a devnet's at `rpcUrl`. */
export function assertDevnetChain(chainId: number, rpcUrl: string, stateFile = DEFAULT_DEVNET_STATE_FILE): void {
  const allowed = devnetChainIds(rpcUrl, stateFile);
  if (!allowed.includes(chainId)) throw new AdversaryRefusedError(chainId, allowed);
}
