/**
 * Slice with constant bounds (both opset forms: inputs from opset 10, attributes before), any
 * axes and steps, negative ones included → `slice`, or `slice` + `strided` (+ reversals) (emitSlice.ts).
 */
import { sliceRanges } from "../../fold/evaluators.ts";
import { NotFoldable } from "../../fold/tensorMath.ts";
import type { OnnxNode } from "../../model.ts";
import { emitBox } from "../emitSlice.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";

export const slice: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const ints = (i: number) => {
      const name = ctx.optionalInput(n, i);
      const t = ctx.initOf(name);
      if (name && !t) ctx.unsupported(n, `input ${i} must be a constant`);
      return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
    };
    const form10 = ctx.opset >= 10;
    const [starts, ends] = form10 ? [ints(1), ints(2)] : [ctx.intsAttr(n, "starts"), ctx.intsAttr(n, "ends")];
    if (!starts || !ends)
      ctx.unsupported(n, form10 ? "starts and ends must be inputs (opset ≥ 10)" : "attributes starts and ends missing");
    const axes = (form10 ? ints(3) : ctx.intsAttr(n, "axes"))?.map((a) => ctx.normAxis(n, a, dIn.length));
    const steps = form10 ? ints(4) : undefined;
    let ranges;
    try {
      ranges = sliceRanges(dIn, starts, ends, axes, steps);
    } catch (e) {
      if (e instanceof NotFoldable) ctx.unsupported(n, e.message);
      throw e;
    }
    if (ranges.some((r) => r.count === 0)) ctx.unsupported(n, "empty slice");
    emitBox(ctx, n, ctx.get(ctx.input(n, 0), n), dIn, ranges, ctx.output(n));
  },
};
