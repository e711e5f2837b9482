/** Neg → `lut` of −x at the input's scale (−128 ↦ 127, the one value int8 cannot negate). */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

/** The name of −x (a `lut` node made once per tensor); a float constant is negated at import time. */
export function negate(ctx: LowerContext, n: OnnxNode, x: string): string {
  const name = `${x}.neg`;
  if (ctx.has(name) || ctx.inits.has(name)) return name;
  const xq = ctx.get(x, n);
  const table = Int8Array.from({ length: 256 }, (_, i) => Math.min(127, -(i - 128)));
  const t = ctx.constant(`${name}.lut`, table, [256]);
  ctx.setDims(name, ctx.dimsOf(x));
  ctx.emit(Op.lut, [xq.id, t], [prod(ctx.dimsOf(x))], name, xq.scale, n.name);
  return name;
}

export const neg: OpHandler = {
  lower(ctx, n) {
    ctx.bind(ctx.output(n), ctx.get(negate(ctx, n, ctx.input(n, 0)), n));
  },
};
