/**
 * An operand of an elementwise node (Add, Mul, Div) at the output's shape, by numpy broadcasting:
 * a float constant is expanded at import time and quantized per tensor (its reciprocals, for a
 * divisor); an activation of another shape is read through one `strided` view (stride 0 on the
 * repeated axes), made once per name and shape.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { maxAbs, quantizeI8, scaleOf } from "../quantMath.ts";
import { broadcastFloat, broadcastView } from "../stridedView.ts";
import { prod } from "./prod.ts";
import type { LowerContext, TensorRef } from "./LowerContext.ts";

export function broadcastOperand(
  ctx: LowerContext,
  n: OnnxNode,
  name: string,
  dOut: number[],
  recip: boolean,
): TensorRef {
  const t = ctx.inits.get(name);
  const dName = ctx.dimsOf(name);
  if (!recip && dName.join() === dOut.join()) return ctx.get(name, n);
  if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) {
    const data = broadcastFloat(recip ? Float64Array.from(t.data, (v) => 1 / v) : t.data, t.dims, dOut);
    if (!data) ctx.unsupported(n, `[${t.dims}] does not broadcast to [${dOut}]`);
    const s = scaleOf(maxAbs(data));
    return { id: ctx.constant(`${name}→[${dOut}]`, quantizeI8(data, s), dOut, s), scale: s };
  }
  const x = ctx.get(name, n);
  if (prod(dName) === prod(dOut)) return x;
  const view = broadcastView(dName, dOut);
  if (view === undefined) ctx.unsupported(n, `[${dName}] does not broadcast to [${dOut}]`);
  if (view === null) ctx.unsupported(n, `broadcasting [${dName}] to [${dOut}] leaves more than 4 axes`);
  const bname = `${name}→[${dOut}]`;
  if (!ctx.has(bname)) {
    ctx.setDims(bname, dOut);
    ctx.emit(Op.strided, [x.id], [...view.d, ...view.st, 1, view.n], bname, x.scale, n.name);
  }
  return ctx.lookup(bname)!;
}
