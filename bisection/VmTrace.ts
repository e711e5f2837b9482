import { bytesToHex, hexToBigInt, type Hex } from "viem";
import { BisectionRangeError, TraceMismatchError } from "./errors.ts";
import { checkStepDepth } from "./positions.ts";
import { checkPosition, type TraceProvider } from "./TraceProvider.ts";

/** VM status, the top byte of every VM state hash (protocol.md §5). */
export const VM_RUNNING = 0;
export const VM_HALTED = 1;
export const VM_TRAPPED = 2;

/** The status byte of a VM state hash. */
export function vmStatusOf(stateHash: Hex): number {
  return Number(hexToBigInt(stateHash) >> 248n);
}

/**
 * What the VM implements for level 2, on its snapshots: one node's run from its initial state
 * (the phase boundary's, protocol.md §6.1) to the first halted or trapped state.
 */
export interface VmRun {
  /** The step count of the run: the state after `finalStep` steps is halted or trapped. */
  readonly finalStep: bigint;
  /** The state hash after `step` steps, 0 <= step <= finalStep (status in the top byte). */
  stateHashAt(step: bigint): Promise<Hex>;
}

/**
 * The level-2 provider over the step range `[0, 2^D]` of one node's run: position t answers the
 * state after t steps; halted and trapped states are fixed points of `step`, so every position past
 * `finalStep` answers the final state (protocol.md §7). Throws if the run does not fit in 2^D
 * steps, and (when asked past the end) if the final state is still running.
 */
export function vmTrace(run: VmRun, stepDepth: bigint): TraceProvider {
  checkStepDepth(stepDepth);
  const length = 1n << stepDepth;
  if (run.finalStep < 0n || run.finalStep > length) {
    throw new BisectionRangeError("VM run step count", run.finalStep, `0 <= steps <= 2^${stepDepth}`);
  }
  return {
    length,
    async commitmentAt(position: bigint): Promise<Hex> {
      checkPosition(position, length);
      if (position < run.finalStep) return run.stateHashAt(position);
      const final = await run.stateHashAt(run.finalStep);
      if (position > run.finalStep && vmStatusOf(final) === VM_RUNNING) {
        throw new TraceMismatchError(
          "fixed-point padding (the final state must be halted or trapped)",
          run.finalStep,
          "a halted or trapped state",
          final,
        );
      }
      return final;
    },
  };
}

/** A {@link VmRun} over a list of state hashes: `hashes[t]` after t steps, the last one final. */
export function vmRunFromHashes(hashes: readonly Hex[]): VmRun {
  if (hashes.length === 0) throw new BisectionRangeError("VM state hash count", 0, ">= 1");
  const copy = [...hashes];
  return {
    finalStep: BigInt(copy.length - 1),
    async stateHashAt(step: bigint): Promise<Hex> {
      checkPosition(step, BigInt(copy.length - 1));
      return copy[Number(step)]!;
    },
  };
}

/**
 * The shape of the VM's snapshot trace (`vm/Trace.ts`: `finalSteps`, `stateHashAt(k)`), taken
 * structurally so that bisection does not depend on the VM package.
 */
export interface SnapshotTraceLike {
  readonly finalSteps: number;
  stateHashAt(step: number): Uint8Array;
}

/** A {@link VmRun} over the VM's snapshot trace: `vmTrace(vmRunFromSnapshots(trace), D)`. */
export function vmRunFromSnapshots(trace: SnapshotTraceLike): VmRun {
  return {
    finalStep: BigInt(trace.finalSteps),
    async stateHashAt(step: bigint): Promise<Hex> {
      checkPosition(step, BigInt(trace.finalSteps));
      return bytesToHex(trace.stateHashAt(Number(step)));
    },
  };
}
