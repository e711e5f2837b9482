/**
 * Rotary position embedding written out in the "rotate half" form (what PyTorch exports for
 * LLaMA/GPT-NeoX style models):
 *
 *   x1 = Slice(x, 0 : Dh/2), x2 = Slice(x, Dh/2 : Dh)      (last axis)
 *   y  = Add(Mul(x, cos), Mul(Concat(Neg(x2), x1), sin))
 *
 * with constant cos/sin tables of shape [T][Dh] (leading unit axes allowed) whose two halves are
 * equal (the frequencies duplicated, `cat(freqs, freqs)`), becomes one `rotary` node: x[..][T][Dh]
 * runs as H·T rows of one head (H = the product of the leading dims), the Q14 tables repeated per
 * head, pos0 = 0, output scale = input scale. Keyed by the final Add. A match whose tables do not
 * repeat across the halves is refused (another pairing convention), not lowered piecewise.
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { OnnxUnsupportedError } from "../../errors.ts";
import { roundHalfAway } from "../../quantMath.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";
import { prod } from "../prod.ts";

interface Rotary {
  x: string;
  out: string;
  /** cos / sin of each position and pair, [T][Dh/2], as float. */
  cos: Float64Array;
  sin: Float64Array;
  T: number;
  Dh: number;
  /** Indices of the ONNX nodes the pattern covers. */
  nodes: number[];
}

/** Constant int list of a Slice operand (starts, ends, axes, steps). */
function ints(ctx: LowerContext, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const t = ctx.inits.get(name);
  return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
}

/** [start, end) of a Slice on the last axis of its input (step 1), or undefined. */
function lastAxisSlice(ctx: LowerContext, n: OnnxNode): { x: string; b: number; e: number } | undefined {
  const x = n.inputs[0];
  if (n.opType !== "Slice" || x === undefined) return undefined;
  const d = ctx.dimsOf(x);
  const [starts, ends] = [ints(ctx, n.inputs[1]), ints(ctx, n.inputs[2])];
  const [axis] = ints(ctx, n.inputs[3]) ?? [0];
  const steps = ints(ctx, n.inputs[4]) ?? [1];
  const start = starts?.length === 1 ? starts[0] : undefined;
  const end = ends?.[0];
  const rank = d.length;
  const dim = d[rank - 1];
  if (start === undefined || end === undefined || axis === undefined || dim === undefined || steps[0] !== 1)
    return undefined;
  if ((axis < 0 ? axis + rank : axis) !== rank - 1) return undefined;
  const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
  return { x, b: clamp(start), e: clamp(end) };
}

/** The [T][Dh] table of a constant whose non-unit axes are the last two of x's (T·Dh values), else undefined. */
function table(ctx: LowerContext, name: string | undefined, T: number, Dh: number): Float64Array | undefined {
  const t = ctx.initOf(name);
  if (!t || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) return undefined;
  const d = t.dims;
  if (d.length < 2 || d[d.length - 2] !== T || d[d.length - 1] !== Dh || d.slice(0, -2).some((v) => v !== 1))
    return undefined;
  return Float64Array.from(t.data);
}

export const rotary: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const node = (name: string | undefined) => {
    const i = ctx.producerOf(name);
    return i === undefined ? undefined : { i, n: ctx.node(i) };
  };
  ctx.graph.nodes.forEach((cat, ci) => {
    if (cat.opType !== "Concat" || cat.inputs.length !== 2) return;
    const neg = node(cat.inputs[0]);
    const s1 = node(cat.inputs[1]);
    if (!neg || neg.n.opType !== "Neg" || !s1) return;
    const s2 = node(neg.n.inputs[0]);
    const a = lastAxisSlice(ctx, s1.n);
    const b = s2 && lastAxisSlice(ctx, s2.n);
    if (!s2 || !a || !b || a.x !== b.x) return;
    const x = a.x;
    const [T, Dh] = ctx.dimsOf(x).slice(-2);
    if (T === undefined || Dh === undefined) return;
    const half = Dh / 2;
    if (Dh % 2 !== 0 || a.b !== 0 || a.e !== half || b.b !== half || b.e !== Dh) return;
    // Mul(rotated, sin) and Mul(x, cos), both feeding one Add.
    const rotated = cat.outputs[0];
    const mi = ctx.soleConsumer(rotated);
    if (mi === undefined || ctx.node(mi).opType !== "Mul") return;
    const mulS = ctx.node(mi);
    const ai = ctx.soleConsumer(mulS.outputs[0]);
    if (ai === undefined || ctx.node(ai).opType !== "Add") return;
    const add = ctx.node(ai);
    const out = add.outputs[0];
    const other = add.inputs.find((o) => o !== mulS.outputs[0]);
    const mc = node(other);
    if (!mc || mc.n.opType !== "Mul" || !mc.n.inputs.includes(x) || ctx.soleConsumer(other) !== ai) return;
    const sinFull = table(
      ctx,
      mulS.inputs.find((o) => o !== rotated),
      T,
      Dh,
    );
    const cosFull = table(
      ctx,
      mc.n.inputs.find((o) => o !== x),
      T,
      Dh,
    );
    if (!sinFull || !cosFull || out === undefined) return;
    const cos = new Float64Array(T * half);
    const sin = new Float64Array(T * half);
    // Both tables hold T·Dh values.
    for (let t = 0; t < T; t++)
      for (let i = 0; i < half; i++) {
        const [c1, c2] = [cosFull[t * Dh + i]!, cosFull[t * Dh + i + half]!];
        const [s1v, s2v] = [sinFull[t * Dh + i]!, sinFull[t * Dh + i + half]!];
        if (Math.abs(c1 - c2) > 1e-6 || Math.abs(s1v - s2v) > 1e-6)
          throw new OnnxUnsupportedError(
            "RotaryEmbedding",
            `rotary embedding at ONNX ${add.opType} (node ${add.name}): the cos/sin tables differ between the two halves`,
            {
              details: `position ${t}, pair ${i}: cos ${c1} vs ${c2}, sin ${s1v} vs ${s2v}; only the rotate-half form with duplicated frequencies (cat(freqs, freqs)) is supported`,
            },
          );
        cos[t * half + i] = c1;
        sin[t * half + i] = s1v;
      }
    const pat: Rotary = { x, out, cos, sin, T, Dh, nodes: [s1.i, s2.i, neg.i, ci, mi, mc.i, ai] };
    found.set(ai, { nodes: pat.nodes, lower: (c, at) => lowerRotary(c, at, pat) });
  });
  return found;
};

function lowerRotary(ctx: LowerContext, n: OnnxNode, rot: Rotary): void {
  // x[H][T][Dh] (H = the leading dims) as T' = H·T rows of one head, the tables repeated per head.
  const x = ctx.get(rot.x, n);
  const H = prod(ctx.dimsOf(rot.x)) / (rot.T * rot.Dh);
  const half = rot.Dh / 2;
  // f has T·half values.
  const q14 = (f: Float64Array) =>
    Int16Array.from({ length: H * rot.T * half }, (_, j) => roundHalfAway(16384 * f[j % (rot.T * half)]!));
  const cos = ctx.constant(`${rot.out}.cos`, q14(rot.cos), [H * rot.T, half]);
  const sin = ctx.constant(`${rot.out}.sin`, q14(rot.sin), [H * rot.T, half]);
  const source = ctx.sourceOf(rot.nodes);
  ctx.emit(Op.rotary, [x.id, cos, sin], [H * rot.T, 1, rot.Dh, 0, H * rot.T], rot.out, x.scale, source);
}
