/**
 * Runs one node on a kernel build under V8 in a fresh instance: memory grown to
 * the node's page count, the node input written, `run()` called, the output
 * read back. A trap becomes a DnnKernelTrapError naming the op.
 */
import type { KernelFlavor } from "./kernels.ts";
import { KernelInstance } from "./KernelInstance.ts";
import { buildNodeInput, type NodeImage, type NodeSpec } from "./nodeInput.ts";
import { DnnKernelTrapError } from "./errors.ts";
import { opInfo } from "./ops.ts";

export async function runImage(flavor: KernelFlavor, image: NodeImage, op: number): Promise<Uint8Array> {
  const k = await KernelInstance.create(flavor);
  k.load(image);
  try {
    k.run();
  } catch (e) {
    if (e instanceof DnnKernelTrapError)
      throw new DnnKernelTrapError(`${opInfo(op).name}: the ${flavor} kernel trapped`, { cause: e.cause });
    throw e;
  }
  return k.output(image);
}

export function runKernel(flavor: KernelFlavor, node: NodeSpec): Promise<Uint8Array> {
  return runImage(flavor, buildNodeInput(node), node.op);
}
