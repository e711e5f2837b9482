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
    const ci = ctx.producerOf(bn.inputs[0]);
    if (ci === undefined || ctx.soleConsumer(bn.inputs[0]) !== bi) return;
    const conv = ctx.node(ci);
    const [, wName, bName] = conv.inputs;
    const OC = ctx.initOf(wName)?.dims[0];
    if (conv.opType !== "Conv" || wName === undefined || OC === undefined || (bName && !ctx.inits.has(bName))) return;
    const nodes = [ci, bi];
    found.set(bi, {
      nodes,
      lower: (c, at) => {
        const { a, b } = batchNormAffine(c, at, OC);
        const W = c.floatInit(wName, conv)!; // the constant found above
        // a and b have OC values, W OC·per (the weights' dims [OC][..]).
        const per = W.length / OC;
        const w = Float64Array.from(W, (v, i) => v * a[Math.floor(i / per)]!);
        const b0 = bName ? c.floatInit(bName, conv)! : new Float64Array(OC);
        if (b0.length !== OC) c.unsupported(conv, `the bias has ${b0.length} values for ${OC} output channels`);
        const bias = Float64Array.from(b0, (v, o) => a[o]! * v + b[o]!);
        lowerConv(c, conv, w, bias, c.output(at), c.sourceOf(nodes));
      },
    });
  });
  return found;
};
