/**
 * MaxPool, AveragePool (square 2-D kernel, equal strides, batch 1) → `maxpool`, `avgpool`; output
 * scale = input scale. Pads (explicit or `auto_pad`) are made explicit by `concat` blocks
 * (spatial.ts): −128 for MaxPool (below every value, so never the maximum), 0 for AveragePool
 * with `count_include_pad = 1` (AveragePool's default, excluding the pads from the count, is
 * refused when there are pads). MaxPool's `ceil_mode = 1` pads the end with −128 as far as the
 * last window needs. Dilations and the Indices output are refused.
 */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";
import { padSpatial, spatialPads } from "../spatial.ts";

export const pool: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const k = ctx.intsAttr(n, "kernel_shape") ?? [];
    const st = ctx.intsAttr(n, "strides") ?? [1, 1];
    const isMax = n.opType === "MaxPool";
    if (k.length !== 2 || k[0] !== k[1]) ctx.unsupported(n, `kernel_shape must be square 2-D, is [${k}]`);
    if (st[0] !== st[1]) ctx.unsupported(n, `unequal strides [${st}]`);
    if ((ctx.intsAttr(n, "dilations") ?? [1, 1]).some((d) => d !== 1)) ctx.unsupported(n, "dilations ≠ 1");
    if (n.outputs.length > 1 && n.outputs[1] !== "") ctx.unsupported(n, "the Indices output is not supported");
    if (isMax && ctx.intAttr(n, "storage_order", 0) !== 0) ctx.unsupported(n, "storage_order = 1");
    if (dIn.length !== 4 || dIn[0] !== 1) ctx.unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
    const [C, H, W] = [dIn[1], dIn[2], dIn[3]];
    const pads = spatialPads(ctx, n, [H, W], k, st);
    const ceil = ctx.intAttr(n, "ceil_mode", 0) === 1;
    if (ceil) {
      if (!isMax) ctx.unsupported(n, "ceil_mode = 1");
      // Extend the end pads so that floor division counts the last partial window.
      for (const a of [0, 1]) {
        const len = [H, W][a] + pads[a] + pads[a + 2];
        const outCeil = Math.ceil((len - k[0]) / st[0]) + 1;
        // A window must start inside the input or its begin padding (the spec drops one that starts in the end pad).
        const last = (outCeil - 1) * st[0] < [H, W][a] + pads[a] ? outCeil : outCeil - 1;
        pads[a + 2] += Math.max(0, (last - 1) * st[0] + k[0] - len);
      }
    }
    if (!isMax && pads.some((p) => p > 0) && ctx.intAttr(n, "count_include_pad", 0) !== 1)
      ctx.unsupported(n, "padding with count_include_pad = 0");
    let x = ctx.get(n.inputs[0], n);
    let [h, w] = [H, W];
    if (pads.some((p) => p > 0)) {
      const padded = padSpatial(ctx, n, n.inputs[0], x, C, H, W, pads, isMax ? -128 : 0);
      [x, h, w] = [padded.ref, padded.H, padded.W];
    }
    if (h < k[0] || w < k[0]) ctx.unsupported(n, "the kernel is larger than the padded input");
    const op = isMax ? Op.maxpool : Op.avgpool;
    ctx.emit(op, [x.id], [C, h, w, k[0], st[0]], n.outputs[0], x.scale, n.name);
  },
};
