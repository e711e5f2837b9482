/**
 * Softmax → `softmax` over rows: exp table for the input scale; output scale 1/127. From opset 13
 * one `axis`: the last is plain rows, another is moved last by a `strided` view and back after.
 * Before opset 13 the input is a 2-D [d0·…·d(axis−1)][d(axis)·…] matrix (the spec's coercion):
 * rows of the trailing block, no view.
 */
import { Op } from "../../../ops.ts";
import { expTable } from "../../quantMath.ts";
import { transposeView } from "../../stridedView.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const softmax: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const out = ctx.output(n);
    const rank = dIn.length;
    const legacy = ctx.opset < 13;
    const axis = ctx.normAxis(n, ctx.intAttr(n, "axis", legacy ? 1 : -1), rank);
    if (legacy || axis === rank - 1) {
      const x = ctx.get(ctx.input(n, 0), n);
      const e = ctx.constant(`${out}.exp`, expTable(x.scale), [256]);
      const L = prod(dIn.slice(axis));
      ctx.emit(Op.softmax, [x.id, e], [prod(dIn) / L, L], out, 1 / 127, n.name);
      return;
    }
    // Move the axis last, softmax the rows, move it back.
    const L = dIn[axis]!; // normAxis: axis < rank
    const perm = [...dIn.keys()].filter((k) => k !== axis).concat(axis);
    const moved = [...dIn.filter((_, k) => k !== axis), L];
    const inv = perm.map((_, k) => perm.indexOf(k));
    const there = transposeView(dIn, perm);
    const back = transposeView(moved, inv);
    if (!there || !back) ctx.unsupported(n, `moving axis ${axis} of [${dIn}] last leaves more than 4 axes`);
    const x = ctx.get(ctx.input(n, 0), n);
    const a = `${out}.moved`;
    ctx.setDims(a, moved);
    ctx.emit(Op.strided, [x.id], [...there!.d, ...there!.st, 1, there!.n], a, x.scale, n.name);
    const e = ctx.constant(`${out}.exp`, expTable(x.scale), [256]);
    const b = `${out}.rows`;
    ctx.setDims(b, moved);
    ctx.emit(Op.softmax, [ctx.lookup(a)!.id, e], [prod(dIn) / L, L], b, 1 / 127, n.name);
    ctx.emit(Op.strided, [ctx.lookup(b)!.id], [...back!.d, ...back!.st, 1, back!.n], out, 1 / 127, n.name);
  },
};
