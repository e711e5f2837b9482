/**
 * LayerNormalization (last axis) → `norm` mode 0: gamma int8 per tensor (s_g); n_i is Q12, so beta
 * is int32 at s_g / 2^12 and M = s_g / (2^12 · s_out); eps_int = round(D² · eps / s_x²).
 */
import { Op } from "../../../ops.ts";
import { clampI32, maxAbs, quantizeI8, quantizeMultiplier, roundHalfAway, scaleOf } from "../../quantMath.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const layerNormalization: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const out = n.outputs[0];
    ctx.lastAxis(n, ctx.intAttr(n, "axis", -1), dIn.length);
    const D = dIn[dIn.length - 1];
    const gamma = ctx.floatInit(n.inputs[1], n);
    const beta = n.inputs[2] ? ctx.floatInit(n.inputs[2], n) : new Float64Array(D);
    if (!gamma || gamma.length !== D || !beta || beta.length !== D)
      ctx.unsupported(n, `scale and bias must be constants of ${D} values`);
    const x = ctx.get(n.inputs[0], n);
    const sG = scaleOf(maxAbs(gamma!));
    const sOut = ctx.actScale(out);
    const sN = sG / 4096; // n_i is Q12, gamma at sG
    const eps = clampI32(Math.round((D * D * ctx.floatAttr(n, "epsilon", 1e-5)) / (x.scale * x.scale)));
    const { m, s } = quantizeMultiplier(sN / sOut, `${n.name} output`);
    const gq = ctx.constant(`${n.inputs[1]}.q`, quantizeI8(gamma!, sG), [D], sG);
    const bq = ctx.constant(
      `${out}.beta_q`,
      Int32Array.from(beta!, (b) => clampI32(roundHalfAway(b / sN))),
      [D],
    );
    ctx.emit(Op.norm, [x.id, gq, bq], [prod(dIn) / D, D, 0, eps, m, s], out, sOut, n.name);
  },
};
