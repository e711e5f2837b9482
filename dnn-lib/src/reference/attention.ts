import { mac32, requant } from "./arith.ts";
import { expectLength } from "./expect.ts";
import { softmaxRow } from "./softmax.ts";
import { DnnShapeError } from "../errors.ts";

/** Causal self-attention of q[H][Tq][Dh] against the KV caches k, v [H][Tmax][Dh] — docs/fixed-point.md §3. */
export function attention(
  q: Int8Array,
  k: Int8Array,
  v: Int8Array,
  exp: Int32Array,
  p: { H: number; Tq: number; Dh: number; Tmax: number; pos0: number; mS: number; sS: number; mO: number; sO: number },
): Int8Array {
  const { H, Tq, Dh, Tmax, pos0, mS, sS, mO, sO } = p;
  expectLength("attention", "q", q, H * Tq * Dh);
  expectLength("attention", "k", k, H * Tmax * Dh);
  expectLength("attention", "v", v, H * Tmax * Dh);
  if (pos0 < 0 || pos0 + Tq > Tmax)
    throw new DnnShapeError("attention: positions outside the cache", {
      details: `pos0 = ${pos0}, Tq = ${Tq}, Tmax = ${Tmax}`,
    });
  const out = new Int8Array(H * Tq * Dh);
  // Indices below stay inside the lengths checked above (pos < Tmax).
  for (let h = 0; h < H; h++)
    for (let t = 0; t < Tq; t++) {
      const pos = pos0 + t;
      const z: number[] = [];
      for (let j = 0; j <= pos; j++) {
        let acc = 0;
        for (let d = 0; d < Dh; d++) acc = mac32(acc, q[(h * Tq + t) * Dh + d]!, k[(h * Tmax + j) * Dh + d]!);
        z.push(requant(acc, mS, sS));
      }
      const pi = softmaxRow(z, exp);
      for (let d = 0; d < Dh; d++) {
        let acc = 0;
        for (let j = 0; j <= pos; j++) acc = mac32(acc, pi[j]!, v[(h * Tmax + j) * Dh + d]!);
        out[(h * Tq + t) * Dh + d] = requant(acc, mO, sO);
      }
    }
  return out;
}
