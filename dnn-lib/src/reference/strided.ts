import { expectLength } from "./expect.ts";
import { DnnShapeError } from "../errors.ts";

export interface StridedParams {
  /** Output dims, outermost first (rank < 4 pads with leading 1s). */
  d: [number, number, number, number];
  /** Input element stride per output axis (0 broadcasts that axis). */
  st: [number, number, number, number];
  /** Element size in bytes: 1, 2 or 4. */
  E: number;
  /** Input element count. */
  n: number;
}

/** One axis of a strided view: its length and its input stride. */
export interface ViewAxis {
  d: number;
  st: number;
}

/**
 * The same view with its unit axes dropped and each axis merged into the next where the pair reads
 * like one axis (`(d1, s1), (d2, s2)` as `(d1·d2, s2)` when `s1 = d2·s2`: contiguous, or both
 * broadcast). Two views read the same elements in the same order exactly when their merged axes are equal.
 */
export function mergeAxes(axes: readonly ViewAxis[]): ViewAxis[] {
  const merged: ViewAxis[] = [];
  for (const a of axes) {
    if (a.d === 1) continue;
    const last = merged[merged.length - 1];
    if (last && last.st === a.d * a.st) {
      last.d *= a.d;
      last.st = a.st;
    } else merged.push({ ...a });
  }
  return merged;
}

/** The largest input element index a strided view reads; the view is valid when it is < n. */
export function stridedMaxIndex(p: StridedParams): number {
  const { d, st } = p;
  return (d[0] - 1) * st[0] + (d[1] - 1) * st[1] + (d[2] - 1) * st[2] + (d[3] - 1) * st[3];
}

/**
 * A rank-4 strided view: out[i0][i1][i2][i3] = x[i0·st0 + i1·st1 + i2·st2 + i3·st3]
 * (E-byte elements). Any transpose (strides of a permutation), broadcast (stride
 * 0) or sub-grid is one `strided` node.
 */
export function strided(x: Uint8Array, p: StridedParams): Uint8Array {
  const { d, st, E, n } = p;
  if (E !== 1 && E !== 2 && E !== 4)
    throw new DnnShapeError("strided: element size must be 1, 2 or 4", { details: `E = ${E}` });
  if (st.some((s) => s < 0)) throw new DnnShapeError("strided: negative stride", { details: `strides [${st}]` });
  expectLength("strided", "x", x, n * E);
  if (stridedMaxIndex(p) >= n)
    throw new DnnShapeError("strided: the view reads past the input", {
      details: `dims [${d}], strides [${st}], n = ${n}`,
    });
  const out = new Uint8Array(d[0] * d[1] * d[2] * d[3] * E);
  let o = 0;
  for (let a = 0; a < d[0]; a++)
    for (let b = 0; b < d[1]; b++)
      for (let c = 0; c < d[2]; c++)
        for (let e = 0; e < d[3]; e++) {
          const src = (a * st[0] + b * st[1] + c * st[2] + e * st[3]) * E;
          for (let k = 0; k < E; k++) out[o++] = x[src + k]!; // < n·E, checked above
        }
  return out;
}
