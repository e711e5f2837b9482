/**
 * Runs one node in the project's VM (vm/, the phase-2 machine): the VM build
 * loaded as the program, the node input written over it, `run()` called, the
 * output read back. Returns the status and the step count of the trace.
 */
import { Machine, loadProgram, type Program } from "../vm/index.ts";
import { OpmlError } from "../common/errors.ts";
import { kernelBytes } from "../dnn-lib/src/kernels.ts";
import { buildNodeInput, nodeSegments, type NodeSpec } from "../dnn-lib/src/nodeInput.ts";

/**
 * A node's VM run did not halt with the bytes the native run produced (the VM and native builds
 * of the kernels disagree). Not bisection's `TraceMismatchError`, which is a local trace that
 * disagrees with a dispute game's commitment.
 */
export class VmNativeMismatchError extends OpmlError {
  override name = "VmNativeMismatchError";
}

let program: Promise<Program> | null = null;

/** The VM build loaded by the VM's loader (once per process). */
export function kernelProgram(): Promise<Program> {
  program ??= kernelBytes("vm").then(loadProgram);
  return program;
}

export interface VmNodeRun {
  status: "halted" | "trapped";
  steps: number;
  /** The output bytes (halted runs only). */
  output: Uint8Array | null;
  trapReason: string;
}

/** Steps run between two `onSteps` calls when a progress callback is given. */
const PROGRESS_CHUNK = 1 << 20;

/** `onSteps` (optional) is called with the steps run so far, every 2^20 steps and at the end. */
export async function runInVm(
  node: NodeSpec,
  stepLimit?: number,
  onSteps?: (steps: number) => void,
): Promise<VmNodeRun> {
  const image = buildNodeInput(node);
  const m = Machine.create(await kernelProgram(), {
    entry: "run",
    memoryPages: image.pages,
    writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    stepLimit,
  });
  let steps = 0;
  if (!onSteps) steps = m.run();
  else
    for (;;) {
      steps += m.run(PROGRESS_CHUNK);
      onSteps(steps);
      if (m.halted || m.trapped) break;
    }
  return {
    status: m.halted ? "halted" : "trapped",
    steps,
    output: m.halted ? m.readMemory(image.output.addr, image.output.byteLength) : null,
    trapReason: m.trapReason,
  };
}
