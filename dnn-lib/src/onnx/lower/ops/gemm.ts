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
    const { W: B, R, C } = constantMatrix(ctx, n);
    if (ctx.intAttr(n, "transA", 0) !== 0) ctx.unsupported(n, "transA = 1");
    const alpha = ctx.floatAttr(n, "alpha", 1);
    const beta = ctx.floatAttr(n, "beta", 1);
    const tB = ctx.intAttr(n, "transB", 0) === 1;
    const [N, K] = tB ? [R, C] : [C, R];
    const W = (tB ? B : transpose2(B, K, N)).map((w) => w * alpha);
    let bias: Float64Array | undefined;
    const c = ctx.optionalInput(n, 2);
    if (c) {
      const b = ctx.floatInit(c, n);
      if (!b || b.length !== N) ctx.unsupported(n, `bias must be a constant of ${N} values`);
      bias = b!.map((x) => x * beta);
    }
    emitMatmul(ctx, n, W, N, K, bias, ctx.output(n), n.name);
  },
};
