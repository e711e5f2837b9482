/** Gather (axis 0) of rows of a constant 2-D table by int ids → `gather`: the table int8 per tensor. */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { maxAbs, quantizeI8, scaleOf } from "../../quantMath.ts";
import { ofLength } from "../../tuple.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const gather: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    if (ctx.intAttr(n, "axis", 0) !== 0) ctx.unsupported(n, "axis ≠ 0");
    const tName = ctx.input(n, 0);
    const table = ctx.floatInit(tName, n);
    const td = ctx.initOf(tName)?.dims;
    if (!table || !td) ctx.unsupported(n, "the table must be a constant");
    const rows = ofLength(td, 2);
    if (!rows) ctx.unsupported(n, `table must be 2-D, is [${td}]`);
    const idName = ctx.input(n, 1);
    const ids = ctx.get(idName, n);
    if (ctx.tensor(ids.id).dtype !== "i32") ctx.unsupported(n, "indices must be an integer graph input");
    const s = scaleOf(maxAbs(table));
    const t = ctx.constant(`${tName}.q`, quantizeI8(table, s), td, s);
    ctx.emit(Op.gather, [t, ids.id], [rows[0], rows[1], prod(ctx.dimsOf(idName))], ctx.output(n), s, n.name);
  },
};
