/**
 * The params of a `strided` node (docs/fixed-point.md §3.2) for an ONNX Transpose
 * (any permutation) or a numpy broadcast: output dims and input strides, unit axes
 * dropped and contiguous axes merged so that up to rank 4 remains. `null` when more
 * than four axes are left.
 */
import { mergeAxes, type ViewAxis } from "../reference/strided.ts";

export interface View {
  /** Output dims, outermost first, padded to 4 with leading 1s. */
  d: number[];
  /** Input element strides per output axis. */
  st: number[];
  /** Input element count. */
  n: number;
}

/** Row-major element strides of `dims`. */
export function rowMajorStrides(dims: readonly number[]): number[] {
  const st = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) st[k] = st[k + 1]! * dims[k + 1]!;
  return st;
}

const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** Drops unit output axes, merges an axis into the next when the pair reads contiguously, pads to rank 4. */
function compact(axes: ViewAxis[], n: number): View | null {
  const merged = mergeAxes(axes);
  if (merged.length > 4) return null;
  while (merged.length < 4) merged.unshift({ d: 1, st: 0 });
  return { d: merged.map((a) => a.d), st: merged.map((a) => a.st), n };
}

/**
 * The elements of x (dims `dIn`) at `start + i·|step|` on each axis, i < count (one range per axis,
 * steps taken positive: a negative step's range is given by its lowest index): a `strided` view of
 * the input from element `offset` on (the view's own index 0 is the input's `offset`). `null` when
 * more than four axes are left.
 */
export function boxView(
  dIn: readonly number[],
  ranges: readonly { start: number; count: number; step: number }[],
): { offset: number; view: View | null } {
  const st = rowMajorStrides(dIn);
  const offset = ranges.reduce((a, r, k) => a + r.start * st[k]!, 0);
  const axes = ranges.map((r, k) => ({ d: r.count, st: r.step * st[k]! }));
  return { offset, view: compact(axes, prod(dIn) - offset) };
}

/** True when `perm` is a permutation of [0, rank). */
export function isPermutation(perm: readonly number[], rank: number): boolean {
  return perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
}

/**
 * out = transpose(x, perm): out dims dIn[perm[k]], strides of the input permuted; `perm` is a
 * permutation of dIn's axes.
 */
export function transposeView(dIn: readonly number[], perm: readonly number[]): View | null {
  const st = rowMajorStrides(dIn);
  return compact(
    perm.map((a) => ({ d: dIn[a]!, st: st[a]! })),
    prod(dIn),
  );
}

/** True when `perm` keeps every non-unit axis in order (the bytes do not move). */
export function isIdentityView(v: View): boolean {
  return v.d.every((d, k) => d === 1 || v.st[k] === prod(v.d.slice(k + 1)));
}

/**
 * x of dims `dIn` broadcast to `dOut` by numpy rules (right-aligned; an axis of 1 repeats):
 * stride 0 on the repeated axes. `undefined` when the shapes do not broadcast.
 */
export function broadcastView(dIn: readonly number[], dOut: readonly number[]): View | null | undefined {
  if (dIn.length > dOut.length) return undefined;
  const pad = [...new Array<number>(dOut.length - dIn.length).fill(1), ...dIn];
  const st = rowMajorStrides(pad);
  const axes: { d: number; st: number }[] = [];
  for (const [k, d] of dOut.entries()) {
    const p = pad[k]!; // pad has dOut's rank
    if (p === d) axes.push({ d, st: p === 1 ? 0 : st[k]! });
    else if (p === 1) axes.push({ d, st: 0 });
    else return undefined;
  }
  return compact(axes, prod(dIn));
}

/**
 * A float constant (`data` of dims `dIn`) broadcast to `dOut` (numpy rules), for constants the
 * importer expands at import time; `undefined` when the shapes do not broadcast.
 */
export function broadcastFloat(
  data: ArrayLike<number>,
  dIn: readonly number[],
  dOut: readonly number[],
): Float64Array | undefined {
  if (broadcastView(dIn, dOut) === undefined || data.length !== prod(dIn)) return undefined;
  const pad = [...new Array<number>(Math.max(0, dOut.length - dIn.length)).fill(1), ...dIn];
  const st = rowMajorStrides(pad).map((s, k) => (pad[k] === 1 ? 0 : s));
  const out = new Float64Array(prod(dOut));
  const idx = new Array<number>(dOut.length).fill(0);
  // idx, st and dOut have one entry per output axis, and each index is within data (the shapes broadcast).
  for (let i = 0; i < out.length; i++) {
    out[i] = data[idx.reduce((a, v, k) => a + v * st[k]!, 0)]!;
    for (let k = dOut.length - 1; k >= 0; k--) {
      if (++idx[k]! < dOut[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}
