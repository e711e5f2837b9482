import { dot8, requant } from "./arith";
import { softmaxRow } from "./softmax";

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
      for (let j: i32 = 0; j <= pos; j++)
        store<i8>(z + <usize>j, requant(dot8(qrow, k + <usize>((h * Tmax + j) * Dh), Dh), mS, sS));
      softmaxRow(z, 1, pos + 1, exp, pi);
      for (let d: i32 = 0; d < Dh; d++) {
        let acc: i32 = 0;
        for (let j: i32 = 0; j <= pos; j++)
          acc += <i32>load<i8>(pi + <usize>j) * <i32>load<i8>(v + <usize>((h * Tmax + j) * Dh + d));
        store<i8>(out + <usize>((h * Tq + t) * Dh + d), requant(acc, mO, sO));
      }
    }
  }
}
