/**
 * Sizing of the dispute game's phase-2 extension `E2` (docs/protocol.md §7.5): the defender must be
 * able to run the disputed node in the VM and open phase 2 within it, with a safety factor, so
 *
 *     E2 ≥ σ·(S_max / v + t_open),  σ = 2
 *
 * with `S_max` the model's largest node in VM steps (the compiler's per-node upper bound,
 * `nodeSteps`), `v` the defender's VM speed and `t_open` the time to build the phase-2 proofs and
 * get `openPhase2` mined. A deployment fixes `E2` for good, so `opml model register` checks a
 * model against the deployed value at the reference figures below and warns.
 */

/**
 * Reference VM speed, steps per second, of the defender's recorded run (the run with snapshots a
 * daemon traces, daemon/vmSpeed.ts): deliberately slow. The daemons measure their own machine at
 * start-up (a shared 2-core development machine measures about 330,000); this is the figure they
 * assume when that measurement fails, below every machine measured so far.
 */
export const REFERENCE_VM_STEPS_PER_SECOND = 50_000;

/** Reference time, seconds, to build the phase-2 proofs from the trace and get `openPhase2` mined. */
export const REFERENCE_OPEN_SECONDS = 30;

/** The safety factor σ of the rule: a loaded machine, estimates. */
export const PHASE2_SAFETY = 2;

/**
 * The least `phase2Extension`, in whole seconds, the §7.5 rule asks for a model whose largest
 * node takes `maxNodeSteps` VM steps: `⌈σ·(S_max / v + t_open)⌉`.
 */
export function requiredPhase2Extension(
  maxNodeSteps: number,
  stepsPerSecond = REFERENCE_VM_STEPS_PER_SECOND,
  openSeconds = REFERENCE_OPEN_SECONDS,
): bigint {
  if (!(maxNodeSteps >= 0) || !(stepsPerSecond > 0) || !(openSeconds >= 0))
    throw new RangeError(
      `bad phase-2 sizing inputs: ${maxNodeSteps} steps, ${stepsPerSecond} steps/s, ${openSeconds} s`,
    );
  return BigInt(Math.ceil(PHASE2_SAFETY * (maxNodeSteps / stepsPerSecond + openSeconds)));
}
