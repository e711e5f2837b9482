/**
 * A mean (or sum) of each row of x viewed as [R][K] → one `matmul` by constant weights w[1][K] of
 * 1/K (or 1), quantized per channel (each weight 127), so the one rounding is the
 * requantization to the output's scale.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { emitWeighted } from "./emitWeighted.ts";
import type { LowerContext } from "./LowerContext.ts";

/** out[r] = weight · Σ_k x[r][k] with weight = 1/K (mean) or 1 (sum, `sum` true). */
export function emitMean(
  ctx: LowerContext,
  n: OnnxNode,
  x: string,
  R: number,
  K: number,
  out: string,
  sum = false,
): void {
  const w = new Float64Array(K).fill(sum ? 1 : 1 / K);
  emitWeighted(ctx, n, {
    op: Op.matmul,
    x,
    weight: `${out}.${sum ? "ones" : "mean"}`,
    w,
    wShape: [1, K],
    N: 1,
    K,
    bias: undefined,
    params: [R, 1, K],
    out,
    source: n.name,
  });
}
