import { dot8, requant } from "./arith";
import { softmaxRow } from "./softmax";
import { scoresFast } from "./nativeOps";
import { requant4 } from "./vquant";

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
  const z = scratch;
  const pi = scratch + <usize>Tmax;
  for (let h: i32 = 0; h < H; h++) {
    for (let t: i32 = 0; t < Tq; t++) {
      const pos = pos0 + t;
      const qrow = q + <usize>((h * Tq + t) * Dh);
      if (ASC_FEATURE_SIMD) {
        scoresFast(qrow, k + <usize>(h * Tmax * Dh), Dh, pos, z, mS, sS);
      } else {
        for (let j: i32 = 0; j <= pos; j++)
          store<i8>(z + <usize>j, requant(dot8(qrow, k + <usize>((h * Tmax + j) * Dh), Dh), mS, sS));
      }
      softmaxRow(z, 1, pos + 1, exp, pi);
      let d: i32 = 0;
      if (ASC_FEATURE_SIMD) {
        // Native build: 16 head dimensions at once, summing π_j · v[j][d0..d0+15] over j in i32x4 lanes.
        const orow = out + <usize>((h * Tq + t) * Dh);
        for (; d + 16 <= Dh; d += 16) {
          let a0 = i32x4.splat(0);
          let a1 = a0;
          let a2 = a0;
          let a3 = a0;
          for (let j: i32 = 0; j <= pos; j++) {
            const p = i16x8.splat(<i16>load<i8>(pi + <usize>j));
            const vv = v128.load(v + <usize>((h * Tmax + j) * Dh + d));
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
        for (let j: i32 = 0; j <= pos; j++)
          acc += <i32>load<i8>(pi + <usize>j) * <i32>load<i8>(v + <usize>((h * Tmax + j) * Dh + d));
        store<i8>(out + <usize>((h * Tq + t) * Dh + d), requant(acc, mO, sO));
      }
    }
  }
}
