/**
 * The phase-1 native runner: one kernel instance per model with the weights
 * written into linear memory once and kept resident, every activation slot in
 * its own region, so a node costs one 256-byte descriptor write and one `run()`
 * call — no operand is copied. Kernels are address-independent, so outputs are
 * the same bits as in the phase-2 layout (tested against the reference runner).
 */
import { KernelInstance } from "../KernelInstance.ts";
import type { KernelFlavor } from "../kernels.ts";
import {
  DESC_ADDR,
  OPERANDS_BASE,
  PAGE_SIZE,
  SlotKind,
  blockSize,
  encodeDescriptor,
  scratchByteLength,
  type Region,
} from "../nodeInput.ts";
import { cacheOfSlot, outputSlotOf, writeOf } from "../model/Model.ts";
import { GraphState } from "../model/GraphState.ts";
import { outputByteLength } from "../ops.ts";
import type { CompiledGraph } from "../model/compileGraph.ts";
import type { ModelRun } from "./runModel.ts";
import { ModelInputError } from "./errors.ts";
import { DnnShapeError } from "../errors.ts";

const ALIGN = 64;

export class NativeRunner {
  private constructor(
    private readonly compiled: CompiledGraph,
    private readonly kernel: KernelInstance,
    private readonly activations: Region[],
    private readonly caches: Region[],
    /** Each node's output region (inside a cache for a node that writes a cache block). */
    private readonly outputs: Region[],
    private readonly descriptors: Uint8Array[],
  ) {}

  static async create(compiled: CompiledGraph, flavor: KernelFlavor = "simd"): Promise<NativeRunner> {
    const { model, activationLengths } = compiled;
    let cursor = OPERANDS_BASE;
    const place = (n: number): Region => {
      const addr = Math.ceil(cursor / ALIGN) * ALIGN;
      cursor = addr + n;
      return { addr, byteLength: n };
    };
    const weights = model.weights.map((w) => place(w.length));
    const activations = activationLengths.map(place);
    const caches = (model.caches ?? []).map(place);
    const slotRegion = (slot: number): Region => {
      const c = cacheOfSlot(model, slot);
      return c !== undefined ? caches[c]! : activations[slot]!;
    };
    const outputs = model.nodes.map((node, i): Region => {
      const w = writeOf(model, i);
      if (!w.region) return activations[w.slot]!;
      const byteLength = outputByteLength(node.op, node.params);
      return { addr: slotRegion(w.slot).addr + w.region.offset, byteLength };
    });
    const scratchLen = Math.max(0, ...model.nodes.map((n) => scratchByteLength(n.op, n.params)));
    const scratch = scratchLen > 0 ? place(scratchLen) : { addr: 0, byteLength: 0 };
    if (cursor > 2 ** 32)
      throw new DnnShapeError(`${model.name}: weights and activations exceed a 4 GiB linear memory`, {
        details: `${cursor} bytes`,
      });
    const kernel = await KernelInstance.create(flavor);
    kernel.ensurePages(Math.ceil(cursor / PAGE_SIZE));
    const mem = kernel.bytes;
    model.weights.forEach((w, k) => mem.set(w, weights[k]!.addr));
    // One region per weight and per activation slot; the compiled model's slot references are valid.
    const descriptors = model.nodes.map((node, i) =>
      encodeDescriptor({
        op: node.op,
        params: node.params,
        inputs: node.inputs.map((s) => (s.kind === SlotKind.weight ? weights[s.slot]! : slotRegion(s.slot))),
        output: outputs[i]!,
        scratch: scratchByteLength(node.op, node.params) > 0 ? scratch : { addr: 0, byteLength: 0 },
        inputSlots: node.inputs,
        outputSlot: outputSlotOf(i),
      }),
    );
    return new NativeRunner(compiled, kernel, activations, caches, outputs, descriptors);
  }

  private forward(input: Uint8Array, afterNode?: (i: number, out: Uint8Array) => void): Uint8Array {
    const { model } = this.compiled;
    if (input.length !== model.inputLength)
      throw new ModelInputError(`input for ${model.name} has the wrong size`, {
        details: `${input.length} bytes, the model takes ${model.inputLength}`,
      });
    const mem = this.kernel.bytes;
    mem.set(input, this.activations[0]!.addr);
    for (const c of this.caches) mem.fill(0, c.addr, c.addr + c.byteLength);
    this.descriptors.forEach((desc, i) => {
      const out = this.outputs[i]!;
      // A cache block is the output then zeros to the block's end (within the cache).
      const block = this.compiled.model.nodes[i]!.into ? blockSize(out.byteLength) : out.byteLength;
      const cacheEnd = this.cacheEnd(i);
      mem.fill(0, out.addr, Math.min(out.addr + block, cacheEnd ?? out.addr + block));
      mem.set(desc, DESC_ADDR);
      this.kernel.run();
      afterNode?.(i, mem.subarray(out.addr, out.addr + out.byteLength));
    });
    const last = this.outputs[this.outputs.length - 1]!;
    return mem.slice(last.addr, last.addr + last.byteLength);
  }

  /** The end address of the cache node `i` writes into, if it writes one. */
  private cacheEnd(i: number): number | undefined {
    const into = this.compiled.model.nodes[i]!.into;
    if (!into) return undefined;
    const c = this.caches[into.cache]!;
    return c.addr + c.byteLength;
  }

  /** The model's output only (no hashing): the throughput path. */
  infer(input: Uint8Array): Uint8Array {
    return this.forward(input);
  }

  /** Output, S_0 … S_N and every activation, as runModel returns them. */
  run(input: Uint8Array): ModelRun {
    const first = input.slice();
    const activations: Uint8Array[] = [first];
    const state = new GraphState(this.compiled.model, first);
    const states: Uint8Array[] = [state.root()];
    const output = this.forward(input, (i, out) => {
      const activation = out.slice();
      activations.push(activation);
      state.write(i, activation);
      states.push(state.root());
    });
    return { output, states, activations };
  }
}
