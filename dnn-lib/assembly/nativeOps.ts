// Native (SIMD) build only: faster forms of norm, softmax rows, add and 2×2
// pools. Each gives its scalar counterpart's bits; the dispatchers call them
// under `if (ASC_FEATURE_SIMD)`, so the VM build never contains them.
import { divr, dot8, need, requant, rshr, sat8 } from "./arith";
import { bytes4, clampBound, divrBy, divrInv, hsum4, isqrtFast, low32, requant4, requant4k, requantScale, rshrSat64 } from "./vquant";

/**
 * norm.ts's layernorm / rmsnorm: Σx and Σx² in vector lanes, the sum of squared
 * deviations as D²·Σx² − D·S² (the same integer as Σ(D·x − S)², which never
 * reaches 2^62), and the per-element division by the row's root through divrBy.
 */
export function normFast(
  x: usize,
  gamma: usize,
  beta: usize,
  out: usize,
  R: i32,
  D: i32,
  mode: i32,
  eps: i32,
  m: i32,
  s: i32,
): void {
  // The output requantization's constants, once per call (requant4k), when s is in its range.
  need(m >= 0 && <u32>s <= 62);
  const fast = s >= 1 && s <= 44;
  const L = fast ? clampBound(m) : 0;
  const negL = i32x4.splat(-L);
  const posL = i32x4.splat(L);
  const k = requantScale(m, s);
  for (let r: i32 = 0; r < R; r++) {
    const row = x + <usize>(r * D);
    let vs = i32x4.splat(0);
    let vq = vs;
    let i: i32 = 0;
    for (; i + 16 <= D; i += 16) {
      const v = v128.load(row + <usize>i);
      const lo = i16x8.extend_low_i8x16_s(v);
      const hi = i16x8.extend_high_i8x16_s(v);
      vs = i32x4.add(vs, i32x4.extadd_pairwise_i16x8_s(i16x8.add(lo, hi)));
      vq = i32x4.add(vq, i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi)));
    }
    let sum: i64 =
      <i64>(i32x4.extract_lane(vs, 0) + i32x4.extract_lane(vs, 1) + i32x4.extract_lane(vs, 2) + i32x4.extract_lane(vs, 3));
    let sq: i64 =
      <i64>(i32x4.extract_lane(vq, 0) + i32x4.extract_lane(vq, 1) + i32x4.extract_lane(vq, 2) + i32x4.extract_lane(vq, 3));
    for (; i < D; i++) {
      const v = <i64>load<i8>(row + <usize>i);
      sum += v;
      sq += v * v;
    }
    const S: i64 = mode == 0 ? sum : 0;
    const dev = <u64>(<i64>D * <i64>D * sq - <i64>D * S * S);
    const root = <i64>isqrtFast(dev / <u64>D + <u64>eps);
    const inv = root > 0 ? divrInv(root) : 0.0;
    const dst = out + <usize>(r * D);
    i = 0;
    if (root > 0) for (; i + 4 <= D; i += 4) normQuad(row + <usize>i, gamma + <usize>i, beta + <usize>(i << 2), dst + <usize>i, D, <i32>S, root, m, s, fast, negL, posL, k);
    for (; i < D; i++) {
      let n: i32 = 0;
      if (root > 0) n = <i32>divrBy((<i64>D * <i64>load<i8>(row + <usize>i) - S) << 12, root, inv);
      const acc = n * <i32>load<i8>(gamma + <usize>i) + load<i32>(beta + <usize>(i << 2));
      store<i8>(dst + <usize>i, requant(acc, m, s));
    }
  }
}

/**
 * Four elements of a norm row (root > 0): n = divr((D·x − S) << 12, root) as
 * floor((2|c|·4096 + root) / (2·root)) in f64 lanes — exact, since the numerator
 * is an integer below 2^37 (a float quotient of integers below 2^53 never rounds
 * up to the next integer) and |n| < 2^21 — then n·γ + β and requant in vector lanes.
 */
