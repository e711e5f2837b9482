import { divr, sat8 } from "./arith";
import { softmaxDivide } from "./nativeOps";

/** Softmax of the n int8 values at `row` (stride `step` bytes) into `out` (contiguous), scale 1/127. */
export function softmaxRow(row: usize, step: i32, n: i32, exp: usize, out: usize): void {
  let mx: i32 = -128;
  for (let i: i32 = 0; i < n; i++) {
    const v = <i32>load<i8>(row + <usize>(i * step));
    if (v > mx) mx = v;
  }
  let S: i64 = 0;
  for (let i: i32 = 0; i < n; i++)
    S += <i64>load<i32>(exp + <usize>((mx - <i32>load<i8>(row + <usize>(i * step))) << 2));
  if (ASC_FEATURE_SIMD) {
    softmaxDivide(row, step, n, exp, out, mx, S);
    return;
  }
  for (let i: i32 = 0; i < n; i++) {
    let r: i32 = 0;
    if (S > 0) {
      const e = <i64>load<i32>(exp + <usize>((mx - <i32>load<i8>(row + <usize>(i * step))) << 2));
      r = sat8(divr(127 * e, S));
    }
    store<i8>(out + <usize>i, r);
  }
}

export function softmax(x: usize, exp: usize, out: usize, R: i32, L: i32): void {
  for (let r: i32 = 0; r < R; r++) softmaxRow(x + <usize>(r * L), 1, L, exp, out + <usize>(r * L));
}
