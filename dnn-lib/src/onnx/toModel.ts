/**
 * A QuantGraph in the shape of dnn-lib's model format (dnn-lib/src/model/Model.ts,
 * docs/model-format.md): activation slot 0 is the graph's one input, node i
 * writes activation slot i + 1, constants become weight slots in order of first
 * use, and the model's output is the last node's output (a `copy` node is
 * appended when the graph's output is an earlier tensor).
 */
import { Op } from "../ops.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";
import { outputSlotOf, type GraphNode, type Model } from "../model/Model.ts";
import { OnnxUnsupportedError } from "./errors.ts";
import { tensorOf, type QuantGraph } from "./QuantGraph.ts";

/**
 * Refuses a graph of several inputs or outputs (a KV-cache decode step: ids, positions and the
 * cache in, logits and the new cache out): the model file holds one input and one output.
 */
export function checkSingleIO(inputs: readonly string[], outputs: readonly string[], what = "the graph"): void {
  if (inputs.length !== 1 || outputs.length !== 1)
    throw new OnnxUnsupportedError(
      "graph inputs/outputs",
      `the model format holds one input and one output; ${what} has ${inputs.length} inputs and ${outputs.length} outputs`,
      {
        details: `inputs: ${inputs.join(", ")}; outputs: ${outputs.join(", ")}. Graphs of several inputs (a generation step with a key/value cache) are not supported by the model format`,
      },
    );
}

export function toModel(g: QuantGraph): Model {
  checkSingleIO(
    g.inputs.map((i) => i.name),
    g.outputs.map((o) => o.name),
  );
  const input = g.inputs[0]!; // one input and one output (checkSingleIO)
  const out = g.outputs[0]!;
  const slotOf = new Map<number, OperandSlot>([[input.id, { kind: SlotKind.activation, slot: 0 }]]);
  const weights: Uint8Array[] = [];
  const nodes: GraphNode[] = g.nodes.map((n, i) => {
    const inputs = n.inputs.map((id) => {
      let s = slotOf.get(id);
      if (!s) {
        const t = tensorOf(g, id);
        if (t.kind !== "const") throw new OnnxUnsupportedError(t.name, `tensor ${t.name} is read before it is written`);
        s = { kind: SlotKind.weight, slot: weights.length };
        weights.push(t.data!);
        slotOf.set(id, s);
      }
      return s;
    });
    slotOf.set(n.output, { kind: SlotKind.activation, slot: outputSlotOf(i) });
    return { op: n.op, inputs, params: [...n.params] };
  });
  const last = g.nodes[g.nodes.length - 1];
  if (!last || last.output !== out.id) {
    const src = slotOf.get(out.id);
    if (!src) throw new OnnxUnsupportedError(out.name, `graph output ${out.name} is not a computed tensor`);
    const n = tensorOf(g, out.id).shape.reduce((a, b) => a * b, 1) * (out.dtype === "i32" ? 4 : 1);
    nodes.push({ op: Op.copy, inputs: [src], params: [n] });
  }
  const inLen = input.dims.reduce((a, b) => a * b, 1) * (input.dtype === "i32" ? 4 : 1);
  return {
    name: g.name,
    inputLength: inLen,
    inputScale: input.scale,
    outputScale: out.scale,
    nodes,
    weights,
  };
}
