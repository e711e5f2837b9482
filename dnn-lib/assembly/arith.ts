// Integer primitives of docs/fixed-point.md §2. No floats, no managed objects.

/** Trap unless `ok`. A trap is the VM's trapped state; natively it is a thrown RuntimeError. */
export function need(ok: bool): void {
  if (!ok) unreachable();
}

export function sat8(v: i64): i32 {
  return v > 127 ? 127 : v < -128 ? -128 : <i32>v;
}

/** Round half away from zero of p / 2^s, s in [0, 62]. */
export function rshr(p: i64, s: i32): i64 {
  need(<u32>s <= 62);
  if (s == 0) return p;
  const mag: i64 = p < 0 ? -p : p;
  const q: i64 = (mag + ((<i64>1) << (<i64>(s - 1)))) >> (<i64>s);
  return p < 0 ? -q : q;
}

/** Round half away from zero of a / n, n > 0. */
export function divr(a: i64, n: i64): i64 {
  need(n > 0);
  const mag: i64 = a < 0 ? -a : a;
  const q: i64 = (2 * mag + n) / (2 * n);
  return a < 0 ? -q : q;
}

/** sat8(rshr(acc * m, s)), m in [0, 2^31). */
export function requant(acc: i32, m: i32, s: i32): i32 {
  need(m >= 0);
  return sat8(rshr(<i64>acc * <i64>m, s));
}

/** Floor square root of an unsigned 64-bit integer, bit by bit. */
export function isqrt(v: u64): u64 {
  let r: u64 = 0;
  let bit: u64 = (<u64>1) << 62;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

/** Σ a[k]·b[k] over int8 rows, wrapping int32; SIMD lanes in the native build. */
export function dot8(a: usize, b: usize, n: i32): i32 {
  let acc: i32 = 0;
  let k: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    let va = i32x4.splat(0);
    for (; k + 16 <= n; k += 16) {
      const x = v128.load(a + <usize>k);
      const w = v128.load(b + <usize>k);
      va = i32x4.add(va, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x), i16x8.extend_low_i8x16_s(w)));
      va = i32x4.add(va, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x), i16x8.extend_high_i8x16_s(w)));
    }
    acc = i32x4.extract_lane(va, 0) + i32x4.extract_lane(va, 1) + i32x4.extract_lane(va, 2) + i32x4.extract_lane(va, 3);
  }
  // Scalar: 8 products per iteration off one pointer pair with immediate offsets,
  // about 6 VM steps per multiply-accumulate instead of ~21 for a plain loop.
  let pa = a + <usize>k;
  let pb = b + <usize>k;
  for (; k + 8 <= n; k += 8) {
    acc +=
      <i32>load<i8>(pa, 0) * <i32>load<i8>(pb, 0) +
      <i32>load<i8>(pa, 1) * <i32>load<i8>(pb, 1) +
      <i32>load<i8>(pa, 2) * <i32>load<i8>(pb, 2) +
      <i32>load<i8>(pa, 3) * <i32>load<i8>(pb, 3) +
      <i32>load<i8>(pa, 4) * <i32>load<i8>(pb, 4) +
      <i32>load<i8>(pa, 5) * <i32>load<i8>(pb, 5) +
      <i32>load<i8>(pa, 6) * <i32>load<i8>(pb, 6) +
      <i32>load<i8>(pa, 7) * <i32>load<i8>(pb, 7);
    pa += 8;
    pb += 8;
  }
  for (; k < n; k++) acc += <i32>load<i8>(a + <usize>k) * <i32>load<i8>(b + <usize>k);
  return acc;
}
