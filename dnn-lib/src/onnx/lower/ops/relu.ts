/** Relu → `relu`: output scale = input scale. */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const relu: OpHandler = {
  lower(ctx, n) {
    const x = ctx.get(ctx.input(n, 0), n);
    ctx.emit(Op.relu, [x.id], [prod(ctx.inputDims(n))], ctx.output(n), x.scale, n.name);
  },
};
