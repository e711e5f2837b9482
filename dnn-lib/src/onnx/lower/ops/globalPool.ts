/**
 * GlobalAveragePool, GlobalMaxPool of x [1][C][H][W]: with H = W one `avgpool` / `maxpool` whose
 * window is the whole plane; GlobalAveragePool of a non-square plane is a `matmul` of the [C][H·W]
 * rows by constant weights 1/(H·W) (mean.ts). Output scale = input scale.
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { ofLength } from "../../tuple.ts";
import { emitMean } from "../mean.ts";

export const globalPool: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const shape = ofLength(dIn, 4);
    if (!shape || shape[0] !== 1) ctx.unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
    const [, C, H, W] = shape;
    const isMax = n.opType === "GlobalMaxPool";
    if (H !== W) {
      if (isMax) ctx.unsupported(n, `a non-square plane [${H}][${W}]`);
      return emitMean(ctx, n, ctx.input(n, 0), C, H * W, ctx.output(n));
    }
    const x = ctx.get(ctx.input(n, 0), n);
    ctx.emit(isMax ? Op.maxpool : Op.avgpool, [x.id], [C, H, W, H, 1], ctx.output(n), x.scale, n.name);
  },
};
