/**
 * MaxPool, AveragePool (square 2-D kernel, equal strides, no padding, `ceil_mode = 0`, batch 1)
 * → `maxpool`, `avgpool`: output scale = input scale.
 */
import { Op } from "../../../ops.ts";
import type { OpHandler } from "../OpHandler.ts";

export const pool: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const k = ctx.intsAttr(n, "kernel_shape") ?? [];
    const st = ctx.intsAttr(n, "strides") ?? [1, 1];
    if (k.length !== 2 || k[0] !== k[1]) ctx.unsupported(n, `kernel_shape must be square 2-D, is [${k}]`);
    if (st[0] !== st[1]) ctx.unsupported(n, `unequal strides [${st}]`);
    if ((ctx.intsAttr(n, "pads") ?? [0]).some((p) => p !== 0)) ctx.unsupported(n, "padding");
    if (ctx.intAttr(n, "ceil_mode", 0) !== 0) ctx.unsupported(n, "ceil_mode = 1");
    if (dIn.length !== 4 || dIn[0] !== 1) ctx.unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
    const x = ctx.get(n.inputs[0], n);
    const op = n.opType === "MaxPool" ? Op.maxpool : Op.avgpool;
    ctx.emit(op, [x.id], [dIn[1], dIn[2], dIn[3], k[0], st[0]], n.outputs[0], x.scale, n.name);
  },
};
