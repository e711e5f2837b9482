/**
 * The graph compiler's commitment step: lays out every node's descriptor (its
 * operand slots, addresses and parameters) and computes the graph's part of the
 * model commitment of docs/protocol.md §4.1 — graphRoot, weightsRoot, nodeCount and
 * the input/output slots, after tiling every node over the step budget (tileModel).
 * The commitment's programRoot is the VM's image of the kernel library: phase/compileModel.ts
 * adds it.
 */
import { SlotTree } from "../../../commitment/slotTree.ts";
import { layoutNode, type NodeLayout } from "../nodeInput.ts";
import { outputSlotOf, writeOf, type Model } from "./Model.ts";
import { activationLength, validateModel } from "./validateModel.ts";
import { tileModel } from "./tileModel.ts";
import { estimateSteps } from "./estimateSteps.ts";
import { inputTokenBound } from "./inputTokenBound.ts";
import { ModelGraphError } from "./errors.ts";

/** The design goal: every node's VM trace at most 2^32 steps (the level-2 dispute range). */
export const DEFAULT_MAX_STEPS = 2 ** 32;

/** The model commitment less programRoot: what the graph alone fixes. */
export interface GraphCommitment {
  graphRoot: Uint8Array;
  weightsRoot: Uint8Array;
  nodeCount: number;
  inputSlot: number;
  inputLength: number;
  /** 0, or the bound every int32 word of the input must stay below (inputTokenBound.ts). */
  inputTokenBound: number;
  outputSlot: number;
  outputLength: number;
}

export interface CompiledGraph {
  /** The model after tiling: what is committed and run. */
  model: Model;
  /** Upper bound on each node's VM steps (estimateSteps), all ≤ the budget. */
  nodeSteps: number[];
  /** Byte length of each node's activation slot (0 = input; 0 for a node that writes a cache block). */
  activationLengths: number[];
  /** Node i's layout; `layouts[i].descriptor` is desc_i, committed in graphRoot at leaf i. */
  layouts: NodeLayout[];
  commitment: GraphCommitment;
}

/**
 * Optional progress: `stage` is "layout" (one node's descriptor laid out and hashed into the
 * graph tree) or "weights" (one weight tensor Merkleized into the weights tree), `done` of `total`.
 */
export type CompileProgress = (stage: "layout" | "weights", done: number, total: number) => void;

export interface CompileOptions {
  /** The step budget a node is tiled to fit (default {@link DEFAULT_MAX_STEPS}). */
  maxStepsPerNode?: number;
  onProgress?: CompileProgress;
  /**
   * The weights root, when the caller computes it itself: a model whose weights are not in memory
   * yet (NativeRunner.fromFile reads them into the runner, then sets the root from there). The
   * weights are then not hashed here, and a model that tiling would change is refused.
   */
  weightsRoot?: Uint8Array;
}

/** weightsRoot (docs/protocol.md §4.1): the slot tree of the weight tensors. */
export function weightsRootOf(weights: readonly Uint8Array[], progress?: CompileProgress): Uint8Array {
  const tree = new SlotTree();
  weights.forEach((w, k) => {
    tree.setSlot(k, w);
    progress?.("weights", k + 1, weights.length);
  });
  return tree.root();
}

export function compileGraph(source: Model, opts: CompileOptions = {}): CompiledGraph {
  const model = tileModel(source, opts.maxStepsPerNode ?? DEFAULT_MAX_STEPS);
  if (
    opts.weightsRoot &&
    (model.weights.length !== source.weights.length || model.weights.some((w, k) => w !== source.weights[k]))
  )
    throw new ModelGraphError("a model with its weights root given must need no tiling", {
      details: `tiling to ${opts.maxStepsPerNode ?? DEFAULT_MAX_STEPS} steps changes its weights: compile it first (opml model compile)`,
    });
  const activationLengths = validateModel(model);
  const graph = new SlotTree();
  const progress = opts.onProgress ?? (() => {});
  // validateModel has checked that every operand slot exists.
  const layouts = model.nodes.map((node, i) => {
    const inputLengths = node.inputs.map((s) =>
      s.kind === 1 ? model.weights[s.slot]!.length : activationLength(model, activationLengths, s.slot),
    );
    const { slot, region } = writeOf(model, i);
    const layout = layoutNode({
      ...node,
      inputLengths,
      inputSlots: node.inputs,
      outputSlot: slot,
      ...(region && { outputRegion: region }),
    });
    graph.setSlot(i, layout.descriptor);
    progress("layout", i + 1, model.nodes.length);
    return layout;
  });
  const weightsRoot = opts.weightsRoot ?? weightsRootOf(model.weights, progress);
  const N = model.nodes.length;
  return {
    model,
    nodeSteps: model.nodes.map((n) => estimateSteps(n.op, n.params)),
    activationLengths,
    layouts,
    commitment: {
      graphRoot: graph.root(),
      weightsRoot,
      nodeCount: N,
      inputSlot: 0,
      inputLength: model.inputLength,
      inputTokenBound: inputTokenBound(model),
      outputSlot: outputSlotOf(N - 1),
      outputLength: activationLengths[N]!,
    },
  };
}
