/**
 * Add with numpy broadcasting (broadcastOperand.ts) → `add`: mA/2^s = s_a/s_out, mB/2^s = s_b/s_out,
 * one shift. With `int16Residual`, the Adds of two same-shape activations are fusions/residual16.ts.
 */
import { Op } from "../../../ops.ts";
import { quantizeMultiplierPair } from "../../quantMath.ts";
import { broadcastOperand } from "../broadcastOperand.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const add: OpHandler = {
  lower(ctx, n) {
    const out = ctx.output(n);
    const dOut = ctx.dimsOf(out);
    const a = broadcastOperand(ctx, n, ctx.input(n, 0), dOut, false);
    const b = broadcastOperand(ctx, n, ctx.input(n, 1), dOut, false);
    const sOut = ctx.actScale(out);
    const { mA, mB, s } = quantizeMultiplierPair(a.scale / sOut, b.scale / sOut);
    ctx.emit(Op.add, [a.id, b.id], [prod(dOut), mA, mB, s], out, sOut, n.name);
  },
};
