/** LayerNormalization (last axis) → `norm` mode 0 (emitNorm.ts). */
import type { OnnxNode } from "../../model.ts";
import { emitNorm } from "../emitNorm.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";

export const layerNormalization: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    ctx.lastAxis(n, ctx.intAttr(n, "axis", -1), dIn.length);
    const D = dIn[dIn.length - 1];
    if (D === undefined) ctx.unsupported(n, "a scalar input has no axis to normalize");
    const gammaName = ctx.input(n, 1);
    const gamma = ctx.floatInit(gammaName, n);
    const betaName = ctx.optionalInput(n, 2);
    const beta = betaName ? ctx.floatInit(betaName, n) : new Float64Array(D);
    if (!gamma || gamma.length !== D || !beta || beta.length !== D)
      ctx.unsupported(n, `scale and bias must be constants of ${D} values`);
    if (n.outputs.length > 1 && n.outputs.slice(1).some((o) => o !== ""))
      ctx.unsupported(n, "the Mean and InvStdDev outputs are not supported");
    const eps = ctx.floatAttr(n, "epsilon", 1e-5);
    emitNorm(ctx, n, { mode: 0, x: ctx.input(n, 0), gammaName, gamma, beta, eps, out: ctx.output(n), source: n.name });
  },
};
