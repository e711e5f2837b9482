/**
 * MatMul by a constant 2-D B[K][N] → `matmul` (w = Bᵀ), fused with a following Add of a constant
 * [N] bias (fusions/followingBias.ts). MatMul of two activations is lowered only inside a causal attention
 * subgraph (fusions/attention.ts).
 */
import { emitMatmul } from "../emitMatmul.ts";
import { followingBias } from "../fusions/followingBias.ts";
import type { OpHandler } from "../OpHandler.ts";
import { constantMatrix } from "../constantMatrix.ts";
import { transpose2 } from "../transpose2.ts";

export const matMul: OpHandler = {
  lower(ctx, n) {
    const { W: B, R: K, C: N } = constantMatrix(ctx, n);
    const W = transpose2(B, K, N);
    const { bias, out, source } = followingBias(ctx, n, N) ?? { bias: undefined, out: ctx.output(n), source: n.name };
    emitMatmul(ctx, n, W, N, K, bias, out, source);
  },
};
