/** Slice (one axis, step 1, constant bounds) → `slice`: O = product of the leading dims, rows of dim · inner bytes. */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { ofLength } from "../../tuple.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const slice: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const ints = (i: number) => {
      const name = ctx.optionalInput(n, i);
      const t = ctx.initOf(name);
      if (name && !t) ctx.unsupported(n, `input ${i} must be a constant`);
      return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
    };
    const [starts, ends] = [ints(1), ints(2)];
    if (!starts || !ends) ctx.unsupported(n, "starts and ends must be inputs (opset ≥ 10)");
    const axes = ints(3) ?? starts.map((_, i) => i);
    const steps = ints(4) ?? starts.map(() => 1);
    const [s1, e1, a1] = [ofLength(starts, 1), ofLength(ends, 1), ofLength(axes, 1)];
    if (!s1 || !e1 || !a1 || steps[0] !== 1) ctx.unsupported(n, "only one sliced axis with step 1");
    const k = ctx.normAxis(n, a1[0], dIn.length);
    const dim = dIn[k]!; // normAxis: k < rank
    const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
    const [b, e] = [clamp(s1[0]), clamp(e1[0])];
    if (e <= b) ctx.unsupported(n, "empty slice");
    const inner = prod(dIn.slice(k + 1));
    const x = ctx.get(ctx.input(n, 0), n);
    const params = [prod(dIn.slice(0, k)), dim * inner, b * inner, (e - b) * inner];
    ctx.emit(Op.slice, [x.id], params, ctx.output(n), x.scale, n.name);
  },
};
