/**
 * Reshape, Flatten, Squeeze, Unsqueeze, Identity: no node, row-major bytes are unchanged; the
 * output is bound to the input's tensor (an int16 residual tensor stays int16).
 */
import type { OpHandler } from "../OpHandler.ts";

export const alias: OpHandler = {
  lower(ctx, n) {
    const x = ctx.input(n, 0);
    const e = ctx.lookup(x);
    ctx.bind(ctx.output(n), e?.i16 ? e : ctx.get(x, n));
  },
};
