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
  DESC_INPUTS,
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
import { compileGraph, type CompileOptions, type CompiledGraph } from "../model/compileGraph.ts";
import { slotTreeRootParallel } from "../../../commitment/slotTreeRootParallel.ts";
import { ModelFileReader } from "../model/ModelFileReader.ts";
import type { Model } from "../model/Model.ts";
import type { ModelRun } from "./runModel.ts";
import { ModelInputError } from "./errors.ts";
import { DEFAULT_INSTANCE_BYTES, planInstances, type InstancePlan } from "./planInstances.ts";
import { DEFAULT_MIN_PANEL_MACS, PanelPool, panelSplits, type PanelSplit } from "./PanelPool.ts";
import { StateThread } from "./StateThread.ts";
import { OrtGemm, ortGemmAvailable } from "./OrtGemm.ts";
import { gemmKey, planGemms } from "./planGemms.ts";

export interface NativeRunnerOptions {
  /** Most bytes of linear memory one kernel instance may use (default just under 4 GiB). */
  budget?: number;
  /**
   * Threads for large matmuls (default 1): onnxruntime's intra-op threads for the GEMMs it takes
   * (`gemm`), and for the large matmuls left to the kernels threads − 1 worker threads each
   * holding one column panel of their weights (PanelPool). SIMD build, a model in one instance;
   * call `close()`.
   */
  threads?: number;
  /** Multiply-accumulates below which a matmul stays on one thread (default 2^20). */
  minPanelMacs?: number;
  /**
   * Who computes the dot products of the SIMD build's large int8 matmuls (of weights, in a model
   * held in one instance): "onnxruntime", its integer GEMM (OrtGemm, on `threads` threads; the
   * kernels requantize), or "kernels", the kernels' own GEMM. The same bits either way;
   * onnxruntime holds its own packed copy of those weights. Default "auto": onnxruntime where it
   * can be loaded (ortGemmAvailable), else the kernels.
   */
  gemm?: "auto" | "onnxruntime" | "kernels";
  /** Multiply-accumulates from which a matmul goes to onnxruntime's GEMM (default 2^19). */
  minGemmMacs?: number;
  /**
   * Most weight bytes onnxruntime's GEMM takes (its packed copy is held beside the kernels'):
   * groups are taken in node order up to it (default DEFAULT_MAX_GEMM_BYTES, 2 GiB).
   */
  maxGemmBytes?: number;
  /**
   * Compute S_0 … S_N on a worker thread, overlapped with the nodes (StateThread). Default: when
   * a run's activations total at least STATE_THREAD_MIN_BYTES; `true` or `false` forces it.
   */
  stateThread?: boolean;
  /**
   * Fills the weights straight into the runner's linear memory instead of copying the model's:
   * called once with `into(w)`, the buffer weight w goes into (`ModelFileReader.readWeights`
   * takes it). The model's weights then become views of that memory, so they are held once.
   */
  loadWeights?: (into: (w: number) => Uint8Array) => Promise<void> | void;
}

/** Activation bytes per run from which `run` hashes on a worker thread by default. */
export const STATE_THREAD_MIN_BYTES = 256 * 1024;

/** The native build's requantization of dot products an external GEMM wrote (dnn-lib/assembly/index.ts). */
export const NATIVE_REQUANT_ROWS = 0x4e01;

/** The default of NativeRunnerOptions.minGemmMacs: below it onnxruntime's per-call cost is not repaid. */
export const DEFAULT_MIN_GEMM_MACS = 1 << 19;

/** The default of NativeRunnerOptions.maxGemmBytes: the extra memory onnxruntime's weights may take. */
export const DEFAULT_MAX_GEMM_BYTES = 2 ** 31;

/** An external GEMM, run at its group's first node: its input rows and where its dot products go. */
interface GemmStart {
  gemm: OrtGemm;
  x: Region;
  /** A view of the instance's memory (which grows no more once the runner is made). */
  acc: Int32Array;
}

