/** The constant 2-D second operand of Gemm / MatMul, as floats with its dims [R][C]; refuses anything else. */
import type { OnnxNode } from "../model.ts";
import type { LowerContext } from "./LowerContext.ts";

export function constantMatrix(ctx: LowerContext, n: OnnxNode): { W: Float64Array; R: number; C: number } {
  const b = ctx.input(n, 1);
  const t = ctx.inits.get(b);
  const W = ctx.floatInit(b, n);
  if (!t || !W) ctx.unsupported(n, "both operands are activations outside a causal attention subgraph");
  const [R, C, ...more] = t.dims;
  if (R === undefined || C === undefined || more.length > 0)
    ctx.unsupported(n, `weight ${b} must be 2-D, is [${t.dims}]`);
  return { W, R, C };
}
