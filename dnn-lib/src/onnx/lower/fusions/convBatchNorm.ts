/**
 * Conv → BatchNormalization, the BN the only reader of the Conv's output (an export without
 * constant folding, or in training mode kept as a node): the BN's per-channel affine
 * (ops/batchNormalization.ts) is folded into the Conv's float weights and bias, W'_o = a_o·W_o,
 * b'_o = a_o·b_o + b_o(BN), and the pair lowers as that one Conv. Keyed by the BN.
 */
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import { batchNormAffine } from "../ops/batchNormalization.ts";
import { lowerConv } from "../ops/conv.ts";

export const convBatchNorm: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const g = ctx.graph;
  g.nodes.forEach((bn, bi) => {
    if (bn.opType !== "BatchNormalization") return;
    const ci = ctx.producer.get(bn.inputs[0]);
    if (ci === undefined || ctx.soleConsumer(bn.inputs[0]) !== bi) return;
    const conv = g.nodes[ci];
    const wt = ctx.inits.get(conv.inputs[1]);
    if (conv.opType !== "Conv" || !wt || (conv.inputs[2] && !ctx.inits.has(conv.inputs[2]))) return;
    const nodes = [ci, bi];
    found.set(bi, {
      nodes,
      lower: (c, at) => {
        const OC = wt.dims[0];
        const { a, b } = batchNormAffine(c, at, OC);
        const W = c.floatInit(conv.inputs[1], conv)!;
        const per = W.length / OC;
        const w = Float64Array.from(W, (v, i) => v * a[Math.floor(i / per)]);
        const b0 = conv.inputs[2] ? c.floatInit(conv.inputs[2], conv)! : new Float64Array(OC);
        const bias = Float64Array.from(b0, (v, o) => a[o] * v + b[o]);
        lowerConv(c, conv, w, bias, at.outputs[0], c.sourceOf(nodes));
      },
    });
  });
  return found;
};
