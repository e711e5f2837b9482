/**
 * GlobalAveragePool, GlobalMaxPool of x [1][C][H][W]: with H = W one `avgpool` / `maxpool` whose
 * window is the whole plane; GlobalAveragePool of a non-square plane is a `matmul` of the [C][H·W]
 * rows by constant weights 1/(H·W) (mean.ts). Output scale = input scale.
 */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";
import { emitMean } from "../mean.ts";

export const globalPool: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    if (dIn.length !== 4 || dIn[0] !== 1) ctx.unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
    const [C, H, W] = [dIn[1], dIn[2], dIn[3]];
    const isMax = n.opType === "GlobalMaxPool";
    if (H !== W) {
      if (isMax) ctx.unsupported(n, `a non-square plane [${H}][${W}]`);
      return emitMean(ctx, n, n.inputs[0], C, H * W, n.outputs[0]);
    }
    const x = ctx.get(n.inputs[0], n);
    ctx.emit(isMax ? Op.maxpool : Op.avgpool, [x.id], [C, H, W, H, 1], n.outputs[0], x.scale, n.name);
  },
};
