/**
 * Split (any axis; sizes from the `split` input (opset 13+) or attribute (before), or equal parts:
 * `num_outputs` from opset 18, else the number of outputs, the last part smaller when the axis does
 * not divide) → one `slice` per output (emitSlice.ts), each at the input's scale.
 */
import type { OnnxNode } from "../../model.ts";
import { emitAxisSlice } from "../emitSlice.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";

export const split: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const k = ctx.normAxis(n, ctx.intAttr(n, "axis", 0), dIn.length);
    const dim = dIn[k]!; // normAxis: k < rank
    const outs = n.outputs.length;
    let sizes: number[];
    const splitName = ctx.opset >= 13 ? ctx.optionalInput(n, 1) : undefined;
    if (splitName) {
      const t = ctx.initOf(splitName);
      if (!t) ctx.unsupported(n, "input split must be a constant");
      sizes = Array.from(t.data as ArrayLike<number | bigint>, Number);
    } else if (ctx.opset < 13 && ctx.intsAttr(n, "split")) {
      sizes = ctx.intsAttr(n, "split")!;
    } else {
      const parts = ctx.opset >= 18 ? ctx.intAttr(n, "num_outputs", outs) : outs;
      if (parts !== outs) ctx.unsupported(n, `attribute num_outputs = ${parts} for ${outs} outputs`);
      const size = Math.ceil(dim / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, dim - i * size)));
    }
    if (sizes.length !== outs) ctx.unsupported(n, `attribute split has ${sizes.length} sizes for ${outs} outputs`);
    if (sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((s) => s < 0))
      ctx.unsupported(n, `split sizes [${sizes}] do not add up to axis ${k}'s ${dim}`);
    if (sizes.some((s) => s === 0)) ctx.unsupported(n, `split sizes [${sizes}]: an empty output`);
    const x = ctx.get(ctx.input(n, 0), n);
    let b = 0;
    for (const [i, len] of sizes.entries()) {
      const out = n.outputs[i];
      if (out) emitAxisSlice(ctx, x, dIn, k, b, len, out, n.name);
      b += len;
    }
  },
};