// @ts-ignore: decorator
@inline
function normQuad(
  x: usize,
  gamma: usize,
  beta: usize,
  dst: usize,
  D: i32,
  S: i32,
  root: i64,
  m: i32,
  s: i32,
  fast: bool,
  negL: v128,
  posL: v128,
  kq: v128,
): void {
  const c = i32x4.sub(i32x4.mul(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(x))), i32x4.splat(D)), i32x4.splat(S));
  const neg = i32x4.shr_s(c, 31);
  const a = i32x4.abs(c);
  const rf = f64x2.splat(<f64>root);
  const den = f64x2.splat(<f64>(root << 1));
  const k = f64x2.splat(8192.0);
  const q0 = f64x2.floor(f64x2.div(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(a), k), rf), den));
  const a23 = v128.shuffle<i32>(a, a, 2, 3, 2, 3);
  const q1 = f64x2.floor(f64x2.div(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(a23), k), rf), den));
  const q = v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(q0), i32x4.trunc_sat_f64x2_s_zero(q1), 0, 1, 4, 5);
  const n = i32x4.sub(v128.xor(q, neg), neg);
  const g = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(gamma)));
  const acc = i32x4.add(i32x4.mul(n, g), v128.load(beta));
  v128.store32_lane(dst, bytes4(fast ? requant4k(acc, negL, posL, kq) : requant4(acc, m, s)), 0);
}

/**
 * attention.ts's scores z[j] = requant(q·k_j, mS, sS) for j ≤ pos (k_j = k + j·ks, Dh bytes):
 * four keys at a time in i32x4 lanes when Dh is a multiple of 16, the rest by dot8.
 */
export function scoresFast(q: usize, k: usize, ks: usize, Dh: i32, pos: i32, z: usize, mS: i32, sS: i32): void {
  let j: i32 = 0;
  if ((Dh & 15) == 0) {
    const d = <usize>Dh;
    for (; j + 3 <= pos; j += 4) {
      const k0 = k + <usize>j * ks;
      let c0 = i32x4.splat(0);
      let c1 = c0;
      let c2 = c0;
      let c3 = c0;
      for (let t: usize = 0; t < d; t += 16) {
        const x = v128.load(q + t);
        const xl = i16x8.extend_low_i8x16_s(x);
        const xh = i16x8.extend_high_i8x16_s(x);
        c0 = i32x4.add(c0, dot16(xl, xh, v128.load(k0 + t)));
        c1 = i32x4.add(c1, dot16(xl, xh, v128.load(k0 + ks + t)));
        c2 = i32x4.add(c2, dot16(xl, xh, v128.load(k0 + 2 * ks + t)));
        c3 = i32x4.add(c3, dot16(xl, xh, v128.load(k0 + 3 * ks + t)));
      }
      v128.store32_lane(z + <usize>j, bytes4(requant4(hsum4(c0, c1, c2, c3), mS, sS)), 0);
    }
  }
  for (; j <= pos; j++) store<i8>(z + <usize>j, requant(dot8(q, k + <usize>j * ks, Dh), mS, sS));
}

/** Lane sums of x·y for 16 int8 y against x given as its two i16x8 halves. */
// @ts-ignore: decorator
@inline
function dot16(xl: v128, xh: v128, y: v128): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(y)),
    i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(y)),
  );
}

/** The last loop of softmax.ts's softmaxRow (row max mx, exp sum S): the divisions by S through divrBy. */
export function softmaxDivide(row: usize, step: i32, n: i32, exp: usize, out: usize, mx: i32, S: i64): void {
  if (S <= 0) {
    for (let i: i32 = 0; i < n; i++) store<i8>(out + <usize>i, 0);
    return;
  }
  const inv = divrInv(S);
  for (let i: i32 = 0; i < n; i++) {
    const e = <i64>load<i32>(exp + <usize>((mx - <i32>load<i8>(row + <usize>(i * step))) << 2));
    store<i8>(out + <usize>i, sat8(divrBy(127 * e, S, inv)));
  }
}

/** elementwise.ts's add, 16 elements per step in i64x2 lanes. */
export function addFast(a: usize, b: usize, out: usize, n: i32, mA: i32, mB: i32, s: i32): void {
  need(mA >= 0 && mB >= 0 && <u32>s <= 62);
  const va = i32x4.splat(mA);
  const vb = i32x4.splat(mB);
  let i: i32 = 0;
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(a + <usize>i);
    const y = v128.load(b + <usize>i);
    const x0 = i16x8.extend_low_i8x16_s(x);
    const x1 = i16x8.extend_high_i8x16_s(x);
    const y0 = i16x8.extend_low_i8x16_s(y);
    const y1 = i16x8.extend_high_i8x16_s(y);
    const q0 = add4(i32x4.extend_low_i16x8_s(x0), i32x4.extend_low_i16x8_s(y0), va, vb, s);
    const q1 = add4(i32x4.extend_high_i16x8_s(x0), i32x4.extend_high_i16x8_s(y0), va, vb, s);
    const q2 = add4(i32x4.extend_low_i16x8_s(x1), i32x4.extend_low_i16x8_s(y1), va, vb, s);
    const q3 = add4(i32x4.extend_high_i16x8_s(x1), i32x4.extend_high_i16x8_s(y1), va, vb, s);
    v128.store(out + <usize>i, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    const p = <i64>load<i8>(a + <usize>i) * <i64>mA + <i64>load<i8>(b + <usize>i) * <i64>mB;
    store<i8>(out + <usize>i, sat8(rshr(p, s)));
  }
}

