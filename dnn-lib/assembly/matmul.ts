import { dot8, requant } from "./arith";

/** 64 bytes below the descriptor where the native build spills conv accumulators (the VM build never uses it). */
const CONV_LANES: usize = 0xff00;

/** out[m][n] = requant(bias[n] + x[m]·w[n], mult[n], shift[n]). */
export function matmul(
  x: usize,
  w: usize,
  bias: usize,
  mult: usize,
  shift: usize,
  out: usize,
  M: i32,
  N: i32,
  K: i32,
): void {
  for (let m: i32 = 0; m < M; m++) {
    const row = x + <usize>(m * K);
    for (let n: i32 = 0; n < N; n++) {
      const o = <usize>(n << 2);
      const acc = load<i32>(bias + o) + dot8(row, w + <usize>(n * K), K);
      store<i8>(out + <usize>(m * N + n), requant(acc, load<i32>(mult + o), load<i32>(shift + o)));
    }
  }
}

/** conv2d over x[C][H][W] with w[OC][C][KH][KW], zero padding. */
export function conv2d(
  x: usize,
  w: usize,
  bias: usize,
  mult: usize,
  shift: usize,
  out: usize,
  C: i32,
  H: i32,
  W: i32,
  OC: i32,
  KH: i32,
  KW: i32,
  stride: i32,
  pad: i32,
): void {
  const OH = (H + 2 * pad - KH) / stride + 1;
  const OW = (W + 2 * pad - KW) / stride + 1;
  for (let o: i32 = 0; o < OC; o++) {
    const bo = <usize>(o << 2);
    const m = load<i32>(mult + bo);
    const s = load<i32>(shift + bo);
    for (let i: i32 = 0; i < OH; i++) {
      let j: i32 = 0;
      while (j < OW) {
        // Native build, stride 1: 16 output columns at once where all 16 windows lie inside the row.
        // Near the right edge the block starts earlier and recomputes a few columns (same bits).
        if (ASC_FEATURE_SIMD && stride == 1 && j >= pad) {
          const jb = min(j, min(OW - 16, W - KW - 15 + pad));
          if (jb >= pad && jb + 16 > j) {
            convBlock16(x, w, out + <usize>((o * OH + i) * OW + jb), C, H, W, KH, KW, pad, o, i, jb, load<i32>(bias + bo), m, s);
            j = jb + 16;
            continue;
          }
        }
        let acc = load<i32>(bias + bo);
        for (let c: i32 = 0; c < C; c++) {
          for (let u: i32 = 0; u < KH; u++) {
            const y = i * stride + u - pad;
            if (y < 0 || y >= H) continue;
            for (let v: i32 = 0; v < KW; v++) {
              const z = j * stride + v - pad;
              if (z < 0 || z >= W) continue;
              acc +=
                <i32>load<i8>(x + <usize>((c * H + y) * W + z)) *
                <i32>load<i8>(w + <usize>(((o * C + c) * KH + u) * KW + v));
            }
          }
        }
        store<i8>(out + <usize>((o * OH + i) * OW + j), requant(acc, m, s));
        j++;
      }
    }
  }
}

/** 16 stride-1 outputs (o, i, j..j+15), every window inside the row: i32x4 lanes, the same wrapping sums. */
function convBlock16(
  x: usize,
  w: usize,
  dst: usize,
  C: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  pad: i32,
  o: i32,
  i: i32,
  j: i32,
  bias: i32,
  m: i32,
  s: i32,
): void {
  let a0 = i32x4.splat(bias);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  for (let c: i32 = 0; c < C; c++) {
    for (let u: i32 = 0; u < KH; u++) {
      const y = i + u - pad;
      if (y < 0 || y >= H) continue;
      const row = x + <usize>((c * H + y) * W + j - pad);
      const wrow = w + <usize>(((o * C + c) * KH + u) * KW);
      for (let v: i32 = 0; v < KW; v++) {
        const wv = i16x8.splat(<i16>load<i8>(wrow + <usize>v));
        const xv = v128.load(row + <usize>v);
        const lo = i16x8.extend_low_i8x16_s(xv);
        const hi = i16x8.extend_high_i8x16_s(xv);
        a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, wv));
        a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, wv));
        a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(hi, wv));
        a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(hi, wv));
      }
    }
  }
  v128.store(CONV_LANES, a0);
  v128.store(CONV_LANES + 16, a1);
  v128.store(CONV_LANES + 32, a2);
  v128.store(CONV_LANES + 48, a3);
  for (let k: i32 = 0; k < 16; k++) store<i8>(dst + <usize>k, requant(load<i32>(CONV_LANES + <usize>(k << 2)), m, s));
}
