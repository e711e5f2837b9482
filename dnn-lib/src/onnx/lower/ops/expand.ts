/**
 * Expand of an activation to a constant shape (numpy broadcasting, after folding) → one `strided`
 * view with stride 0 on the repeated axes (broadcastOperand.ts); no node when nothing repeats.
 */
import type { OpHandler } from "../OpHandler.ts";
import { broadcastOperand } from "../broadcastOperand.ts";

export const expand: OpHandler = {
  lower(ctx, n) {
    if (!ctx.inits.has(ctx.input(n, 1))) ctx.unsupported(n, "the shape must be a constant");
    const out = ctx.output(n);
    ctx.bind(out, broadcastOperand(ctx, n, ctx.input(n, 0), ctx.dimsOf(out), false));
  },
};
