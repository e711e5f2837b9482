/** A `lut` node: a float function of x as a 256-entry table for x's scale and the output's calibrated one (§4). */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { lutTable } from "../quantMath.ts";
import { prod } from "./prod.ts";
import type { LowerContext } from "./LowerContext.ts";

/** `count`: the number of elements (default: x's calibrated size, read after the table is made). */
export function emitLut(
  ctx: LowerContext,
  n: OnnxNode,
  x: string,
  out: string,
  fn: (r: number) => number,
  source: string,
  count?: number,
): void {
  const xq = ctx.get(x, n);
  const sOut = ctx.actScale(out);
  const t = ctx.constant(`${out}.lut`, lutTable(fn, xq.scale, sOut), [256]);
  ctx.emit(Op.lut, [xq.id, t], [count ?? prod(ctx.dimsOf(x))], out, sOut, source);
}
