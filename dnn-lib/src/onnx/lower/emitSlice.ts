/**
 * Slices of an activation, shared by Slice and Split. One axis with step 1 is one `slice` node
 * (rows of `dim · inner` bytes); any other box (several axes, steps > 1) is a `slice` cutting the
 * elements before its first one, then one `strided` view (steps as strides); each axis with a
 * negative step is then reversed by `slice`s of its elements joined by `concat`s (one per element,
 * at most MAX_REVERSED). All move bytes: the output keeps the input's scale.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { boxView, isIdentityView } from "../stridedView.ts";
import type { LowerContext, TensorRef } from "./LowerContext.ts";
import { prod } from "./prod.ts";

/** Elements `start + i·step` (i < count) of one axis. */
export interface AxisRange {
  start: number;
  count: number;
  step: number;
}

/** The longest axis a negative step may reverse (each element is a `slice` and a `concat`). */
export const MAX_REVERSED = 256;

/** out = x[.., b : b + len, ..] on axis k of x's dims `dIn`: one `slice` node. */
export function emitAxisSlice(
  ctx: LowerContext,
  x: TensorRef,
  dIn: readonly number[],
  k: number,
  b: number,
  len: number,
  out: string,
  source: string,
): void {
  const inner = prod(dIn.slice(k + 1));
  const params = [prod(dIn.slice(0, k)), dIn[k]! * inner, b * inner, len * inner];
  ctx.setDims(out, [...dIn.slice(0, k), len, ...dIn.slice(k + 1)]);
  ctx.emit(Op.slice, [x.id], params, out, x.scale, source);
}

/** out = the box `ranges` (one per axis of `dIn`, none empty) of node n's input x. */
export function emitBox(
  ctx: LowerContext,
  n: OnnxNode,
  x: TensorRef,
  dIn: readonly number[],
  ranges: readonly AxisRange[],
  out: string,
): void {
  const dOut = ranges.map((r) => r.count);
  const cut = ranges.flatMap((r, k) => (r.count === dIn[k] && Math.abs(r.step) === 1 ? [] : [k]));
  const reversed = ranges.flatMap((r, k) => (r.step < 0 && r.count > 1 ? [k] : []));
  for (const k of reversed)
    if (dOut[k]! > MAX_REVERSED)
      ctx.unsupported(n, `a negative step over ${dOut[k]} elements of axis ${k} (at most ${MAX_REVERSED})`);
  const viewName = reversed.length ? `${out}.box` : out;
  const only = cut.length === 1 ? cut[0]! : -1;
  if (cut.length === 0) ctx.bind(viewName, x);
  else if (only >= 0 && Math.abs(ranges[only]!.step) === 1)
    emitAxisSlice(ctx, x, dIn, only, lowest(ranges[only]!), dOut[only]!, viewName, n.name);
  else emitView(ctx, n, x, dIn, ranges, viewName);
  let acc = viewName;
  for (const [j, k] of reversed.entries()) {
    const name = j === reversed.length - 1 ? out : `${out}.rev${k}`;
    emitReverse(ctx, ctx.lookup(acc)!, dOut, k, name, n.name);
    acc = name;
  }
}

/** The lowest index of a range (its first when the step is positive, its last when negative). */
function lowest(r: AxisRange): number {
  return r.step > 0 ? r.start : r.start + (r.count - 1) * r.step;
}

/** The box with every step taken positive, as `slice` (the elements before its first) + `strided`. */
function emitView(
  ctx: LowerContext,
  n: OnnxNode,
  x: TensorRef,
  dIn: readonly number[],
  ranges: readonly AxisRange[],
  out: string,
): void {
  const up = ranges.map((r) => ({ start: lowest(r), count: r.count, step: Math.abs(r.step) }));
  const { offset, view } = boxView(dIn, up);
  if (!view) ctx.unsupported(n, `the slice leaves more than 4 strided axes after merging`);
  let src = x;
  if (offset > 0) {
    const total = prod(dIn);
    const rest = `${out}.from${offset}`;
    ctx.setDims(rest, [total - offset]);
    ctx.emit(Op.slice, [x.id], [1, total, offset, total - offset], rest, x.scale, n.name);
    src = ctx.lookup(rest)!;
  }
  ctx.setDims(
    out,
    ranges.map((r) => r.count),
  );
  if (isIdentityView(view) && prod(view.d) === view.n) ctx.bind(out, src);
  else ctx.emit(Op.strided, [src.id], [...view.d, ...view.st, 1, view.n], out, x.scale, n.name);
}

/** out = x (dims `d`) reversed on axis k: each element's `slice`, joined by chained `concat`s. */
function emitReverse(ctx: LowerContext, x: TensorRef, d: readonly number[], k: number, out: string, source: string) {
  const c = d[k]!;
  const O = prod(d.slice(0, k));
  const inner = prod(d.slice(k + 1));
  let acc: TensorRef | undefined;
  for (let j = 0; j < c; j++) {
    const part = `${out}.el${c - 1 - j}`;
    ctx.setDims(part, [O, inner]);
    ctx.emit(Op.slice, [x.id], [O, c * inner, (c - 1 - j) * inner, inner], part, x.scale, source);
    const el = ctx.lookup(part)!;
    if (!acc) {
      acc = el;
      continue;
    }
    const name = j === c - 1 ? out : `${out}.upto${j}`;
    ctx.setDims(name, j === c - 1 ? [...d] : [O, (j + 1) * inner]);
    ctx.emit(Op.concat, [acc.id, el.id], [O, j * inner, inner], name, x.scale, source);
    acc = ctx.lookup(name)!;
  }
}