/** sat8(rshr(x·mA + y·mB, s)) for four i32 lanes: i32 lanes in [-128, 127]. */
// @ts-ignore: decorator
@inline
function add4(x: v128, y: v128, va: v128, vb: v128, s: i32): v128 {
  const lo = i64x2.add(i64x2.extmul_low_i32x4_s(x, va), i64x2.extmul_low_i32x4_s(y, vb));
  const hi = i64x2.add(i64x2.extmul_high_i32x4_s(x, va), i64x2.extmul_high_i32x4_s(y, vb));
  return low32(rshrSat64(lo, s), rshrSat64(hi, s));
}

/**
 * elementwise.ts's pool for 2×2 windows at stride 2: eight outputs of a row from
 * sixteen input columns per step (max: lane max of the two rows, then of
 * neighbours; average: pairwise sums, rounded like divr(sum, 4)); the rest scalar.
 */
export function pool2x2(kind: i32, x: usize, out: usize, C: i32, H: i32, W: i32): void {
  const OH = (H - 2) / 2 + 1;
  const OW = (W - 2) / 2 + 1;
  for (let c: i32 = 0; c < C; c++) {
    for (let i: i32 = 0; i < OH; i++) {
      const r0 = x + <usize>((c * H + 2 * i) * W);
      const r1 = r0 + <usize>W;
      const dst = out + <usize>((c * OH + i) * OW);
      let j: i32 = 0;
      for (; 2 * j + 16 <= W && j + 8 <= OW; j += 8) {
        const u = v128.load(r0 + <usize>(2 * j));
        const v = v128.load(r1 + <usize>(2 * j));
        v128.store64_lane(dst + <usize>j, pool8(kind, u, v), 0);
      }
      for (; 2 * j + 8 <= W && j + 4 <= OW; j += 4) {
        const u = v128.load64_zero(r0 + <usize>(2 * j));
        const v = v128.load64_zero(r1 + <usize>(2 * j));
        v128.store32_lane(dst + <usize>j, pool8(kind, u, v), 0);
      }
      for (; j < OW; j++) {
        const p = r0 + <usize>(2 * j);
        const a = <i32>load<i8>(p);
        const b = <i32>load<i8>(p, 1);
        const c2 = <i32>load<i8>(p + <usize>W);
        const d = <i32>load<i8>(p + <usize>W, 1);
        let res: i32;
        if (kind == 0) res = max(max(a, b), max(c2, d));
        else res = <i32>divr(<i64>(a + b + c2 + d), 4);
        store<i8>(dst + <usize>j, res);
      }
    }
  }
}

/** Eight 2×2 window results (bytes 0..7) from two rows of sixteen int8 columns. */
// @ts-ignore: decorator
@inline
function pool8(kind: i32, u: v128, v: v128): v128 {
  if (kind == 0) {
    const m = i8x16.max_s(u, v);
    const even = v128.shuffle<i8>(m, m, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
    const odd = v128.shuffle<i8>(m, m, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
    return i8x16.max_s(even, odd);
  }
  // divr(sum, 4) = sign(sum)·((2|sum| + 4) >> 3), |sum| ≤ 512 in i16 lanes.
  const sum = i16x8.add(i16x8.extadd_pairwise_i8x16_s(u), i16x8.extadd_pairwise_i8x16_s(v));
  const neg = i16x8.shr_s(sum, 15);
  const q = i16x8.shr_u(i16x8.add(i16x8.shl(i16x8.abs(sum), 1), i16x8.splat(4)), 3);
  const r = i16x8.sub(v128.xor(q, neg), neg);
  return i8x16.narrow_i16x8_s(r, r);
}
