import { dot8, requant } from "./arith";
import { softmaxRow } from "./softmax";
import { scoresFast } from "./nativeOps";
import { requant4 } from "./vquant";

/**
 * One query row `qrow` (Dh bytes) attending to keys and values 0 … pos, key j's Dh bytes at
 * k + j·stride and value j's at v + j·stride; the Dh outputs go to `orow`. The pos + 1 int8
 * scores z go to `scratch`, their pos + 1 int8 probabilities π to scratch + zLen.
 */
function attendRow(
  qrow: usize,
  k: usize,
  v: usize,
  stride: usize,
  exp: usize,
  orow: usize,
  scratch: usize,
  zLen: usize,
  Dh: i32,
  pos: i32,
  mS: i32,
  sS: i32,
  mO: i32,
  sO: i32,
): void {
  const z = scratch;
  const pi = scratch + zLen;
  if (ASC_FEATURE_SIMD) {
    scoresFast(qrow, k, stride, Dh, pos, z, mS, sS);
  } else {
    for (let j: i32 = 0; j <= pos; j++)
      store<i8>(z + <usize>j, requant(dot8(qrow, k + <usize>j * stride, Dh), mS, sS));
  }
  softmaxRow(z, 1, pos + 1, exp, pi);
  let d: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    // Native build: 16 head dimensions at once, summing π_j · v[j][d0..d0+15] over j in i32x4 lanes.
    for (; d + 16 <= Dh; d += 16) {
      let a0 = i32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      for (let j: i32 = 0; j <= pos; j++) {
        const p = i16x8.splat(<i16>load<i8>(pi + <usize>j));
        const vv = v128.load(v + <usize>j * stride + <usize>d);
        const lo = i16x8.extend_low_i8x16_s(vv);
        const hi = i16x8.extend_high_i8x16_s(vv);
        a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, p));
        a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, p));
        a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(hi, p));
        a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(hi, p));
      }
      const r01 = i16x8.narrow_i32x4_s(requant4(a0, mO, sO), requant4(a1, mO, sO));
      const r23 = i16x8.narrow_i32x4_s(requant4(a2, mO, sO), requant4(a3, mO, sO));
      v128.store(orow + <usize>d, i8x16.narrow_i16x8_s(r01, r23));
    }
  }
  for (; d < Dh; d++) {
    let acc: i32 = 0;
    const vd = v + <usize>d;
    for (let j: i32 = 0; j <= pos; j++) acc += <i32>load<i8>(pi + <usize>j) * <i32>load<i8>(vd + <usize>j * stride);
    store<i8>(orow + <usize>d, requant(acc, mO, sO));
  }
}

/**
 * Causal self-attention against KV caches k, v [H][Tmax][Dh]. `scratch` holds
 * 2·Tmax bytes: the int8 scores and the int8 probabilities of one query row.
 */
export function attention(
  q: usize,
  k: usize,
  v: usize,
  exp: usize,
  out: usize,
  scratch: usize,
  H: i32,
  Tq: i32,
  Dh: i32,
  Tmax: i32,
  pos0: i32,
  mS: i32,
  sS: i32,
  mO: i32,
  sO: i32,
): void {
  const head = <usize>Tmax * <usize>Dh;
  for (let h: i32 = 0; h < H; h++) {
    const cache = <usize>h * head;
    for (let t: i32 = 0; t < Tq; t++) {
      const row = <usize>(h * Tq + t) * <usize>Dh;
      attendRow(q + row, k + cache, v + cache, Dh, exp, out + row, scratch, Tmax, Dh, pos0 + t, mS, sS, mO, sO);
    }
  }
}

/**
 * attnCache (op 31): the queries q[H][Dh] of position `pos` against position-major caches k, v
 * [Tmax][S] (row j: the G heads of position j, head g at bytes g·Dh … g·Dh + Dh, then padding);
 * head h reads group h / (H/G). `scratch` holds 2·Tmax bytes, as attention's.
 */
export function attnCache(
  q: usize,
  k: usize,
  v: usize,
  exp: usize,
  out: usize,
  scratch: usize,
  H: i32,
  Dh: i32,
  G: i32,
  Tmax: i32,
  S: i32,
  pos: i32,
  mS: i32,
  sS: i32,
  mO: i32,
  sO: i32,
): void {
  const perGroup = H / G;
  for (let h: i32 = 0; h < H; h++) {
    const row = <usize>h * <usize>Dh;
    const group = <usize>(h / perGroup) * <usize>Dh;
    attendRow(q + row, k + group, v + group, S, exp, out + row, scratch, Tmax, Dh, pos, mS, sS, mO, sO);
  }
}
