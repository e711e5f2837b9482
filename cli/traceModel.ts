/**
 * `opml model inspect --trace`: runs the model natively on one input (SIMD build, or the WGSL
 * kernels on a GPU with `--backend webgpu`), then re-runs
 * every node in the project's VM from the same operands (the phase-2 machine), with a progress
 * bar per node, and reports each node's exact step count next to the compiler's estimate.
 */
import type { CompiledModel } from "../phase/compileModel.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { opInfo } from "../dnn-lib/src/ops.ts";
import { runInVm, VmNativeMismatchError } from "../phase/runInVm.ts";
import { SimdBackend, type Backend } from "../dnn-lib/src/runner/Backend.ts";
import { WebGpuBackend } from "../dnn-lib/src/runner/WebGpuBackend.ts";
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
export async function traceModel(
  compiled: CompiledModel,
  input: Uint8Array,
  progress: Progress,
  backend: "native" | "webgpu" = "native",
): Promise<NodeTrace[]> {
  const { model } = compiled;
  const runner: Backend = backend === "webgpu" ? await WebGpuBackend.create(model.weights) : await SimdBackend.create();
  let native;
  try {
    native = runModel(compiled, input, runner);
  } finally {
    if (runner instanceof WebGpuBackend) await runner.close();
  }
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
      throw new VmNativeMismatchError(`node ${i} (${op}): the VM run does not reproduce the ${backend} output`, {
        details:
          run.status !== "halted"
            ? `the VM trapped after ${run.steps} steps: ${run.trapReason}`
            : "output bytes differ",
      });
    out.push({ index: i, op, steps: run.steps, estimate: compiled.nodeSteps[i]! });
  }
  return out;
}
