import { divr, isqrt, requant } from "./arith.ts";
import { expectLength } from "./expect.ts";
import { DnnShapeError } from "../errors.ts";

export const NormMode = { layer: 0, rms: 1 } as const;

/** layernorm (mode 0) / rmsnorm (mode 1) of each row of x[R][D] — docs/fixed-point.md §3. */
export function norm(
  x: Int8Array,
  gamma: Int8Array,
  beta: Int32Array,
  p: { R: number; D: number; mode: number; eps: number; m: number; s: number },
): Int8Array {
  const { R, D, mode, eps, m, s } = p;
  expectLength("norm", "x", x, R * D);
  expectLength("norm", "gamma", gamma, D);
  expectLength("norm", "beta", beta, D);
  if (mode !== 0 && mode !== 1)
    throw new DnnShapeError("norm: mode must be 0 (layer) or 1 (rms)", { details: `mode = ${mode}` });
  if (eps < 0) throw new DnnShapeError("norm: eps must be non-negative", { details: `eps = ${eps}` });
  if (D > 1 << 15) throw new DnnShapeError("norm: D too large", { details: `D = ${D} > 2^15` });
  const out = new Int8Array(R * D);
  for (let r = 0; r < R; r++) {
    const row = x.subarray(r * D, (r + 1) * D);
    let S = 0n;
    if (mode === 0) for (const v of row) S += BigInt(v);
    const c = Array.from(row, (v) => BigInt(D) * BigInt(v) - S);
    const V = c.reduce((a, ci) => a + ci * ci, 0n) / BigInt(D) + BigInt(eps);
    const root = isqrt(V);
    for (let i = 0; i < D; i++) {
      const n = root > 0n ? Number(divr(c[i]! << 12n, root)) : 0;
      out[r * D + i] = requant((Math.imul(n, gamma[i]!) + beta[i]!) | 0, m, s);
    }
  }
  return out;
}
