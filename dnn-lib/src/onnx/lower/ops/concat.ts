/**
 * Concat (any axis) → chained `concat` nodes over [O][width] rows. Concat moves bytes, so its
 * inputs share the output's scale: `prepare` ties them to it and their producers requantize to
 * it; an input whose scale is tied otherwise (e.g. a Relu output) is rescaled by add(x, x, m, 0, s).
 */
import { Op } from "../../../ops.ts";
import { quantizeMultiplierPair } from "../../quantMath.ts";
import type { TensorRef } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const concat: OpHandler = {
  prepare(ctx, n) {
    for (const i of n.inputs) ctx.tieScale(i, ctx.actScale(ctx.output(n)));
  },
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const out = ctx.output(n);
    const axis = ctx.normAxis(n, ctx.intAttr(n, "axis", -1), dIn.length);
    const sOut = ctx.actScale(out);
    const O = prod(dIn.slice(0, axis));
    let acc: TensorRef | undefined;
    let width = 0;
    for (const [j, iname] of n.inputs.entries()) {
      let x = ctx.get(iname, n);
      if (Math.abs(x.scale / sOut - 1) > 1e-9) {
        // A producer with a tied scale: rescale with add(x, x, m, 0, s).
        const { mA, s } = quantizeMultiplierPair(x.scale / sOut, 0);
        const rname = `${iname}.rescaled`;
        ctx.setDims(rname, ctx.dimsOf(iname));
        ctx.emit(Op.add, [x.id, x.id], [prod(ctx.dimsOf(iname)), mA, 0, s], rname, sOut, n.name);
        x = ctx.lookup(rname)!;
      }
      const B = prod(ctx.dimsOf(iname)) / O;
      if (!acc) {
        acc = x;
        width = B;
        continue;
      }
      const last = j === n.inputs.length - 1;
      const name = last ? out : `${out}.part${j}`;
      if (!last) ctx.setDims(name, [O, width + B]);
      ctx.emit(Op.concat, [acc.id, x.id], [O, width, B], name, sOut, n.name);
      acc = ctx.lookup(name)!;
      width += B;
    }
    // One input: the output is that input (at the output's scale).
    if (n.inputs.length === 1 && acc) ctx.bind(out, acc);
  },
};
