/**
 * MatMul by a constant 2-D B[K][N] → `matmul` (w = Bᵀ), fused with a following Add of a constant
 * [N] bias (fusions/followingBias.ts); by a constant B with batch dims → one `matmul` per batch
 * joined by `concat`s (batchedMatmul.ts). MatMul of two activations is lowered only inside a causal
 * attention subgraph (fusions/attention.ts).
 */
import { emitBatchedMatmul } from "../batchedMatmul.ts";
import { emitMatmul } from "../emitMatmul.ts";
import { followingBias } from "../fusions/followingBias.ts";
import type { OpHandler } from "../OpHandler.ts";
import { batchedMatmulWeights, constantMatrix } from "../constantMatrix.ts";
import { transpose2 } from "../transpose2.ts";

export const matMul: OpHandler = {
  lower(ctx, n) {
    const batched = batchedMatmulWeights(ctx, n);
    const m = batched ? undefined : constantMatrix(ctx, n);
    const N = m ? m.C : batched!.dims[batched!.dims.length - 1]!;
    const { bias, out, source } = followingBias(ctx, n, N) ?? { bias: undefined, out: ctx.output(n), source: n.name };
    if (m) emitMatmul(ctx, n, transpose2(m.W, m.R, N), N, m.R, bias, out, source);
    else emitBatchedMatmul(ctx, n, batched!.W, batched!.dims, bias, out, source);
  },
};
