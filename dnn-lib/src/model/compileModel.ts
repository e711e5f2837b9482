/**
 * The graph compiler's commitment step: lays out every node's descriptor (its
 * operand slots, addresses and parameters) and computes the model commitment of
 * docs/protocol.md §4.1 — programRoot, graphRoot, weightsRoot, nodeCount and the
 * input/output slots. Tiling large nodes is not done yet: the model file's graph
 * is taken as is.
 */
import { SlotTree } from "../../../commitment/slotTree.ts";
import { layoutNode, type NodeLayout } from "../nodeInput.ts";
import { programRoot } from "../programRoot.ts";
import { outputSlotOf, type Model } from "./Model.ts";
import { validateModel } from "./validateModel.ts";

export interface ModelCommitment {
  programRoot: Uint8Array;
  graphRoot: Uint8Array;
  weightsRoot: Uint8Array;
  nodeCount: number;
  inputSlot: number;
  inputLength: number;
  outputSlot: number;
  outputLength: number;
}

export interface CompiledModel {
  model: Model;
  /** Byte length of each activation slot. */
  activationLengths: number[];
  /** Node i's layout; `layouts[i].descriptor` is desc_i, committed in graphRoot at leaf i. */
  layouts: NodeLayout[];
  commitment: ModelCommitment;
}

export async function compileModel(model: Model): Promise<CompiledModel> {
  const activationLengths = validateModel(model);
  const graph = new SlotTree();
  const layouts = model.nodes.map((node, i) => {
    const inputLengths = node.inputs.map((s) =>
      s.kind === 1 ? model.weights[s.slot].length : activationLengths[s.slot],
    );
    const layout = layoutNode({ ...node, inputLengths, inputSlots: node.inputs, outputSlot: outputSlotOf(i) });
    graph.setSlot(i, layout.descriptor);
    return layout;
  });
  const weights = new SlotTree();
  model.weights.forEach((w, k) => weights.setSlot(k, w));
  const N = model.nodes.length;
  return {
    model,
    activationLengths,
    layouts,
    commitment: {
      programRoot: await programRoot(),
      graphRoot: graph.root(),
      weightsRoot: weights.root(),
      nodeCount: N,
      inputSlot: 0,
      inputLength: model.inputLength,
      outputSlot: outputSlotOf(N - 1),
      outputLength: activationLengths[N],
    },
  };
}
