/** A `matmul` of node n's first input [..][K] by constant float weights w[N][K] (node n's second input). */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { emitWeighted } from "./emitWeighted.ts";
import type { LowerContext } from "./LowerContext.ts";
import { prod } from "./prod.ts";

/** Refuses an input whose inner dimension is not K; `out` and `source` differ from n's when a bias Add is fused. */
export function emitMatmul(
  ctx: LowerContext,
  n: OnnxNode,
  w: Float64Array,
  N: number,
  K: number,
  bias: Float64Array | undefined,
  out: string,
  source: string,
): void {
  const dIn = ctx.inputDims(n);
  if (dIn[dIn.length - 1] !== K) ctx.unsupported(n, `input inner dimension ${dIn[dIn.length - 1]} ≠ weight ${K}`);
  const [x, weight] = [ctx.input(n, 0), ctx.input(n, 1)];
  const params = [prod(dIn) / K, N, K];
  emitWeighted(ctx, n, { op: Op.matmul, x, weight, w, wShape: [N, K], N, K, bias, params, out, source });
}
