/**
 * An integer model: a graph of dnn-lib nodes over activation and weight slots
 * (docs/model-format.md). Activation slot 0 is the input; node i writes
 * activation slot i + 1; the model's output is the last node's output.
 */
import type { OperandSlot } from "../nodeInput.ts";

export interface GraphNode {
  op: number;
  /** Where each operand comes from: an activation slot written earlier, or a weight slot. */
  inputs: OperandSlot[];
  params: number[];
}

export interface Model {
  name: string;
  /** Input byte length (activation slot 0). */
  inputLength: number;
  /** Real value of one input / output LSB (for quantizing inputs and reading outputs; not consensus). */
  inputScale: number;
  outputScale: number;
  nodes: GraphNode[];
  /** Weight tensors by weight slot. */
  weights: Uint8Array[];
}

/** The activation slot node `i` writes. */
export function outputSlotOf(i: number): number {
  return i + 1;
}
