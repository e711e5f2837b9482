/**
 * A phase-1 backend runs one node: op, operand bytes and parameters in, output
 * bytes out. The reference and the SIMD kernels implement it; a GPU backend
 * would be a third.
 */
import { runReference } from "../reference/runReference.ts";
import { KernelInstance } from "../KernelInstance.ts";
import { buildNodeInput } from "../nodeInput.ts";

export interface Backend {
  readonly name: string;
  runNode(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array;
}

export class ReferenceBackend implements Backend {
  readonly name = "reference";
  runNode(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array {
    return runReference(op, inputs, params);
  }
}

/**
 * The native path: the SIMD build under V8, one instance reused for every node.
 * Each node's operands (weights included) are copied into its linear memory
 * before the call: weights are not resident across nodes yet.
 */
export class SimdBackend implements Backend {
  readonly name = "simd";
  private constructor(private readonly kernel: KernelInstance) {}

  static async create(): Promise<SimdBackend> {
    return new SimdBackend(await KernelInstance.create("simd"));
  }

  runNode(op: number, inputs: readonly Uint8Array[], params: readonly number[]): Uint8Array {
    const image = buildNodeInput({ op, inputs, params });
    this.kernel.load(image);
    this.kernel.run();
    return this.kernel.output(image);
  }
}
