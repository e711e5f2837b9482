/**
 * What `opml model register` checks against the deployment before it registers a model, besides
 * the terms the oracle itself refuses: the challenger bond against the honest defender's gas
 * (docs/protocol.md §8.7) and the game's phase-2 extension against the model's largest node
 * (§7.5).
 */
import { BaseError, formatGwei, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { BPS, DEFENDER_FULL_GAME_GAS, minChallengerBond } from "../chain/bondSizing.ts";
import {
  PHASE2_SAFETY,
  REFERENCE_OPEN_SECONDS,
  REFERENCE_VM_STEPS_PER_SECOND,
  requiredPhase2Extension,
} from "../chain/phase2Sizing.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { BondTooSmallError, ChainError } from "./errors.ts";

type Client = PublicClient<Transport, Chain>;

/** Reads a deployment parameter; a failed read is a ChainError naming it. */
async function readParam<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof BaseError)) throw err;
    throw new ChainError(`could not read ${what}`, { details: err.shortMessage, cause: err });
  }
}

export interface BondCheckFlags {
  /** Wei per gas; the chain's gas price when absent. */
  gasPrice?: bigint;
  allowSmallBond?: boolean;
}

/**
 * The bond-sizing rule (docs/protocol.md §8.7): what reaches the honest defender of a failed
 * challenger's bond, the bond less the oracle's `burnBps` (read from the oracle), must cover its
 * gas over a full game (chain/bondSizing.ts) at the gas price (--gas-price, else the chain's).
 * Refused with BondTooSmallError, or only warned about with --allow-small-bond. An oracle that
 * burns the whole bond is always warned about: no bond reaches the defender.
 */
export async function checkChallengerBond(
  client: Client,
  oracle: Address,
  challengerBond: bigint,
  flags: BondCheckFlags,
): Promise<void> {
  const burnBps = await readParam(`the oracle's burnBps at ${oracle}`, () =>
    client.readContract({ address: oracle, abi: opmlOracleAbi, functionName: "burnBps" }),
  );
  let gasPrice = flags.gasPrice;
  if (gasPrice === undefined) {
    try {
      gasPrice = await client.getGasPrice();
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
      throw new ChainError("could not read the gas price to check the challenger bond", {
        details: `${err.shortMessage}; pass --gas-price <gwei>`,
        cause: err,
      });
    }
  }
  const cost = DEFENDER_FULL_GAME_GAS * gasPrice;
  const costText =
    `${DEFENDER_FULL_GAME_GAS} gas (the honest defender's worst-case full game) × ${formatGwei(gasPrice)} gwei ` +
    `(${flags.gasPrice === undefined ? "the chain's gas price" : "--gas-price"}) = ${cost} wei`;
  const minimum = minChallengerBond(gasPrice, burnBps);
  if (minimum === undefined) {
    console.error(
      `warning: the oracle burns ${burnBps} of ${BPS} bps (all) of a failed challenger's bond: nothing reaches the ` +
        `honest defender, so no challenger bond covers its ${costText}; every failed challenge costs the defender its gas`,
    );
    return;
  }
  if (challengerBond >= minimum) return;
  const details =
    `the defender receives the bond less the oracle's burn of ${burnBps} bps, which must cover ${costText}; ` +
    "raise --challenger-bond, or pass --allow-small-bond to register anyway";
  const err = new BondTooSmallError(challengerBond, minimum, details);
  if (!flags.allowSmallBond) throw err;
  console.error(`warning: ${err.shortMessage} (${details.split(";")[0]}); registering anyway (--allow-small-bond)`);
}

/**
 * The §7.5 rule for the model being registered: the deployed DisputeGame's `phase2Extension`
 * (through the oracle's `disputeGame()`) against `2 × (largest node's steps ÷ reference VM speed +
 * time to open phase 2)` (chain/phase2Sizing.ts). The deployment is immutable, so a shortfall is
 * a warning on stderr, not a refusal: a defender at the reference speed could miss a phase-2
 * deadline on its largest node, and a missed deadline rejects an honest claim.
 * @returns The warning printed, if any.
 */
export async function checkPhase2Extension(
  client: Client,
  oracle: Address,
  nodeSteps: readonly number[],
): Promise<string | undefined> {
  const game = await readParam(`the oracle's disputeGame at ${oracle}`, () =>
    client.readContract({ address: oracle, abi: opmlOracleAbi, functionName: "disputeGame" }),
  );
  const deployed = await readParam(`the DisputeGame's phase2Extension at ${game}`, () =>
    client.readContract({ address: game, abi: disputeGameAbi, functionName: "phase2Extension" }),
  );
  const maxSteps = Math.max(0, ...nodeSteps);
  const required = requiredPhase2Extension(maxSteps);
  if (deployed >= required) return undefined;
  const node = nodeSteps.indexOf(maxSteps);
  const warning =
    `warning: the DisputeGame's phase2Extension (${deployed} s, ${game}) is below the rule for this model ` +
    `(docs/protocol.md §7.5): ${PHASE2_SAFETY} × (node ${node}'s ${maxSteps} VM steps ÷ ${REFERENCE_VM_STEPS_PER_SECOND} ` +
    `steps/s reference speed + ${REFERENCE_OPEN_SECONDS} s to open phase 2) = ${required} s; a defender at that speed ` +
    "could miss a phase-2 deadline, which rejects an honest claim. Registering anyway; serve it from a faster machine " +
    "(its daemon logs its measured speed) or register it with an oracle whose game grants more.";
  console.error(warning);
  return warning;
}
