/**
 * Phase 1: runs a compiled model on an input with a backend and returns the
 * output with the graph states S_0 … S_N (docs/protocol.md §4.2): S_0 holds only
 * the input slot, S_{i+1} is S_i with node i's output slot written. Only each
 * node's output tensor is hashed.
 */
import { SlotTree } from "../../../commitment/slotTree.ts";
import { SlotKind } from "../nodeInput.ts";
import { ModelInputError } from "./errors.ts";
import { outputSlotOf } from "../model/Model.ts";
import type { CompiledGraph } from "../model/compileGraph.ts";
import type { Backend } from "./Backend.ts";

export interface ModelRun {
  output: Uint8Array;
  /** S_0 … S_N. */
  states: Uint8Array[];
  /** Every activation slot's bytes (0 = input). */
  activations: Uint8Array[];
}

export function runModel(compiled: CompiledGraph, input: Uint8Array, backend: Backend): ModelRun {
  const { model } = compiled;
  if (input.length !== model.inputLength)
    throw new ModelInputError(`input for ${model.name} has the wrong size`, {
      details: `${input.length} bytes, the model takes ${model.inputLength}`,
    });
  const slots = new SlotTree();
  let output: Uint8Array = input.slice();
  const activations: Uint8Array[] = [output];
  slots.setSlot(0, output);
  const states = [slots.root()];
  model.nodes.forEach((node, i) => {
    // A compiled model's operands read weights that exist and activations already written.
    const operands = node.inputs.map((s) =>
      s.kind === SlotKind.weight ? model.weights[s.slot]! : activations[s.slot]!,
    );
    const out = backend.runNode(node.op, operands, node.params);
    output = out;
    activations.push(out);
    slots.setSlot(outputSlotOf(i), out);
    states.push(slots.root());
  });
  return { output, states, activations };
}
