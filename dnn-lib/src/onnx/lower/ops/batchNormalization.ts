/**
 * BatchNormalization (inference form: constant scale, bias, mean and variance; one output) after
 * a Conv whose output it alone reads is folded into that Conv's weights and bias
 * (fusions/convBatchNorm.ts). Elsewhere it is the per-channel affine y = a_c·x + b_c with
 * a_c = γ_c/√(σ²_c + ε), b_c = β_c − a_c·μ_c, lowered as a 1×1 `conv2d` (input [1][C][H][W] or
 * [1][C][L]) or a `matmul` (input [N][C]) by the diagonal weights diag(a): each weight row has
 * one non-zero, so its per-channel int8 quantization is exact to 1/127 of a_c.
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { emitWeighted } from "../emitWeighted.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

/** The per-channel factor a and offset b of BatchNormalization node `n` over C channels. */
export function batchNormAffine(ctx: LowerContext, n: OnnxNode, C: number): { a: Float64Array; b: Float64Array } {
  if (ctx.intAttr(n, "training_mode", 0) !== 0) ctx.unsupported(n, "training_mode = 1");
  if (n.outputs.length > 1 && n.outputs.slice(1).some((o) => o !== ""))
    ctx.unsupported(n, "the running mean and variance outputs are not supported");
  const [g, beta, mean, v] = [1, 2, 3, 4].map((i) => ctx.floatInit(ctx.input(n, i), n));
  if (!g || !beta || !mean || !v || ![g, beta, mean, v].every((t) => t.length === C))
    ctx.unsupported(n, `scale, bias, mean and variance must be constants of ${C} values`);
  const eps = ctx.floatAttr(n, "epsilon", 1e-5);
  // All four hold C values.
  const a = Float64Array.from(g, (gc, c) => gc / Math.sqrt(v[c]! + eps));
  const b = Float64Array.from(beta, (bc, c) => bc - a[c]! * mean[c]!);
  return { a, b };
}

export const batchNormalization: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const [N, C] = dIn;
    if (N === undefined || C === undefined || (dIn.length > 2 && (dIn.length > 4 || N !== 1)))
      ctx.unsupported(n, `input must be [N][C], [1][C][L] or [1][C][H][W], is [${dIn}]`);
    const { a, b } = batchNormAffine(ctx, n, C);
    const w = new Float64Array(C * C);
    for (let c = 0; c < C; c++) w[c * C + c] = a[c]!; // a has C values
    const out = ctx.output(n);
    const spec = { x: ctx.input(n, 0), weight: `${out}.diag`, w, N: C, K: C, bias: b, out, source: n.name };
    if (dIn.length === 2) return emitWeighted(ctx, n, { ...spec, op: Op.matmul, wShape: [C, C], params: [N, C, C] });
    // x is [C][H·W] as rows of channels, so the 1×1 convolution reads it as one plane of H·W.
    const HW = prod(dIn.slice(2));
    emitWeighted(ctx, n, { ...spec, op: Op.conv2d, wShape: [C, C, 1, 1], params: [C, 1, HW, C, 1, 1, 1, 0] });
  },
};
