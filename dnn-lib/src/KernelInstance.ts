/**
 * One live instance of a kernel build under V8, reused across nodes: `load`
 * writes a node input (growing memory as needed), `run` calls `run()`,
 * `output` reads the output back. A trap becomes a DnnKernelTrapError.
 */
import { kernelModule, type KernelFlavor } from "./kernels.ts";
import { extractOutput, writeNodeInput, type NodeImage } from "./nodeInput.ts";
import { DnnKernelTrapError } from "./errors.ts";

export class KernelInstance {
  private constructor(
    readonly flavor: KernelFlavor,
    private readonly memory: WebAssembly.Memory,
    private readonly entry: () => void,
  ) {}

  static async create(flavor: KernelFlavor): Promise<KernelInstance> {
    const instance = await WebAssembly.instantiate(await kernelModule(flavor));
    return new KernelInstance(
      flavor,
      instance.exports.memory as WebAssembly.Memory,
      instance.exports.run as () => void,
    );
  }

  /** Linear memory, as bytes (a fresh view: growing memory detaches the old one). */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Grows linear memory to at least `pages` pages (it never shrinks). */
  ensurePages(pages: number): void {
    const have = this.memory.buffer.byteLength / 0x10000;
    if (have < pages) this.memory.grow(pages - have);
  }

  /** Writes the node input; memory grows to the node's page count. */
  load(image: NodeImage): void {
    this.ensurePages(image.pages);
    writeNodeInput(image, this.bytes);
  }

  run(): void {
    try {
      this.entry();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError)
        throw new DnnKernelTrapError(`the ${this.flavor} kernel trapped`, { cause: e });
      throw e;
    }
  }

  output(image: NodeImage): Uint8Array {
    return extractOutput(image, this.bytes);
  }
}
