/**
 * DEVNET ONLY — a steering challenger, for the defender-load test and bench: it challenges claims
 * whatever their truth and drives each game to a node it picks, the way K griefers can make an
 * honest defender run K different nodes in the VM at once (protocol.md §7.5). It never runs the VM:
 * at level 1 it "disagrees" with every state after its node, so its choices narrow to that node;
 * at level 2 it disagrees with everything after the agreed start, so the game narrows to the
 * node's first step, which the defender then executes on chain (and wins). The challenger daemon
 * refuses it on any chain but a devnet ({@link assertSteeringAllowed}).
 */
import { keccak256, toHex, type Hex } from "viem";
import { checkPosition, type GameView, type TraceProvider } from "../bisection/index.ts";
import { ANVIL_DEFAULT_CHAIN_ID } from "../chain/anvil.ts";
import { ChallengerConfigError } from "./errors.ts";

/** A commitment no honest run posts: what the steering challenger "believes" where it disagrees. */
const disagree = (position: bigint): Hex => keccak256(toHex(`opml.devnet.steer.${position}`));

/** Level 1: the true states up to `node`, disagreement after it, so that `choose` narrows to `node`. */
export function steeredLevel1(states: readonly Hex[], node: number): TraceProvider {
  const length = BigInt(states.length - 1);
  if (!Number.isInteger(node) || node < 0 || BigInt(node) >= length)
    throw new ChallengerConfigError(`steering node ${node} is not a node of the model`, {
      details: `the model has nodes 0..${length - 1n}`,
    });
  return {
    length,
    commitmentAt: (position) => {
      checkPosition(position, length);
      return Promise.resolve(position <= BigInt(node) ? states[Number(position)]! : disagree(position));
    },
  };
}

/** Level 2 of the game `view` (at its start `lo`): agreement only there, so `choose` always names the first sub-segment. */
export function steeredLevel2(view: Pick<GameView, "lo" | "startHash">, stepDepth: bigint): TraceProvider {
  const length = 1n << stepDepth;
  return {
    length,
    commitmentAt: (position) => {
      checkPosition(position, length);
      return Promise.resolve(position === view.lo ? view.startHash : disagree(position));
    },
  };
}

/** Refuses steering unless the client's chain is a devnet (anvil's chain id). */
export function assertSteeringAllowed(chainId: number | undefined): void {
  if (chainId !== ANVIL_DEFAULT_CHAIN_ID)
    throw new ChallengerConfigError("a steering challenger runs on a devnet only", {
      details: `chain id ${chainId ?? "unknown"}, expected ${ANVIL_DEFAULT_CHAIN_ID}: steering challenges correct claims and forfeits bonds`,
    });
}