/** Panel 0 of a split node, run by the runner's own thread: its descriptor and output rows' address. */
interface Panel0 {
  descriptor: Uint8Array;
  addr: number;
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
    private readonly pool?: PanelPool,
    private readonly panel0s = new Map<number, Panel0>(),
    private stateThread?: StateThread,
    /** Node → the external GEMM it starts (its group's first node). */
    private readonly gemmStarts = new Map<number, GemmStart>(),
    /** Node → the descriptor requantizing its columns of its group's dot products. */
    private readonly epilogues = new Map<number, Uint8Array>(),
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
      kernels.push(kernel);
    }
    const activationBytes = outputs.reduce((a, r) => a + r.byteLength, 0);
    // Started once the weights are in place (reading them may fail: nothing is left running).
    const startStateThread = () =>
      (options.stateThread ?? activationBytes >= STATE_THREAD_MIN_BYTES)
        ? StateThread.start(
            model,
            model.inputLength,
            outputs.map((r) => r.byteLength),
          )
        : undefined;
    const threads = options.threads ?? 1;
    const layout0 = plan.instances[0]!;
    const gemm = options.gemm ?? "auto";
    let { groups, bytes: accBytes } =
      flavor === "simd" && plan.instances.length === 1 && gemm !== "kernels"
        ? planGemms(
            model,
            (s) => layout0.slots.get(s),
            options.minGemmMacs ?? DEFAULT_MIN_GEMM_MACS,
            options.maxGemmBytes ?? DEFAULT_MAX_GEMM_BYTES,
          )
        : { groups: [], bytes: 0 };
    // Without onnxruntime here, "auto" falls back to the kernels' GEMM (the same bits, slower).
    if (groups.length > 0 && gemm === "auto" && !ortGemmAvailable()) [groups, accBytes] = [[], 0];
    const splits =
      flavor === "simd" && plan.instances.length === 1
        ? panelSplits(model, threads, options.minPanelMacs ?? DEFAULT_MIN_PANEL_MACS)
        : new Map<number, PanelSplit>();
    for (const g of groups) for (const { node } of g.members) splits.delete(node);
    // Panel 0's output rows go past the instance's last region, then the runner copies them into place.
    const panel0s = new Map<number, Panel0>();
    if (splits.size > 0) {
      const layout = plan.instances[0]!;
      const addr = Math.ceil(layout.bytes / 64) * 64;
      let end = addr;
      for (const [i, { M, K, cuts }] of splits) {
        const n = cuts[1]!;
        const [x, w, bias, mult, shift] = model.nodes[i]!.inputs.map((s) =>
          s.kind === SlotKind.weight ? layout.weights.get(s.slot)! : layout.slots.get(s.slot)!,
        );
        const descriptor = encodeDescriptor({
          op: model.nodes[i]!.op,
          params: [M, n, K],
          inputs: [
            x!,
            { addr: w!.addr, byteLength: n * K },
            ...[bias!, mult!, shift!].map((r) => ({ addr: r.addr, byteLength: 4 * n })),
          ],
          output: { addr, byteLength: M * n },
          scratch: { addr: 0, byteLength: 0 },
        });
        panel0s.set(i, { descriptor, addr });
        end = Math.max(end, addr + M * n);
      }
      kernels[0]!.ensurePages(Math.ceil(end / PAGE_SIZE));
    }
    // The external GEMMs' dot products go past everything else; each node's epilogue reads its columns.
    const accBase = Math.ceil(Math.max(kernels[0]!.bytes.length, layout0.bytes) / 64) * 64;
    const epilogues = new Map<number, Uint8Array>();
    for (const g of groups)
      for (const { node: i, col, N } of g.members) {
        const [, , bias, mult, shift] = model.nodes[i]!.inputs.map((s) =>
          s.kind === SlotKind.weight ? layout0.weights.get(s.slot)! : layout0.slots.get(s.slot)!,
        );
        const acc = { addr: accBase + g.acc + 4 * col, byteLength: 4 * ((g.M - 1) * g.N + N) };
        epilogues.set(
          i,
          encodeDescriptor({
            op: NATIVE_REQUANT_ROWS,
            params: [g.M, N, g.N],
            inputs: [acc, bias!, mult!, shift!],
            output: outputs[i]!,
            scratch: { addr: 0, byteLength: 0 },
          }),
        );
      }
    if (groups.length > 0) kernels[0]!.ensurePages(Math.ceil((accBase + accBytes) / PAGE_SIZE));
    // Memory grows no more: views of it (the weights, with loadWeights) stay valid.
    await placeWeights(model, plan, kernels, options.loadWeights);
    const pool = splits.size > 0 ? await PanelPool.create(model, splits, threads) : undefined;
    const gemmStarts = new Map<number, GemmStart>();
    try {
      const shared = new Map<string, OrtGemm>();
      for (const g of groups) {
        const key = gemmKey(model, g);
        let gemm = shared.get(key);
        if (!gemm) {
          // The group's weights side by side: N rows of K bytes, each node's rows after the last's.
          const w = new Uint8Array(g.N * g.K);
          for (const { node, col } of g.members) w.set(model.weights[model.nodes[node]!.inputs[1]!.slot]!, col * g.K);
          gemm = OrtGemm.create(w, g.M, g.N, g.K, threads);
          shared.set(key, gemm);
        }
        const acc = new Int32Array(kernels[0]!.bytes.buffer, accBase + g.acc, g.M * g.N);
        gemmStarts.set(g.members[0]!.node, { gemm, x: g.x, acc });
      }
    } catch (e) {
      for (const g of new Set([...gemmStarts.values()].map((s) => s.gemm))) g.dispose();
      await pool?.close();
      throw e;
    }
    return new NativeRunner(
      compiled,
      kernels,
      plan,
      outputs,
      cacheEnds,
      descriptors,
      pool,
      panel0s,
      startStateThread(),
      gemmStarts,
      epilogues,
    );
  }

  /**
   * A compiled model file run natively with its weights held once: the graph is compiled from the
   * file's header, every weight is read from the file straight into the runner's memory (the
   * checksum checked as it goes), and weightsRoot is computed from there, on every core. The file must need no
   * tiling (as `opml model compile` writes it). Peak memory is the weights plus the activations.
   * `seconds`: reading the weights in (with the file's checksum) and computing weightsRoot.
   */
  static async fromFile(
    path: string,
    flavor: KernelFlavor = "simd",
    options: Omit<NativeRunnerOptions, "loadWeights"> & Pick<CompileOptions, "maxStepsPerNode"> = {},
  ): Promise<{ runner: NativeRunner; compiled: CompiledGraph; seconds: { load: number; weightsRoot: number } }> {
    const file = ModelFileReader.open(path);
    try {
      const pending = new Uint8Array(32);
      const compiled = compileGraph(file.model, { weightsRoot: pending, maxStepsPerNode: options.maxStepsPerNode });
      let t = performance.now();
      const runner = await NativeRunner.create(compiled, flavor, {
        ...options,
        loadWeights: (into) => file.readWeights(into),
      });
      const load = (performance.now() - t) / 1000;
      t = performance.now();
      compiled.commitment.weightsRoot = await slotTreeRootParallel(compiled.model.weights);
      return { runner, compiled, seconds: { load, weightsRoot: (performance.now() - t) / 1000 } };
    } finally {
      file.close();
    }
  }

  /** Ends the worker threads, if any (the runner must not be used after). */
  async close(): Promise<void> {
    for (const g of new Set([...this.gemmStarts.values()].map((s) => s.gemm))) g.dispose();
    // A run after close then takes the kernels' own GEMM: the same bits, never stale dot products.
    this.gemmStarts.clear();
    this.epilogues.clear();
    await Promise.all([this.pool?.close(), this.stateThread?.close()]);
  }

  /** Whether `run` computes the states on a worker thread (StateThread). */
  get statesOnThread(): boolean {
    return this.stateThread?.usable ?? false;
  }

  /** How many kernel instances (linear memories) hold the model. */
  get instanceCount(): number {
    return this.kernels.length;
  }

  /** How many matmuls onnxruntime's integer GEMM computes, in how many calls, over how many sessions. */
  get externalGemms(): { nodes: number; calls: number; sessions: number } {
    const sessions = new Set([...this.gemmStarts.values()].map((s) => s.gemm)).size;
    return { nodes: this.epilogues.size, calls: this.gemmStarts.size, sessions };
  }

  /** Each instance's linear memory, in bytes. */
  get instanceBytes(): number[] {
    return this.kernels.map((k) => k.bytes.length);
  }

  private checkInput(input: Uint8Array): void {
    const { model } = this.compiled;
    if (input.length !== model.inputLength)
      throw new ModelInputError(`input for ${model.name} has the wrong size`, {
        details: `${input.length} bytes, the model takes ${model.inputLength}`,
      });
  }

  private forward(input: Uint8Array, afterNode?: (i: number, out: Uint8Array) => void): Uint8Array {
    const { model } = this.compiled;
    this.checkInput(input);
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
      const kernel = this.kernels[k]!;
      const panel0 = this.panel0s.get(i);
      const epilogue = this.epilogues.get(i);
      try {
        if (epilogue) {
          const start = this.gemmStarts.get(i);
          if (start) {
            const { gemm, x, acc } = start;
            gemm.run(mem.subarray(x.addr, x.addr + x.byteLength), acc);
          }
          mem.set(epilogue, DESC_ADDR);
          kernel.run();
        } else if (this.pool && panel0) {
          const x = this.descriptors[i]!;
          const xAddr = new DataView(x.buffer, x.byteOffset).getUint32(DESC_INPUTS, true);
          this.pool.run(
            i,
            () => kernel.bytes,
            xAddr,
            out.addr,
            panel0.addr,
            () => {
              mem.set(panel0.descriptor, DESC_ADDR);
              kernel.run();
            },
          );
        } else {
          mem.set(desc, DESC_ADDR);
          kernel.run();
        }
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

  /**
   * Output, S_0 … S_N and every activation, as runModel returns them. The states are hashed on
   * the state thread while the nodes run when there is one, else here after each node.
   */
  run(input: Uint8Array): ModelRun {
    this.checkInput(input);
    const first = input.slice();
    const activations: Uint8Array[] = [first];
    const thread = this.stateThread?.usable ? this.stateThread : undefined;
    if (!thread) {
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
    thread.begin(first);
    let output: Uint8Array;
    try {
      output = this.forward(input, (i, out) => void activations.push(thread.produce(i, out)));
    } catch (e) {
      thread.abandon();
      throw e;
    }
    // The nodes are done: hash from the last one back until the worker's forward pass meets us.
    thread.help();
    // A worker that failed or stalled leaves the same states to compute here.
    return { output, states: thread.finish() ?? statesOf(this.compiled.model, activations), activations };
  }
}

/**
 * Writes each weight into every instance that holds it: copied from the model, or read by
 * `load` into its first holder (then copied to the others) with the model's weights replaced by
 * views of that memory. A weight no node reads stays where it is.
 */
async function placeWeights(
  model: Model,
  plan: InstancePlan,
  kernels: KernelInstance[],
  load: NativeRunnerOptions["loadWeights"],
): Promise<void> {
  const holders = new Map<number, { k: number; addr: number }[]>();
  plan.instances.forEach((layout, k) => {
    for (const [w, r] of layout.weights) holders.set(w, [...(holders.get(w) ?? []), { k, addr: r.addr }]);
  });
  const view = ({ k, addr }: { k: number; addr: number }, w: number) =>
    kernels[k]!.bytes.subarray(addr, addr + model.weights[w]!.length);
  if (!load) {
    for (const [w, at] of holders) for (const h of at) kernels[h.k]!.bytes.set(model.weights[w]!, h.addr);
    return;
  }
  await load((w) => {
    const first = holders.get(w)?.[0];
    return first ? view(first, w) : model.weights[w]!;
  });
  for (const [w, [first, ...rest]] of holders) {
    const bytes = view(first!, w);
    for (const h of rest) kernels[h.k]!.bytes.set(bytes, h.addr);
    model.weights[w] = bytes;
  }
}

/** S_0 … S_N from a run's activations (the input, then each node's output), on this thread. */
function statesOf(model: CompiledGraph["model"], activations: readonly Uint8Array[]): Uint8Array[] {
  const state = new GraphState(model, activations[0]!);
  const states = [state.root()];
  for (let i = 1; i < activations.length; i++) {
    state.write(i - 1, activations[i]!);
    states.push(state.root());
  }
  return states;
}
