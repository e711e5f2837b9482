/**
 * What Conv and the pools share: the explicit begin/end pads of each spatial axis (from `pads` or
 * `auto_pad`), and padding an activation [1][C][H][W] by `concat` with constant blocks (0 for a
 * convolution, −128 for a max pool), so the kernels — which pad symmetrically or not at all —
 * see an input padded exactly as ONNX asks.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import type { LowerContext, TensorRef } from "./LowerContext.ts";
import { ofLength } from "../tuple.ts";

/** Two spatial extents: [height, width]. */
export type Pair = readonly [number, number];
/** Pads of the two spatial axes: [top, left, bottom, right]. */
export type Pads = [number, number, number, number];

/** [top, left, bottom, right] pads of a 2-D window op with kernel extent k (dilated), strides s, input [H, W]. */
export function spatialPads(ctx: LowerContext, n: OnnxNode, hw: Pair, k: Pair, s: Pair): Pads {
  const ap = n.attributes["auto_pad"];
  const mode = ap ? (ap.type === "string" ? ap.value : ctx.unsupported(n, "auto_pad is not a string")) : "NOTSET";
  if (mode === "NOTSET") {
    const p = ctx.intsAttr(n, "pads") ?? [0, 0, 0, 0];
    const pads = ofLength(p, 4);
    if (!pads || p.some((v) => v < 0)) ctx.unsupported(n, `pads [${p}]`);
    return [...pads];
  }
  if (mode === "VALID") return [0, 0, 0, 0];
  if (mode !== "SAME_UPPER" && mode !== "SAME_LOWER") ctx.unsupported(n, `auto_pad ${mode}`);
  // [begin, end] of axis a: the total padding, split with the odd one at the end (SAME_UPPER) or the beginning.
  const same = (a: 0 | 1): Pair => {
    const out = Math.ceil(hw[a] / s[a]);
    const total = Math.max((out - 1) * s[a] + k[a] - hw[a], 0);
    const lo = mode === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
    return [lo, total - lo];
  };
  const [top, bottom] = same(0);
  const [left, right] = same(1);
  return [top, left, bottom, right];
}

/** x [1][C][H][W] padded by [top, left, bottom, right] elements of `value`, through `concat` nodes. */
export function padSpatial(
  ctx: LowerContext,
  n: OnnxNode,
  xName: string,
  x: TensorRef,
  C: number,
  H: number,
  W: number,
  pads: Pads,
  value: number,
): { ref: TensorRef; H: number; W: number } {
  const [t, l, b, r] = pads;
  let cur = x;
  let step = 0;
  const join = (O: number, A: number, B: number, first: boolean, dims: number[]) => {
    const blockLen = O * (first ? A : B);
    const block = ctx.constant(`${xName}.pad${step}`, new Int8Array(blockLen).fill(value), [blockLen]);
    const name = `${xName}.padded${step++}`;
    ctx.setDims(name, dims);
    const ins = first ? [block, cur.id] : [cur.id, block];
    ctx.emit(Op.concat, ins, [O, A, B], name, x.scale, n.name);
    cur = ctx.lookup(name)!;
  };
  let w = W;
  if (l > 0) join(C * H, l, w, true, [1, C, H, (w += l)]);
  if (r > 0) join(C * H, w, r, false, [1, C, H, (w += r)]);
  let h = H;
  if (t > 0) join(C, t * w, h * w, true, [1, C, (h += t), w]);
  if (b > 0) join(C, h * w, b * w, false, [1, C, (h += b), w]);
  return { ref: cur, H: h, W: w };
}
