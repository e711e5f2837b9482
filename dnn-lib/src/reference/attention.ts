import { mac32, requant } from "./arith.ts";
import { expectLength } from "./expect.ts";
import { softmaxRow } from "./softmax.ts";
import { DnnShapeError } from "../errors.ts";
import { Op, outputByteLength } from "../ops.ts";

interface Quant {
  mS: number;
  sS: number;
  mO: number;
  sO: number;
}

/**
 * One query row, q[at …], attending to keys and values 0 … pos (docs/fixed-point.md §3): key j's Dh
 * bytes at k[cache + j·stride], value j's at v[cache + j·stride]; the Dh outputs go to out[at …].
 */
function attendRow(
  q: Int8Array,
  k: Int8Array,
  v: Int8Array,
  exp: Int32Array,
  out: Int8Array,
  row: { at: number; cache: number; stride: number; Dh: number; pos: number },
  { mS, sS, mO, sO }: Quant,
): void {
  const { at, cache, stride, Dh, pos } = row;
  // Callers checked the lengths: every index below is inside q, k, v and out.
  const z: number[] = [];
  for (let j = 0; j <= pos; j++) {
    let acc = 0;
    for (let d = 0; d < Dh; d++) acc = mac32(acc, q[at + d]!, k[cache + j * stride + d]!);
    z.push(requant(acc, mS, sS));
  }
  const pi = softmaxRow(z, exp);
  for (let d = 0; d < Dh; d++) {
    let acc = 0;
    for (let j = 0; j <= pos; j++) acc = mac32(acc, pi[j]!, v[cache + j * stride + d]!);
    out[at + d] = requant(acc, mO, sO);
  }
}

/** Causal self-attention of q[H][Tq][Dh] against the KV caches k, v [H][Tmax][Dh] — docs/fixed-point.md §3. */
export function attention(
  q: Int8Array,
  k: Int8Array,
  v: Int8Array,
  exp: Int32Array,
  p: { H: number; Tq: number; Dh: number; Tmax: number; pos0: number } & Quant,
): Int8Array {
  const { H, Tq, Dh, Tmax, pos0 } = p;
  expectLength("attention", "q", q, H * Tq * Dh);
  expectLength("attention", "k", k, H * Tmax * Dh);
  expectLength("attention", "v", v, H * Tmax * Dh);
  if (pos0 < 0 || pos0 + Tq > Tmax)
    throw new DnnShapeError("attention: positions outside the cache", {
      details: `pos0 = ${pos0}, Tq = ${Tq}, Tmax = ${Tmax}`,
    });
  const out = new Int8Array(H * Tq * Dh);
  for (let h = 0; h < H; h++)
    for (let t = 0; t < Tq; t++)
      attendRow(q, k, v, exp, out, { at: (h * Tq + t) * Dh, cache: h * Tmax * Dh, stride: Dh, Dh, pos: pos0 + t }, p);
  return out;
}

/**
 * attnCache (op 31, docs/fixed-point.md §3): one position's queries q[H][Dh] against position-major
 * caches k, v [Tmax][S], row j holding the G key (value) heads of position j at bytes g·Dh … g·Dh + Dh
 * (the rest of the row is padding, never read); head h reads group g = ⌊h / (H/G)⌋, keys 0 … pos.
 */
export function attnCache(
  q: Int8Array,
  k: Int8Array,
  v: Int8Array,
  exp: Int32Array,
  p: { H: number; Dh: number; G: number; Tmax: number; S: number; pos: number } & Quant,
): Int8Array {
  const { H, Dh, G, Tmax, S, pos } = p;
  outputByteLength(Op.attnCache, [H, Dh, G, Tmax, S, pos, p.mS, p.sS, p.mO, p.sO]);
  expectLength("attnCache", "q", q, H * Dh);
  expectLength("attnCache", "k", k, Tmax * S);
  expectLength("attnCache", "v", v, Tmax * S);
  const out = new Int8Array(H * Dh);
  const perGroup = H / G;
  for (let h = 0; h < H; h++)
    attendRow(q, k, v, exp, out, { at: h * Dh, cache: Math.floor(h / perGroup) * Dh, stride: S, Dh, pos }, p);
  return out;
}
