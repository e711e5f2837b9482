import { divr, isqrt, need, requant } from "./arith";
import { normFast } from "./nativeOps";

/** layernorm (mode 0) / rmsnorm (mode 1) of each row of x[R][D]. */
export function norm(
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
  need((mode == 0 || mode == 1) && eps >= 0 && D <= 1 << 15);
  if (ASC_FEATURE_SIMD) {
    normFast(x, gamma, beta, out, R, D, mode, eps, m, s);
    return;
  }
  for (let r: i32 = 0; r < R; r++) {
    const row = x + <usize>(r * D);
    let S: i64 = 0;
    if (mode == 0) for (let i: i32 = 0; i < D; i++) S += <i64>load<i8>(row + <usize>i);
    let sq: u64 = 0;
    for (let i: i32 = 0; i < D; i++) {
      const c: i64 = <i64>D * <i64>load<i8>(row + <usize>i) - S;
      sq += <u64>(c * c);
    }
    const root = <i64>isqrt(sq / <u64>D + <u64>eps);
    for (let i: i32 = 0; i < D; i++) {
      let n: i32 = 0;
      if (root > 0) {
        const c: i64 = <i64>D * <i64>load<i8>(row + <usize>i) - S;
        n = <i32>divr(c << 12, root);
      }
      const acc = n * <i32>load<i8>(gamma + <usize>i) + load<i32>(beta + <usize>(i << 2));
      store<i8>(out + <usize>(r * D + i), requant(acc, m, s));
    }
  }
}
