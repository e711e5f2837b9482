/**
 * Bond sizing (docs/protocol.md §8.7): what the honest defender receives of a failed challenger's
 * bond, the bond less the oracle's burn, must cover what it spends on gas over a full game, so
 * that every failed challenge pays the defender's costs.
 */

/**
 * Gas the honest defender pays over one worst-case dispute game at the deployed arity (k = 16):
 * every `bisect` of both levels (1,254 nodes, 2^32 steps per node: 11 rounds), `openPhase2` with
 * the real phase boundary's worst initialStateHash, checkExit and proof calldata, and the final
 * `step` with the real StepVerifier's worst step and proof calldata (the defender's daemon sends
 * it as soon as it is due). Each transaction counts 21,000 + calldata + execution.
 *
 * Provenance: the bench metric `gas.dispute.defender_full_game` (bench/results.json, the one
 * place the measured figure is recorded), measured by `npx tsx bench/run.ts contracts dispute`
 * then `npx tsx bench/run.ts dispute` (bench/dispute.ts over
 * contracts/test/game/DisputeGameGas.t.sol, with bench/contracts.ts's real step and boundary
 * figures), rounded up to the next 100,000 gas for run-to-run variation and for the oracle's
 * settlement callback the final step triggers (a few storage writes, not measured).
 * cli/test/model.test.ts checks that this constant covers the recorded metric with less than
 * 100,000 gas to spare.
 */
export const DEFENDER_FULL_GAME_GAS = 1_000_000n;

/** Basis points in a whole: OpmlOracle's `burnBps` is out of this. */
export const BPS = 10_000n;

/**
 * The least challenger bond, in wei, whose unburned part covers the defender's full game at
 * `gasPriceWei`: the defender receives {@link defenderShareOfBond} of a failed challenger's bond
 * (§8.4), `bond − ⌊bond·burnBps/10000⌋`, which reaches the cost `gas × price` from
 * `⌊(cost − 1)·10000/(10000 − burnBps)⌋ + 1` on. `undefined` at `burnBps = 10000`: the whole
 * bond is burned and no bond pays the defender.
 */
export function minChallengerBond(gasPriceWei: bigint, burnBps: bigint): bigint | undefined {
  if (burnBps < 0n || burnBps > BPS) throw new RangeError(`burnBps ${burnBps} is outside 0..${BPS}`);
  if (burnBps === BPS) return undefined;
  const cost = DEFENDER_FULL_GAME_GAS * gasPriceWei;
  if (cost === 0n) return 0n;
  return ((cost - 1n) * BPS) / (BPS - burnBps) + 1n;
}

/** The part of a failed challenger's `bond` that reaches the defender: the bond less the burn, rounded as the oracle does. */
export function defenderShareOfBond(bond: bigint, burnBps: bigint): bigint {
  return bond - (bond * burnBps) / BPS;
}
