/**
 * SiLU (swish) written out: Mul(x, Sigmoid(x)) in either operand order, the Sigmoid read only by
 * the Mul, becomes one `lut` node of x·σ(x) for the calibrated scales. Keyed by the Mul.
 */
import { ACTIVATIONS } from "../../../tables.ts";
import { emitLut } from "../emitLut.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";

export const silu: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  ctx.graph.nodes.forEach((sig, si) => {
    if (sig.opType !== "Sigmoid") return;
    const mi = ctx.soleConsumer(sig.outputs[0]);
    if (mi === undefined) return;
    const mul = ctx.node(mi);
    const x = sig.inputs[0];
    const out = mul.outputs[0];
    if (mul.opType !== "Mul" || x === undefined || out === undefined) return;
    if (!mul.inputs.includes(x) || mul.inputs[0] === mul.inputs[1]) return;
    const nodes = [si, mi];
    found.set(mi, { nodes, lower: (c, at) => emitLut(c, at, x, out, ACTIVATIONS.silu, c.sourceOf(nodes)) });
  });
  return found;
};
