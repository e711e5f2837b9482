/**
 * Gemm (`transA = 0`) → `matmul`: `alpha` folded into the weights, `beta` into the bias, B
 * transposed to w[N][K] unless `transB = 1`.
 */
import { emitMatmul } from "../emitMatmul.ts";
import type { OpHandler } from "../OpHandler.ts";
import { constantMatrix } from "../constantMatrix.ts";
import { transpose2 } from "../transpose2.ts";

export const gemm: OpHandler = {
  lower(ctx, n) {
    const { W: B, dims: bd } = constantMatrix(ctx, n);
    if (ctx.intAttr(n, "transA", 0) !== 0) ctx.unsupported(n, "transA = 1");
    const alpha = ctx.floatAttr(n, "alpha", 1);
    const beta = ctx.floatAttr(n, "beta", 1);
    const tB = ctx.intAttr(n, "transB", 0) === 1;
    const [N, K] = tB ? bd : [bd[1], bd[0]];
    const W = (tB ? B : transpose2(B, K, N)).map((w) => w * alpha);
    let bias: Float64Array | undefined;
    if (n.inputs[2]) {
      bias = ctx.floatInit(n.inputs[2], n);
      if (!bias || bias.length !== N) ctx.unsupported(n, `bias must be a constant of ${N} values`);
      bias = bias!.map((x) => x * beta);
    }
    emitMatmul(ctx, n, W, N, K, bias, n.outputs[0], n.name);
  },
};
