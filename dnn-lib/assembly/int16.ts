// int16-activation kernels of docs/fixed-point.md §3.1. No floats, no managed objects;
// the SIMD paths (native build only) compute the same wrapping sums and roundings.
import { need, rshr, sat8 } from "./arith";

export function sat16(v: i64): i32 {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : <i32>v;
}

/** sat16(rshr(acc · m, s)), m in [0, 2^31). */
export function requant16(acc: i32, m: i32, s: i32): i32 {
  need(m >= 0);
  return sat16(rshr(<i64>acc * <i64>m, s));
}

export function requantTensor16(x: usize, mult: usize, shift: usize, out: usize, R: i32, C: i32): void {
  for (let r: i32 = 0; r < R; r++) {
    for (let c: i32 = 0; c < C; c++) {
      const i = r * C + c;
      const v = requant16(load<i32>(x + <usize>(i << 2)), load<i32>(mult + <usize>(c << 2)), load<i32>(shift + <usize>(c << 2)));
      store<i16>(out + <usize>(i << 1), v);
    }
  }
}

/** int8 → int16: sat16(rshr(x · m, s)). */
export function cvt8to16(x: usize, out: usize, n: i32, m: i32, s: i32): void {
  need(m >= 0);
  for (let i: i32 = 0; i < n; i++) store<i16>(out + <usize>(i << 1), sat16(rshr(<i64>load<i8>(x + <usize>i) * <i64>m, s)));
}

/** int16 → int8: sat8(rshr(x · m, s)). */
export function cvt16to8(x: usize, out: usize, n: i32, m: i32, s: i32): void {
  need(m >= 0);
  for (let i: i32 = 0; i < n; i++) store<i8>(out + <usize>i, sat8(rshr(<i64>load<i16>(x + <usize>(i << 1)) * <i64>m, s)));
}

/** Σ a[k]·b[k], a int16, b int8, wrapping int32; i32x4.dot_i16x8_s lanes in the native build. */
export function dot16x8(a: usize, b: usize, n: i32): i32 {
  let acc: i32 = 0;
  let k: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    // |x·w| ≤ 2^22, so each lane's pair sum ≤ 2^23: dot_i16x8_s is exact before the wrapping lane add.
    let va = i32x4.splat(0);
    for (; k + 8 <= n; k += 8) {
      va = i32x4.add(va, i32x4.dot_i16x8_s(v128.load(a + <usize>(k << 1)), v128.load8x8_s(b + <usize>k)));
    }
    acc = i32x4.extract_lane(va, 0) + i32x4.extract_lane(va, 1) + i32x4.extract_lane(va, 2) + i32x4.extract_lane(va, 3);
  }
  let pa = a + <usize>(k << 1);
  let pb = b + <usize>k;
  for (; k + 8 <= n; k += 8) {
    acc +=
      <i32>load<i16>(pa, 0) * <i32>load<i8>(pb, 0) +
      <i32>load<i16>(pa, 2) * <i32>load<i8>(pb, 1) +
      <i32>load<i16>(pa, 4) * <i32>load<i8>(pb, 2) +
      <i32>load<i16>(pa, 6) * <i32>load<i8>(pb, 3) +
      <i32>load<i16>(pa, 8) * <i32>load<i8>(pb, 4) +
      <i32>load<i16>(pa, 10) * <i32>load<i8>(pb, 5) +
      <i32>load<i16>(pa, 12) * <i32>load<i8>(pb, 6) +
      <i32>load<i16>(pa, 14) * <i32>load<i8>(pb, 7);
    pa += 16;
    pb += 8;
  }
  for (; k < n; k++) acc += <i32>load<i16>(a + <usize>(k << 1)) * <i32>load<i8>(b + <usize>k);
  return acc;
}

/** out[m][n] = requant16(bias[n] + x[m]·w[n], mult[n], shift[n]), x int16, w int8, out int16. */
export function matmul16(x: usize, w: usize, bias: usize, mult: usize, shift: usize, out: usize, M: i32, N: i32, K: i32): void {
  for (let m: i32 = 0; m < M; m++) {
    const row = x + <usize>((m * K) << 1);
    for (let n: i32 = 0; n < N; n++) {
      const o = <usize>(n << 2);
      const acc = load<i32>(bias + o) + dot16x8(row, w + <usize>(n * K), K);
      store<i16>(out + <usize>((m * N + n) << 1), requant16(acc, load<i32>(mult + o), load<i32>(shift + o)));
    }
  }
}

export function add16(a: usize, b: usize, out: usize, n: i32, mA: i32, mB: i32, s: i32): void {
  need(mA >= 0 && mB >= 0);
  for (let i: i32 = 0; i < n; i++) {
    const o = <usize>(i << 1);
    const v = <i64>load<i16>(a + o) * <i64>mA + <i64>load<i16>(b + o) * <i64>mB;
    store<i16>(out + o, sat16(rshr(v, s)));
  }
}

export function mul16(a: usize, b: usize, out: usize, n: i32, m: i32, s: i32): void {
  need(m >= 0);
  for (let i: i32 = 0; i < n; i++) {
    const o = <usize>(i << 1);
    const ab = <i32>load<i16>(a + o) * <i32>load<i16>(b + o); // |ab| ≤ 2^30
    store<i16>(out + o, sat16(rshr(<i64>ab * <i64>m, s)));
  }
}

export function relu16(x: usize, out: usize, n: i32): void {
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = i16x8.splat(0);
    for (; i + 8 <= n; i += 8) v128.store(out + <usize>(i << 1), i16x8.max_s(v128.load(x + <usize>(i << 1)), zero));
  }
  for (; i < n; i++) {
    const v = <i32>load<i16>(x + <usize>(i << 1));
    store<i16>(out + <usize>(i << 1), v > 0 ? v : 0);
  }
}

/** Interpolated table: u = x + 32768, out = t[u >> 8] + rshr((t[(u >> 8) + 1] − t[u >> 8]) · (u & 255), 8). */
export function lut16(x: usize, table: usize, out: usize, n: i32): void {
  for (let i: i32 = 0; i < n; i++) {
    const u = <i32>load<i16>(x + <usize>(i << 1)) + 32768;
    const t = table + <usize>((u >> 8) << 1);
    const lo = <i32>load<i16>(t);
    const d = <i32>load<i16>(t, 2) - lo;
    store<i16>(out + <usize>(i << 1), lo + <i32>rshr(<i64>(d * (u & 255)), 8));
  }
}
