/** Conv (2-D, `group = 1`, dilation 1, equal strides, equal pads, batch 1) → `conv2d`, weights per output channel. */
import { Op } from "../../../ops.ts";
import { emitWeighted } from "../emitWeighted.ts";
import type { OpHandler } from "../OpHandler.ts";

export const conv: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const W = ctx.floatInit(n.inputs[1], n);
    if (!W) ctx.unsupported(n, "weights must be a constant");
    const wd = ctx.inits.get(n.inputs[1])!.dims;
    const [OC, C, KH, KW] = wd;
    if (ctx.intAttr(n, "group", 1) !== 1) ctx.unsupported(n, "group ≠ 1");
    const ap = n.attributes["auto_pad"];
    if (ap && !(ap.type === "string" && ap.value === "NOTSET")) ctx.unsupported(n, "auto_pad");
    if ((ctx.intsAttr(n, "dilations") ?? [1, 1]).some((d) => d !== 1)) ctx.unsupported(n, "dilation ≠ 1");
    const st = ctx.intsAttr(n, "strides") ?? [1, 1];
    const pads = ctx.intsAttr(n, "pads") ?? [0, 0, 0, 0];
    if (st[0] !== st[1]) ctx.unsupported(n, `unequal strides [${st}]`);
    if (pads.some((p) => p !== pads[0])) ctx.unsupported(n, `asymmetric pads [${pads}]`);
    if (dIn.length !== 4 || dIn[0] !== 1 || dIn[1] !== C)
      ctx.unsupported(n, `input must be [1][${C}][H][W], is [${dIn}]`);
    const bias = n.inputs[2] ? ctx.floatInit(n.inputs[2], n) : undefined;
    emitWeighted(ctx, n, {
      op: Op.conv2d,
      x: n.inputs[0],
      weight: n.inputs[1],
      w: W!,
      wShape: wd,
      N: OC,
      K: C * KH * KW,
      bias,
      params: [C, dIn[2], dIn[3], OC, KH, KW, st[0], pads[0]],
      out: n.outputs[0],
      source: n.name,
    });
  },
};
