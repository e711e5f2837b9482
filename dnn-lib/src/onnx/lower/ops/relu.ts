/** Relu → `relu`: output scale = input scale. */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const relu: OpHandler = {
  lower(ctx, n) {
    const x = ctx.get(n.inputs[0], n);
    ctx.emit(Op.relu, [x.id], [prod(ctx.inputDims(n))], n.outputs[0], x.scale, n.name);
  },
};
