/**
 * Phase 1: runs a compiled model on an input with a backend and returns the
 * output with the graph states S_0 … S_N (docs/protocol.md §4.2): S_0 holds only
 * the input slot, S_{i+1} is S_i with node i's output slot written. Only each
 * node's output tensor is hashed.
 */
import { ModelInputError } from "./errors.ts";
import { GraphState } from "../model/GraphState.ts";
import type { CompiledGraph } from "../model/compileGraph.ts";
import type { Backend } from "./Backend.ts";

export interface ModelRun {
  output: Uint8Array;
  /** S_0 … S_N. */
  states: Uint8Array[];
  /** The input, then each node's output bytes (a cache block's bytes for a node that writes one). */
  activations: Uint8Array[];
}

export function runModel(compiled: CompiledGraph, input: Uint8Array, backend: Backend): ModelRun {
  const { model } = compiled;
  if (input.length !== model.inputLength)
    throw new ModelInputError(`input for ${model.name} has the wrong size`, {
      details: `${input.length} bytes, the model takes ${model.inputLength}`,
    });
  let output: Uint8Array = input.slice();
  const activations: Uint8Array[] = [output];
  const state = new GraphState(model, output);
  const states = [state.root()];
  model.nodes.forEach((node, i) => {
    // A compiled model's operands read weights that exist and activations already written.
    const operands = state.operands(node, activations, model.weights);
    const out = backend.runNode(node.op, operands, node.params);
    output = out;
    activations.push(out);
    state.write(i, out);
    states.push(state.root());
  });
  return { output, states, activations };
}
