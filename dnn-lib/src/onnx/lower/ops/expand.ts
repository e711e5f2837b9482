/**
 * Expand of an activation to a constant shape (numpy broadcasting, after folding) → one `strided`
 * view with stride 0 on the repeated axes (broadcastOperand.ts); no node when nothing repeats.
 */
import type { OpHandler } from "../OpHandler.ts";
import { broadcastOperand } from "../broadcastOperand.ts";

export const expand: OpHandler = {
  lower(ctx, n) {
    if (!ctx.inits.has(n.inputs[1])) ctx.unsupported(n, "the shape must be a constant");
    ctx.bind(n.outputs[0], broadcastOperand(ctx, n, n.inputs[0], ctx.dimsOf(n.outputs[0]), false));
  },
};
