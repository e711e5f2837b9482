/**
 * Bond sizing (docs/protocol.md §8): a challenger's bond must cover what the honest defender
 * spends on gas over a full game, so that every failed challenge pays the defender's costs.
 */

/**
 * Gas the honest defender pays over one worst-case dispute game at the deployed arity (k = 16):
 * every `bisect` of both levels (1,254 nodes, 2^32 steps per node: 11 rounds), `openPhase2` with
 * the real phase boundary's worst initialStateHash, checkExit and proof calldata, and the final
 * `step` with the real StepVerifier's worst step and proof calldata (the defender's daemon sends
 * it as soon as it is due). Each transaction counts 21,000 + calldata + execution.
 *
 * Provenance: `gas.dispute.defender_full_game` in bench/results.json, 947,563 gas, measured by
 * `npx tsx bench/run.ts contracts dispute` then `npx tsx bench/run.ts dispute` (bench/dispute.ts
 * over contracts/test/game/DisputeGameGas.t.sol, with bench/contracts.ts's real step and boundary
 * figures), rounded up to 1,000,000 for run-to-run variation of a few hundred gas and for the
 * oracle's settlement callback the final step triggers (a few storage writes, not measured).
 * cli/test/model.test.ts checks that this constant is not below the recorded metric.
 */
export const DEFENDER_FULL_GAME_GAS = 1_000_000n;

/** The least challenger bond, in wei, that covers the defender's full game at `gasPriceWei`. */
export function minChallengerBond(gasPriceWei: bigint): bigint {
  return DEFENDER_FULL_GAME_GAS * gasPriceWei;
}
