/**
 * What a submitter posts for a request: the native runner's output, S_N and the output slot's
 * proof under S_N, plus S_0 … S_N (kept for defending the claim's games at level 1).
 */
import { bytesToHex, type Hex } from "viem";
import { SlotTree } from "../commitment/slotTree.ts";
import type { CompiledModel } from "../dnn-lib/src/model/compileModel.ts";
import { outputSlotOf } from "../dnn-lib/src/model/Model.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { OpmlError } from "../common/errors.ts";

export interface ComputedClaim {
  output: Hex;
  /** S_N. */
  finalState: Hex;
  /** S_0 … S_N. */
  states: Hex[];
  /** The 20 siblings of the output slot under S_N, bottom-up. */
  outputSlotProof: Hex[];
}

export class ClaimComputationError extends OpmlError {
  override name = "ClaimComputationError";
}

/** A model ready to run: compiled, with its native runner. */
export class ServedModel {
  private constructor(
    readonly compiled: CompiledModel,
    private readonly runner: NativeRunner,
  ) {}

  static async create(compiled: CompiledModel): Promise<ServedModel> {
    return new ServedModel(compiled, await NativeRunner.create(compiled));
  }

  /** Runs the model on `input` and builds the claim. Throws the runner's ModelInputError on a wrong size. */
  claim(input: Uint8Array): ComputedClaim {
    const run = this.runner.run(input);
    const tree = new SlotTree();
    run.activations.forEach((a, i) => tree.setSlot(i === 0 ? 0 : outputSlotOf(i - 1), a));
    const root = tree.root();
    const sN = run.states[run.states.length - 1]!;
    if (bytesToHex(root) !== bytesToHex(sN)) {
      throw new ClaimComputationError("the rebuilt slot tree does not give the runner's S_N", {
        details: `${bytesToHex(root)} vs ${bytesToHex(sN)}`,
      });
    }
    const outputSlot = this.compiled.commitment.outputSlot;
    return {
      output: bytesToHex(run.output),
      finalState: bytesToHex(sN),
      states: run.states.map((s) => bytesToHex(s)),
      outputSlotProof: tree.prove(outputSlot).map((s) => bytesToHex(s)),
    };
  }
}
