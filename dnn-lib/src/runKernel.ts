/**
 * Runs one node on a kernel build under V8: a fresh instance, memory grown to
 * the node's page count, the node input written, `run()` called, the output
 * read back. A trap becomes a DnnKernelTrapError.
 */
import { kernelModule, type KernelFlavor } from "./kernels.ts";
import { buildNodeInput, extractOutput, writeNodeInput, type NodeImage, type NodeSpec } from "./nodeInput.ts";
import { DnnKernelTrapError } from "./errors.ts";
import { opInfo } from "./ops.ts";
import { wasm, type WasmMemory } from "./wasmApi.ts";

export async function runImage(flavor: KernelFlavor, image: NodeImage, op: number): Promise<Uint8Array> {
  const instance = await wasm.instantiate(await kernelModule(flavor));
  const memory = instance.exports.memory as WasmMemory;
  const have = memory.buffer.byteLength / 0x10000;
  if (have < image.pages) memory.grow(image.pages - have);
  writeNodeInput(image, new Uint8Array(memory.buffer));
  try {
    (instance.exports.run as () => void)();
  } catch (e) {
    if (e instanceof wasm.RuntimeError)
      throw new DnnKernelTrapError(`${opInfo(op).name}: the ${flavor} kernel trapped`, { cause: e });
    throw e;
  }
  return extractOutput(image, new Uint8Array(memory.buffer));
}

export function runKernel(flavor: KernelFlavor, node: NodeSpec): Promise<Uint8Array> {
  return runImage(flavor, buildNodeInput(node), node.op);
}
