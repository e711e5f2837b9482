/**
 * A `norm` node over the last axis of x (mode 0 layer, 1 RMS; docs/fixed-point.md §3): gamma int8
 * per tensor (s_g); n_i is Q12, so beta is int32 at s_g / 2^12 and M = s_g / (2^12 · s_out);
 * eps_int = round(D² · eps / s_x²). LayerNormalization and the decomposed LayerNorm / RMSNorm
 * patterns (fusions/normPatterns.ts) lower through it.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { clampI32, maxAbs, quantizeI8, quantizeMultiplier, roundHalfAway, scaleOf } from "../quantMath.ts";
import type { LowerContext } from "./LowerContext.ts";
import { prod } from "./prod.ts";

export interface NormSpec {
  mode: 0 | 1;
  x: string;
  /** The ONNX name of gamma (its constant is `${gammaName}.q`) and its values; ones when the pattern has none. */
  gammaName: string;
  gamma: Float64Array;
  beta: Float64Array;
  eps: number;
  out: string;
  source: string;
}

export function emitNorm(ctx: LowerContext, n: OnnxNode, spec: NormSpec): void {
  const dIn = ctx.dimsOf(spec.x);
  const D = dIn[dIn.length - 1];
  if (D === undefined) ctx.unsupported(n, `${spec.x} is a scalar: there is no last axis to normalize`);
  const x = ctx.get(spec.x, n);
  const sG = scaleOf(maxAbs(spec.gamma));
  const sOut = ctx.actScale(spec.out);
  const sN = sG / 4096; // n_i is Q12, gamma at sG
  const eps = clampI32(Math.round((D * D * spec.eps) / (x.scale * x.scale)));
  const { m, s } = quantizeMultiplier(sN / sOut, `${spec.source} output`);
  const gq = ctx.constant(`${spec.gammaName}.q`, quantizeI8(spec.gamma, sG), [D], sG);
  const bq = ctx.constant(
    `${spec.out}.beta_q`,
    Int32Array.from(spec.beta, (b) => clampI32(roundHalfAway(b / sN))),
    [D],
  );
  ctx.emit(Op.norm, [x.id, gq, bq], [prod(dIn) / D, D, spec.mode, eps, m, s], spec.out, sOut, spec.source);
}
