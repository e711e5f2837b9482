// Native (SIMD) build only: the integer primitives of arith.ts on vector lanes,
// and exact divisions through a float estimate corrected in integers. Every
// function here gives the same bits as its scalar counterpart; the VM build
// never calls them (each call site sits under `if (ASC_FEATURE_SIMD)`).
import { isqrt, need } from "./arith";

/**
 * Scratch of the native build: linear bytes [SCRATCH, SCRATCH_END), below the
 * descriptor and the spill lanes. The VM build's memory layout is untouched (it
 * never reads or writes below 0x10000), and so is every phase-2 node image.
 */
export const SCRATCH: usize = 0x1000;
export const SCRATCH_END: usize = 0xff00;

/** sat8(rshr(p, s)) on both i64 lanes (|p| < 2^63 − 2^61, s in [0, 62]); the results are i64 lanes. */
export function rshrSat64(p: v128, s: i32): v128 {
  const neg = i64x2.lt_s(p, i64x2.splat(0));
  const round = s == 0 ? <i64>0 : (<i64>1) << (<i64>(s - 1));
  const q = i64x2.shr_u(i64x2.add(i64x2.abs(p), i64x2.splat(round)), s);
  const c128 = i64x2.splat(128);
  const qc = v128.bitselect(c128, q, i64x2.gt_s(q, c128));
  const r = i64x2.sub(v128.xor(qc, neg), neg);
  const c127 = i64x2.splat(127);
  return v128.bitselect(c127, r, i64x2.gt_s(r, c127));
}

/** The low 32 bits of the i64 lanes of lo and hi as one i32x4 [lo0, lo1, hi0, hi1]. */
export function low32(lo: v128, hi: v128): v128 {
  return v128.shuffle<i32>(lo, hi, 0, 2, 4, 6);
}

/** requant(acc[l], m, s) for the four i32 lanes of acc: i32 lanes in [-128, 127]. */
export function requant4(acc: v128, m: i32, s: i32): v128 {
  need(m >= 0 && <u32>s <= 62);
  if (s >= 1 && s <= 44) return requant4f(acc, m, s);
  const mv = i32x4.splat(m);
  return low32(rshrSat64(i64x2.extmul_low_i32x4_s(acc, mv), s), rshrSat64(i64x2.extmul_high_i32x4_s(acc, mv), s));
}

/**
 * requant4 for s in [1, 44] on f64 lanes, exactly: acc is first clamped to ±L,
 * L = min(2^31 − 1, ⌊2^52 / m⌋), so |acc·m| ≤ 2^52 is exact in f64 (a clamped
 * lane had, and keeps, |acc·m / 2^s| > 255: it saturates the same way). Then
 * x = acc·(m·2^−s) is exact (power-of-two scaling), x ± 0.5 is exact (an integer
 * below 2^53 times 2^−s, s ≥ 1), and its truncation is rshr's half-away rounding.
 */
function requant4f(acc: v128, m: i32, s: i32): v128 {
  // clampBound divides in i64: the bound of the last multiplier is kept (callers repeat one m per row).
  if (m != lastClampM) {
    lastClampL = clampBound(m);
    lastClampM = m;
  }
  const L = lastClampL;
  return requant4k(acc, i32x4.splat(-L), i32x4.splat(L), requantScale(m, s));
}

/** k = m·2^−s on both f64 lanes: requant4f's scale (exact: a power-of-two scaling of m). */
// @ts-ignore: decorator
@inline
export function requantScale(m: i32, s: i32): v128 {
  return f64x2.splat(<f64>m * reinterpret<f64>(<i64>(1023 - s) << 52));
}

/**
 * requant4f with its per-multiplier constants prepared by the caller: negL / L the lanes
 * −clampBound(m) / clampBound(m), k = requantScale(m, s); only for s in [1, 44].
 */
