/** LayerNormalization (last axis) → `norm` mode 0 (emitNorm.ts). */
import { emitNorm } from "../emitNorm.ts";
import type { OpHandler } from "../OpHandler.ts";

export const layerNormalization: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    ctx.lastAxis(n, ctx.intAttr(n, "axis", -1), dIn.length);
    const D = dIn[dIn.length - 1];
    const gamma = ctx.floatInit(n.inputs[1], n);
    const beta = n.inputs[2] ? ctx.floatInit(n.inputs[2], n) : new Float64Array(D);
    if (!gamma || gamma.length !== D || !beta || beta.length !== D)
      ctx.unsupported(n, `scale and bias must be constants of ${D} values`);
    if (n.outputs.length > 1 && n.outputs.slice(1).some((o) => o !== ""))
      ctx.unsupported(n, "the Mean and InvStdDev outputs are not supported");
    const eps = ctx.floatAttr(n, "epsilon", 1e-5);
    emitNorm(ctx, n, {
      mode: 0,
      x: n.inputs[0],
      gammaName: n.inputs[1],
      gamma: gamma!,
      beta: beta!,
      eps,
      out: n.outputs[0],
      source: n.name,
    });
  },
};
