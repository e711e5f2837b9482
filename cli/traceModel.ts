/**
 * `opml model inspect --trace`: runs the model natively on one input (SIMD build), then re-runs
 * every node in the project's VM from the same operands (the phase-2 machine), with a progress
 * bar per node, and reports each node's exact step count next to the compiler's estimate.
 */
import type { CompiledModel } from "../phase/compileModel.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { opInfo } from "../dnn-lib/src/ops.ts";
import { runInVm, VmNativeMismatchError } from "../phase/runInVm.ts";
import { SimdBackend } from "../dnn-lib/src/runner/Backend.ts";
import { runModel } from "../dnn-lib/src/runner/runModel.ts";
import type { Progress } from "../common/progress.ts";

export interface NodeTrace {
  index: number;
  op: string;
  /** Exact VM steps of the node's run. */
  steps: number;
  /** The compiler's upper bound (estimateSteps). */
  estimate: number;
}

/** Traces every node; throws {@link VmNativeMismatchError} when a VM run does not reproduce the native output. */
export async function traceModel(compiled: CompiledModel, input: Uint8Array, progress: Progress): Promise<NodeTrace[]> {
  const { model } = compiled;
  const native = runModel(compiled, input, await SimdBackend.create());
  const out: NodeTrace[] = [];
  for (const [i, node] of model.nodes.entries()) {
    const op = opInfo(node.op).name;
    const task = progress.start(`Tracing node ${i} (${op}) in the VM`, compiled.nodeSteps[i], "steps");
    const run = await runInVm(
      {
        op: node.op,
        inputs: node.inputs.map((s) =>
          s.kind === SlotKind.weight ? model.weights[s.slot]! : native.activations[s.slot]!,
        ),
        params: node.params,
        inputSlots: node.inputs,
        outputSlot: i + 1,
      },
      undefined,
      (steps) => task.update(steps),
    );
    task.done(run.status);
    const want = native.activations[i + 1]!;
    if (run.status !== "halted" || !run.output || Buffer.compare(run.output, want) !== 0)
      throw new VmNativeMismatchError(`node ${i} (${op}): the VM run does not reproduce the native output`, {
        details:
          run.status !== "halted"
            ? `the VM trapped after ${run.steps} steps: ${run.trapReason}`
            : "output bytes differ",
      });
    out.push({ index: i, op, steps: run.steps, estimate: compiled.nodeSteps[i]! });
  }
  return out;
}
