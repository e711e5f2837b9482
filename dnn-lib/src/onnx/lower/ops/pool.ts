/**
 * MaxPool, AveragePool (square 2-D kernel, equal strides, batch 1) → `maxpool`, `avgpool`; output
 * scale = input scale. Pads (explicit or `auto_pad`) are made explicit by `concat` blocks
 * (spatial.ts): −128 for MaxPool (below every value, so never the maximum), 0 for AveragePool
 * with `count_include_pad = 1` (AveragePool's default, excluding the pads from the count, is
 * refused when there are pads). MaxPool's `ceil_mode = 1` pads the end with −128 as far as the
 * last window needs. Dilations and the Indices output are refused.
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { padSpatial, spatialPads } from "../spatial.ts";
import { ofLength } from "../../tuple.ts";

export const pool: OpHandler = {
  lower(ctx: LowerContext, n: OnnxNode) {
    const dIn = ctx.inputDims(n);
    const kAttr = ctx.intsAttr(n, "kernel_shape") ?? [];
    const stAttr = ctx.intsAttr(n, "strides") ?? [1, 1];
    const isMax = n.opType === "MaxPool";
    const k = ofLength(kAttr, 2);
    if (!k || k[0] !== k[1]) ctx.unsupported(n, `kernel_shape must be square 2-D, is [${kAttr}]`);
    const st = ofLength(stAttr, 2);
    if (!st || st[0] !== st[1]) ctx.unsupported(n, `unequal strides [${stAttr}]`);
    if ((ctx.intsAttr(n, "dilations") ?? [1, 1]).some((d) => d !== 1)) ctx.unsupported(n, "dilations ≠ 1");
    if (n.outputs.length > 1 && n.outputs[1] !== "") ctx.unsupported(n, "the Indices output is not supported");
    if (isMax && ctx.intAttr(n, "storage_order", 0) !== 0) ctx.unsupported(n, "storage_order = 1");
    const shape = ofLength(dIn, 4);
    if (!shape || shape[0] !== 1) ctx.unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
    const [, C, H, W] = shape;
    const pads = spatialPads(ctx, n, [H, W], k, st);
    const ceil = ctx.intAttr(n, "ceil_mode", 0) === 1;
    if (ceil) {
      if (!isMax) ctx.unsupported(n, "ceil_mode = 1");
      // Extend the end pad of an axis of `size` so that floor division counts the last partial window.
      const extend = (size: number, begin: number, end: number): number => {
        const len = size + begin + end;
        const outCeil = Math.ceil((len - k[0]) / st[0]) + 1;
        // A window must start inside the input or its begin padding (the spec drops one that starts in the end pad).
        const last = (outCeil - 1) * st[0] < size + begin ? outCeil : outCeil - 1;
        return end + Math.max(0, (last - 1) * st[0] + k[0] - len);
      };
      pads[2] = extend(H, pads[0], pads[2]);
      pads[3] = extend(W, pads[1], pads[3]);
    }
    if (!isMax && pads.some((p) => p > 0) && ctx.intAttr(n, "count_include_pad", 0) !== 1)
      ctx.unsupported(n, "padding with count_include_pad = 0");
    const xName = ctx.input(n, 0);
    let x = ctx.get(xName, n);
    let [h, w] = [H, W];
    if (pads.some((p) => p > 0)) {
      const padded = padSpatial(ctx, n, xName, x, C, H, W, pads, isMax ? -128 : 0);
      [x, h, w] = [padded.ref, padded.H, padded.W];
    }
    if (h < k[0] || w < k[0]) ctx.unsupported(n, "the kernel is larger than the padded input");
    const op = isMax ? Op.maxpool : Op.avgpool;
    ctx.emit(op, [x.id], [C, h, w, k[0], st[0]], ctx.output(n), x.scale, n.name);
  },
};
