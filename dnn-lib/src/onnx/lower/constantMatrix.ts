/** The constant 2-D (after dropping leading 1s) second operand of Gemm / MatMul, as floats with its dims [R][C]; refuses anything else. */
import type { OnnxNode } from "../model.ts";
import type { LowerContext } from "./LowerContext.ts";

export function constantMatrix(ctx: LowerContext, n: OnnxNode): { W: Float64Array; R: number; C: number } {
  const b = ctx.input(n, 1);
  const t = ctx.inits.get(b);
  const W = ctx.floatInit(b, n);
  if (!t || !W) ctx.unsupported(n, "both operands are activations outside a causal attention subgraph");
  // Leading unit dims (a batched MatMul weight of one batch) do not change the matrix.
  const dims = [...t.dims];
  while (dims.length > 2 && dims[0] === 1) dims.shift();
  const [R, C, ...more] = dims;
  if (R === undefined || C === undefined || more.length > 0)
    ctx.unsupported(n, `weight ${b} must be 2-D, is [${t.dims}]`);
  return { W, R, C };
}

/** The constant second operand of a MatMul when it has batch dims (rank > 2, batches not all 1), else undefined. */
export function batchedMatmulWeights(ctx: LowerContext, n: OnnxNode): { W: Float64Array; dims: number[] } | undefined {
  const t = ctx.inits.get(ctx.input(n, 1));
  if (!t || t.dims.length <= 2 || t.dims.slice(0, -2).every((d) => d === 1)) return undefined;
  const W = ctx.floatInit(t.name, n);
  return W && { W, dims: t.dims };
}
