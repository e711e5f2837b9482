/** Gather (axis 0) of rows of a constant 2-D table by int ids → `gather`: the table int8 per tensor. */
import { Op } from "../../../ops.ts";
import { maxAbs, quantizeI8, scaleOf } from "../../quantMath.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const gather: OpHandler = {
  lower(ctx, n) {
    if (ctx.intAttr(n, "axis", 0) !== 0) ctx.unsupported(n, "axis ≠ 0");
    const table = ctx.floatInit(n.inputs[0], n);
    if (!table) ctx.unsupported(n, "the table must be a constant");
    const td = ctx.inits.get(n.inputs[0])!.dims;
    if (td.length !== 2) ctx.unsupported(n, `table must be 2-D, is [${td}]`);
    const ids = ctx.get(n.inputs[1], n);
    if (ctx.tensors[ids.id].dtype !== "i32") ctx.unsupported(n, "indices must be an integer graph input");
    const s = scaleOf(maxAbs(table!));
    const t = ctx.constant(`${n.inputs[0]}.q`, quantizeI8(table!, s), td, s);
    ctx.emit(Op.gather, [t, ids.id], [td[0], td[1], prod(ctx.dimsOf(n.inputs[1]))], n.outputs[0], s, n.name);
  },
};