// @ts-ignore: decorator
@inline
export function requant4k(acc: v128, negL: v128, L: v128, k: v128): v128 {
  const c = i32x4.min_s(i32x4.max_s(acc, negL), L);
  return roundSat(f64x2.mul(f64x2.convert_low_i32x4_s(c), k), f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(c, c, 2, 3, 2, 3)), k));
}

/** requant4f's memo of clampBound: the last multiplier (−1: none yet) and its bound. */
let lastClampM: i32 = -1;
let lastClampL: i32 = 0;

/** L = min(2^31 − 1, ⌊2^52 / m⌋): the clamp of requant4f's accumulators for multiplier m. */
export function clampBound(m: i32): i32 {
  return m == 0 ? <i32>0x7fffffff : <i32>min(<i64>0x7fffffff, ((<i64>1) << 52) / <i64>m);
}

/** The exact f64 lanes x = acc·m·2^−s of requant4f, rounded half away from zero and saturated: i32x4 [x0, x1]. */
export function roundSat(x0: v128, x1: v128): v128 {
  const sign = i64x2.splat(<i64>0x8000000000000000);
  const half = f64x2.splat(0.5);
  const t0 = f64x2.trunc(f64x2.add(x0, v128.or(v128.and(x0, sign), half)));
  const t1 = f64x2.trunc(f64x2.add(x1, v128.or(v128.and(x1, sign), half)));
  // sat8 on the f64 lanes, then t + 1.5·2^52 holds the integer t in its low 32 bits.
  const hi = f64x2.splat(127.0);
  const lo = f64x2.splat(-128.0);
  const magic = f64x2.splat(6755399441055744.0);
  const u0 = f64x2.add(f64x2.pmax(f64x2.pmin(t0, hi), lo), magic);
  const u1 = f64x2.add(f64x2.pmax(f64x2.pmin(t1, hi), lo), magic);
  return v128.shuffle<i32>(u0, u1, 0, 2, 4, 6);
}

/** Lanes [Σc0, Σc1, Σc2, Σc3] (wrapping) of four i32x4 accumulators. */
export function hsum4(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  const t0 = i32x4.add(v128.shuffle<i32>(c0, c1, 0, 4, 1, 5), v128.shuffle<i32>(c0, c1, 2, 6, 3, 7));
  const t1 = i32x4.add(v128.shuffle<i32>(c2, c3, 0, 4, 1, 5), v128.shuffle<i32>(c2, c3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(t0, t1, 0, 1, 4, 5), v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
}

/** i32 lanes already in [-128, 127] packed into bytes: lane l of the result's bytes 0..3 (and repeated). */
export function bytes4(v: v128): v128 {
  const h = i16x8.narrow_i32x4_s(v, v);
  return i8x16.narrow_i16x8_s(h, h);
}

/** 1 / (2n) for divrBy: the per-divisor part of divr(·, n). */
export function divrInv(n: i64): f64 {
  return 1.0 / <f64>(n << 1);
}

/**
 * divr(a, n) given inv = divrInv(n): the quotient of (2|a| + n) / (2n) from a
 * float estimate, corrected until exact, so the bits equal arith.divr's.
 * Falls back to divr's integer division outside |a|, n < 2^52.
 */
export function divrBy(a: i64, n: i64, inv: f64): i64 {
  need(n > 0);
  const mag: i64 = a < 0 ? -a : a;
  const lim: i64 = (<i64>1) << 52;
  const num: i64 = 2 * mag + n;
  const den: i64 = n << 1;
  let q: i64;
  if (mag < lim && n < lim) {
    q = <i64>(<f64>num * inv);
    while (q > 0 && q * den > num) q--;
    while ((q + 1) * den <= num) q++;
  } else {
    q = num / den;
  }
  return a < 0 ? -q : q;
}

/** arith.isqrt's bits: for v < 2^62 a float estimate corrected until exact, else isqrt itself. */
export function isqrtFast(v: u64): u64 {
  if (v >= (<u64>1) << 62) return isqrt(v);
  let r = <u64>sqrt<f64>(<f64>v);
  while (r > 0 && r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return r;
}
