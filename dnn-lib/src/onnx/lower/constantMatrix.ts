/** The constant 2-D second operand of Gemm / MatMul, as floats with its dims; refuses anything else. */
import type { OnnxNode } from "../model.ts";
import type { LowerContext } from "./LowerContext.ts";

export function constantMatrix(ctx: LowerContext, n: OnnxNode): { W: Float64Array; dims: number[] } {
  const b = n.inputs[1];
  const W = ctx.floatInit(b, n);
  if (!W) ctx.unsupported(n, "both operands are activations outside a causal attention subgraph");
  const dims = ctx.inits.get(b)!.dims;
  if (dims.length !== 2) ctx.unsupported(n, `weight ${b} must be 2-D, is [${dims}]`);
  return { W: W, dims };
}
