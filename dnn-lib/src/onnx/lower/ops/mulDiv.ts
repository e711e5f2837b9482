/**
 * Mul, Div. By a positive scalar constant: no node, the tensor keeps its bytes and its scale is
 * multiplied / divided. Otherwise `mul` with numpy broadcasting (broadcastOperand.ts; a Div's
 * constant divisor becomes its reciprocals): m/2^s = s_a·s_b/s_out. Div by zero or by a tensor is refused.
 */
import { Op } from "../../../ops.ts";
import { quantizeMultiplier } from "../../quantMath.ts";
import { broadcastOperand } from "../broadcastOperand.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const mulDiv: OpHandler = {
  lower(ctx, n) {
    const out = ctx.output(n);
    const [an, bn] = [ctx.input(n, 0), ctx.input(n, 1)];
    const isMul = n.opType === "Mul";
    const c = ctx.scalarConst(bn) ?? (isMul ? ctx.scalarConst(an) : undefined);
    if (c !== undefined && c > 0) {
      // Scaling by a positive constant only relabels the scale.
      const x = ctx.get(c === ctx.scalarConst(bn) ? an : bn, n);
      ctx.bind(out, { id: x.id, scale: isMul ? x.scale * c : x.scale / c });
      return;
    }
    if (!isMul && (c === undefined || c === 0))
      ctx.unsupported(n, c === 0 ? "division by zero" : "division by a tensor");
    const dOut = ctx.dimsOf(out);
    const a = broadcastOperand(ctx, n, an, dOut, false);
    const b = broadcastOperand(ctx, n, bn, dOut, !isMul);
    const sOut = ctx.actScale(out);
    const { m, s } = quantizeMultiplier((a.scale * b.scale) / sOut, n.name);
    ctx.emit(Op.mul, [a.id, b.id], [prod(dOut), m, s], out, sOut, n.name);
  },
};
