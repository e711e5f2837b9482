/**
 * The phase-1 native runner: the weights written into linear memory once and kept resident, every
 * activation and cache slot in its own region, so a node costs one 256-byte descriptor write and
 * one `run()` call. Kernels are address-independent, so outputs are the same bits as in the
 * phase-2 layout (tested against the reference runner).
 *
 * A model larger than one wasm32 memory (a 7B LLaMA's int8 weights) is spread over several kernel
 * instances (planInstances.ts, planned from byte counts at `create`): each holds the weights of its
 * nodes — contiguous node ranges for a plain model — the slots they write and a copy of each
 * operand they read from another instance, copied right before the first node that reads it there
 * (the residual stream between layer ranges; a cache again only after it changed). `budget` caps
 * each instance's linear memory (default just under 4 GiB); the split changes no output,
 * activation or state bit.
 */
import { KernelInstance } from "../KernelInstance.ts";
import type { KernelFlavor } from "../kernels.ts";
import {
  DESC_ADDR,
  PAGE_SIZE,
  SlotKind,
  blockSize,
  encodeDescriptor,
  scratchByteLength,
  type Region,
} from "../nodeInput.ts";
import { outputSlotOf, writeOf } from "../model/Model.ts";
import { GraphState } from "../model/GraphState.ts";
import { opInfo, outputByteLength } from "../ops.ts";
import { DnnKernelTrapError } from "../errors.ts";
import type { CompiledGraph } from "../model/compileGraph.ts";
import type { ModelRun } from "./runModel.ts";
import { ModelInputError } from "./errors.ts";
import { DEFAULT_INSTANCE_BYTES, planInstances, type InstancePlan } from "./planInstances.ts";

export interface NativeRunnerOptions {
  /** Most bytes of linear memory one kernel instance may use (default just under 4 GiB). */
  budget?: number;
}

export class NativeRunner {
  private constructor(
    private readonly compiled: CompiledGraph,
    private readonly kernels: KernelInstance[],
    private readonly plan: InstancePlan,
    /** Each node's output region, in its instance (inside a cache for a node that writes a cache block). */
    private readonly outputs: Region[],
    /** For a node that writes a cache block, the end address of that cache in its instance. */
    private readonly cacheEnds: (number | undefined)[],
    private readonly descriptors: Uint8Array[],
  ) {}

  static async create(
    compiled: CompiledGraph,
    flavor: KernelFlavor = "simd",
    options: NativeRunnerOptions = {},
  ): Promise<NativeRunner> {
    const { model, activationLengths } = compiled;
    const plan = planInstances(model, activationLengths, options.budget ?? DEFAULT_INSTANCE_BYTES);
    // The plan gives each node's instance a region for every operand, its slot and its scratch.
    const layoutOf = (i: number) => plan.instances[plan.nodeInstance[i]!]!;
    const slotOf = (i: number) => layoutOf(i).slots.get(writeOf(model, i).slot)!;
    const outputs = model.nodes.map((node, i): Region => {
      const { region } = writeOf(model, i);
      if (!region) return slotOf(i);
      return { addr: slotOf(i).addr + region.offset, byteLength: outputByteLength(node.op, node.params) };
    });
    const cacheEnds = model.nodes.map((node, i) => (node.into ? slotOf(i).addr + slotOf(i).byteLength : undefined));
    const descriptors = model.nodes.map((node, i) => {
      const layout = layoutOf(i);
      return encodeDescriptor({
        op: node.op,
        params: node.params,
        inputs: node.inputs.map((s) =>
          s.kind === SlotKind.weight ? layout.weights.get(s.slot)! : layout.slots.get(s.slot)!,
        ),
        output: outputs[i]!,
        scratch: scratchByteLength(node.op, node.params) > 0 ? layout.scratch : { addr: 0, byteLength: 0 },
        inputSlots: node.inputs,
        outputSlot: outputSlotOf(i),
      });
    });
    const kernels: KernelInstance[] = [];
    for (const layout of plan.instances) {
      const kernel = await KernelInstance.create(flavor);
      kernel.ensurePages(Math.ceil(layout.bytes / PAGE_SIZE));
      const mem = kernel.bytes;
      for (const [w, r] of layout.weights) mem.set(model.weights[w]!, r.addr);
      kernels.push(kernel);
    }
    return new NativeRunner(compiled, kernels, plan, outputs, cacheEnds, descriptors);
  }

  /** How many kernel instances (linear memories) hold the model. */
  get instanceCount(): number {
    return this.kernels.length;
  }

  /** Each instance's linear memory, in bytes. */
  get instanceBytes(): number[] {
    return this.kernels.map((k) => k.bytes.length);
  }

  private forward(input: Uint8Array, afterNode?: (i: number, out: Uint8Array) => void): Uint8Array {
    const { model } = this.compiled;
    if (input.length !== model.inputLength)
      throw new ModelInputError(`input for ${model.name} has the wrong size`, {
        details: `${input.length} bytes, the model takes ${model.inputLength}`,
      });
    const { instances, nodeInstance, copies, inputInstance } = this.plan;
    const mems = this.kernels.map((k) => k.bytes);
    if (inputInstance !== undefined) mems[inputInstance]!.set(input, instances[inputInstance]!.slots.get(0)!.addr);
    instances.forEach((layout, k) => {
      for (const s of layout.caches) {
        const c = layout.slots.get(s)!;
        mems[k]!.fill(0, c.addr, c.addr + c.byteLength);
      }
    });
    let mem = mems[0]!;
    this.descriptors.forEach((desc, i) => {
      for (const c of copies[i]!) mems[c.to]!.set(mems[c.from]!.subarray(c.src, c.src + c.byteLength), c.dst);
      const k = nodeInstance[i]!;
      mem = mems[k]!;
      const out = this.outputs[i]!;
      // A cache block is the output then zeros to the block's end (within the cache).
      const cacheEnd = this.cacheEnds[i];
      const end =
        cacheEnd === undefined ? out.addr + out.byteLength : Math.min(out.addr + blockSize(out.byteLength), cacheEnd);
      mem.fill(0, out.addr, end);
      mem.set(desc, DESC_ADDR);
      try {
        this.kernels[k]!.run();
      } catch (e) {
        // Which node trapped, for whoever reports the input the model cannot run.
        if (!(e instanceof DnnKernelTrapError)) throw e;
        const op = opInfo(model.nodes[i]!.op).name;
        throw new DnnKernelTrapError(`node ${i} (${op}): ${e.shortMessage}`, { cause: e.cause });
      }
      afterNode?.(i, mem.subarray(out.addr, out.addr + out.byteLength));
    });
    const last = this.outputs[this.outputs.length - 1]!;
    return mem.slice(last.addr, last.addr + last.byteLength);
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
