/** Slice (one axis, step 1, constant bounds) → `slice`: O = product of the leading dims, rows of dim · inner bytes. */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const slice: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const ints = (i: number) => {
      const t = n.inputs[i] ? ctx.inits.get(n.inputs[i]) : undefined;
      if (n.inputs[i] && !t) ctx.unsupported(n, `input ${i} must be a constant`);
      return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
    };
    const [starts, ends] = [ints(1)!, ints(2)!];
    const axes = ints(3) ?? starts.map((_, i) => i);
    const steps = ints(4) ?? starts.map(() => 1);
    if (starts.length !== 1 || steps[0] !== 1) ctx.unsupported(n, "only one sliced axis with step 1");
    const k = ctx.normAxis(n, axes[0], dIn.length);
    const dim = dIn[k];
    const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
    const [b, e] = [clamp(starts[0]), clamp(ends[0])];
    if (e <= b) ctx.unsupported(n, "empty slice");
    const inner = prod(dIn.slice(k + 1));
    const x = ctx.get(n.inputs[0], n);
    const params = [prod(dIn.slice(0, k)), dim * inner, b * inner, (e - b) * inner];
    ctx.emit(Op.slice, [x.id], params, n.outputs[0], x.scale, n.name);
  },
};
