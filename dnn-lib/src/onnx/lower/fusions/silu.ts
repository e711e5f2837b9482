/**
 * SiLU (swish) written out: Mul(x, Sigmoid(x)) in either operand order, the Sigmoid read only by
 * the Mul, becomes one `lut` node of x·σ(x) for the calibrated scales. Keyed by the Mul.
 */
import { ACTIVATIONS } from "../../../tables.ts";
import { emitLut } from "../emitLut.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";

export const silu: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const g = ctx.graph;
  g.nodes.forEach((sig, si) => {
    if (sig.opType !== "Sigmoid") return;
    const mi = ctx.soleConsumer(sig.outputs[0]);
    if (mi === undefined) return;
    const mul = g.nodes[mi];
    const x = sig.inputs[0];
    if (mul.opType !== "Mul" || !mul.inputs.includes(x) || mul.inputs[0] === mul.inputs[1]) return;
    const nodes = [si, mi];
    found.set(mi, {
      nodes,
      lower: (c, at) => emitLut(c, at, x, mul.outputs[0], ACTIVATIONS.silu, c.sourceOf(nodes)),
    });
  });
  return found;
};
