/** Softmax (last axis) → `softmax`: exp table for the input scale; output scale 1/127. */
import { Op } from "../../../ops.ts";
import { expTable } from "../../quantMath.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const softmax: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const out = n.outputs[0];
    ctx.lastAxis(n, ctx.intAttr(n, "axis", -1), dIn.length);
    const x = ctx.get(n.inputs[0], n);
    const e = ctx.constant(`${out}.exp`, expTable(x.scale), [256]);
    const L = dIn[dIn.length - 1];
    ctx.emit(Op.softmax, [x.id, e], [prod(dIn) / L, L], out, 1 / 127, n.name);
  },
};
