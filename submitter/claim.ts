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

  /**
   * Runs the model on `input` and builds the claim. Throws the runner's ModelInputError on a wrong
   * size. `lieAtNode` (tests and the demo only) flips one bit of node i's output: S_{i+1} … S_N
   * then differ from the truth, the rest of the run is left as computed.
   */
  claim(input: Uint8Array, opts: { lieAtNode?: number } = {}): ComputedClaim {
    const run = this.runner.run(input);
    const activations = run.activations.map((a) => a.slice());
    const lie = opts.lieAtNode;
    if (lie !== undefined) {
      if (!Number.isInteger(lie) || lie < 0 || lie >= activations.length - 1) {
        throw new ClaimComputationError(`lieAtNode ${lie} is not a node of the model`);
      }
      activations[lie + 1]![0]! ^= 1;
    }
    const tree = new SlotTree();
    tree.setSlot(0, activations[0]!);
    const states: Hex[] = [bytesToHex(tree.root())];
    for (let i = 1; i < activations.length; i++) {
      tree.setSlot(outputSlotOf(i - 1), activations[i]!);
      states.push(bytesToHex(tree.root()));
    }
    if (lie === undefined) {
      const honest = run.states.map((s) => bytesToHex(s));
      if (honest.some((s, i) => s !== states[i])) {
        throw new ClaimComputationError("the rebuilt slot tree does not give the runner's states");
      }
    }
    const outputSlot = this.compiled.commitment.outputSlot;
    return {
      output: bytesToHex(activations[activations.length - 1]!),
      finalState: states[states.length - 1]!,
      states,
      outputSlotProof: tree.prove(outputSlot).map((s) => bytesToHex(s)),
    };
  }
}
