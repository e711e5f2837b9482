/**
 * ReduceMean, ReduceSum over any set of axes (`axes` attribute, or ReduceSum's second input from
 * opset 13; all axes when none are given; `keepdims` either way) → the reduced axes moved last by
 * one `strided` view when they are not already the trailing ones (refused when the permutation
 * leaves more than 4 axes), then a `matmul` of the [R][K] rows by constant weights (mean.ts).
 * `noop_with_empty_axes` = 1 is refused.
 */
import { Op } from "../../../ops.ts";
import { isIdentityView, transposeView } from "../../stridedView.ts";
import { emitMean } from "../mean.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const reduce: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const r = dIn.length;
    if (ctx.intAttr(n, "noop_with_empty_axes", 0) !== 0) ctx.unsupported(n, "noop_with_empty_axes = 1");
    let axes = ctx.intsAttr(n, "axes");
    const axesInput = ctx.optionalInput(n, 1);
    if (axesInput) {
      const t = ctx.inits.get(axesInput);
      if (!t) ctx.unsupported(n, "axes must be a constant");
      axes = Array.from(t!.data as ArrayLike<number | bigint>, Number);
    }
    const red = [
      ...new Set((axes && axes.length > 0 ? axes : dIn.map((_, k) => k)).map((a) => ctx.normAxis(n, a, r))),
    ].sort((a, b) => a - b);
    const kept = dIn.map((_, k) => k).filter((k) => !red.includes(k));
    const perm = [...kept, ...red];
    // red and kept are axes of dIn (normAxis).
    const K = prod(red.map((k) => dIn[k]!));
    const R = prod(kept.map((k) => dIn[k]!));
    const out = ctx.output(n);
    let x = ctx.input(n, 0);
    if (perm.some((p, i) => p !== i)) {
      const view = transposeView(dIn, perm);
      if (!view) ctx.unsupported(n, `moving axes [${red}] of [${dIn}] last leaves more than 4 axes`);
      if (!isIdentityView(view!)) {
        const xq = ctx.get(x, n);
        const name = `${out}.moved`;
        ctx.setDims(name, [R, K]);
        ctx.emit(Op.strided, [xq.id], [...view!.d, ...view!.st, 1, view!.n], name, xq.scale, n.name);
        x = name;
      }
    }
    emitMean(ctx, n, x, R, K, out, n.opType === "ReduceSum");
  },
};
