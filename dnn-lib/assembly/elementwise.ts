import { divr, need, requant, rshr, sat8 } from "./arith";
import { addFast, pool2x2 } from "./nativeOps";

export function add(a: usize, b: usize, out: usize, n: i32, mA: i32, mB: i32, s: i32): void {
  need(mA >= 0 && mB >= 0);
  if (ASC_FEATURE_SIMD) {
    addFast(a, b, out, n, mA, mB, s);
    return;
  }
  for (let i: i32 = 0; i < n; i++) {
    const p = <i64>load<i8>(a + <usize>i) * <i64>mA + <i64>load<i8>(b + <usize>i) * <i64>mB;
    store<i8>(out + <usize>i, sat8(rshr(p, s)));
  }
}

export function mul(a: usize, b: usize, out: usize, n: i32, m: i32, s: i32): void {
  need(m >= 0);
  for (let i: i32 = 0; i < n; i++) {
    const ab = <i32>load<i8>(a + <usize>i) * <i32>load<i8>(b + <usize>i);
    store<i8>(out + <usize>i, sat8(rshr(<i64>ab * <i64>m, s)));
  }
}

export function relu(x: usize, out: usize, n: i32): void {
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = i8x16.splat(0);
    for (; i + 16 <= n; i += 16) v128.store(out + <usize>i, i8x16.max_s(v128.load(x + <usize>i), zero));
  }
  for (; i < n; i++) {
    const v = <i32>load<i8>(x + <usize>i);
    store<i8>(out + <usize>i, v > 0 ? v : 0);
  }
}

export function lut(x: usize, table: usize, out: usize, n: i32): void {
  for (let i: i32 = 0; i < n; i++)
    store<i8>(out + <usize>i, load<i8>(table + <usize>(<i32>load<i8>(x + <usize>i) + 128)));
}

export function requantTensor(x: usize, mult: usize, shift: usize, out: usize, R: i32, C: i32): void {
  for (let r: i32 = 0; r < R; r++) {
    for (let c: i32 = 0; c < C; c++) {
      const i = r * C + c;
      const acc = load<i32>(x + <usize>(i << 2));
      store<i8>(out + <usize>i, requant(acc, load<i32>(mult + <usize>(c << 2)), load<i32>(shift + <usize>(c << 2))));
    }
  }
}

export function argmax(x: usize, out: usize, R: i32, L: i32): void {
  for (let r: i32 = 0; r < R; r++) {
    const row = x + <usize>(r * L);
    let best: i32 = 0;
    let bestV = <i32>load<i8>(row);
    for (let i: i32 = 1; i < L; i++) {
      const v = <i32>load<i8>(row + <usize>i);
      if (v > bestV) {
        best = i;
        bestV = v;
      }
    }
    store<i32>(out + <usize>(r << 2), best);
  }
}

/** kind 0: max, kind 1: rounded average; K×K windows, no padding. */
export function pool(kind: i32, x: usize, out: usize, C: i32, H: i32, W: i32, K: i32, stride: i32): void {
  if (ASC_FEATURE_SIMD && K == 2 && stride == 2) {
    pool2x2(kind, x, out, C, H, W);
    return;
  }
  const OH = (H - K) / stride + 1;
  const OW = (W - K) / stride + 1;
  for (let c: i32 = 0; c < C; c++) {
    for (let i: i32 = 0; i < OH; i++) {
      for (let j: i32 = 0; j < OW; j++) {
        let mx: i32 = -128;
        let sum: i32 = 0;
        for (let u: i32 = 0; u < K; u++) {
          for (let v: i32 = 0; v < K; v++) {
            const val = <i32>load<i8>(x + <usize>((c * H + i * stride + u) * W + j * stride + v));
            if (val > mx) mx = val;
            sum += val;
          }
        }
        const r = kind == 0 ? mx : <i32>divr(<i64>sum, <i64>K * <i64>K);
        store<i8>(out + <usize>((c * OH + i) * OW + j), r);
      }
    }
  }
}
