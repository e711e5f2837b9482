/**
 * Reshape, Flatten, Squeeze, Unsqueeze, Identity: no node, row-major bytes are unchanged; the
 * output is bound to the input's tensor (an int16 residual tensor stays int16).
 */
import type { OpHandler } from "../OpHandler.ts";

export const alias: OpHandler = {
  lower(ctx, n) {
    const e = ctx.lookup(n.inputs[0]);
    ctx.bind(n.outputs[0], e?.i16 ? e : ctx.get(n.inputs[0], n));
  },
};
