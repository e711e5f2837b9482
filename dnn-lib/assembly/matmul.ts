import { dot8, requant } from "./arith";
import { conv2dGemm, gemm, prepareColumns } from "./gemm";
import { SCRATCH, SCRATCH_END } from "./vquant";

/** 64 bytes below the descriptor where the native build spills conv accumulators (the VM build never uses it). */
const CONV_LANES: usize = 0xff00;
/** 80 bytes below the descriptor for the four-row dot products of the native matmul. */
const DOTS: usize = 0xff80;

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
  if (ASC_FEATURE_SIMD && M >= 2 && N >= 4 && (K & 15) == 0 && <usize>N * 13 <= SCRATCH_END - SCRATCH) {
    // Native build: input rows × weight rows as a tiled GEMM, each output row stored 4 bytes at a time.
    prepareColumns(mult, shift, N, SCRATCH);
    gemm(x, M, w, N, K, bias, mult, shift, out, N, 1, SCRATCH);
    return;
  }
  if (ASC_FEATURE_SIMD && M >= 4 && (K & 15) == 0) {
    // Native build, fewer than 4 weight rows: weight rows × input rows, requantized per weight row.
    gemm(w, N, x, M, K, bias, mult, shift, out, 1, N);
    return;
  }
  for (let m: i32 = 0; m < M; m++) {
    const row = x + <usize>(m * K);
    let n: i32 = 0;
    if (ASC_FEATURE_SIMD) {
      // Native build: four weight rows per pass over the x row (each x load used four times).
      for (; n + 4 <= N; n += 4) {
        dot8x4(row, w + <usize>(n * K), K);
        for (let r: i32 = 0; r < 4; r++) {
          const o = <usize>((n + r) << 2);
          const acc = load<i32>(bias + o) + load<i32>(DOTS + <usize>(r << 2));
          store<i8>(out + <usize>(m * N + n + r), requant(acc, load<i32>(mult + o), load<i32>(shift + o)));
        }
      }
    }
    for (; n < N; n++) {
      const o = <usize>(n << 2);
      const acc = load<i32>(bias + o) + dot8(row, w + <usize>(n * K), K);
      store<i8>(out + <usize>(m * N + n), requant(acc, load<i32>(mult + o), load<i32>(shift + o)));
    }
  }
}

/** Σ_k a[k]·w_r[k] for the four consecutive rows w_r = w + r·K, into DOTS[0..3] (native build only). */
function dot8x4(a: usize, w: usize, K: i32): void {
  let s0 = i32x4.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  const k4 = <usize>K;
  let k: i32 = 0;
  for (; k + 16 <= K; k += 16) {
    const x = v128.load(a + <usize>k);
    const xl = i16x8.extend_low_i8x16_s(x);
    const xh = i16x8.extend_high_i8x16_s(x);
    const p = w + <usize>k;
    const w0 = v128.load(p);
    const w1 = v128.load(p + k4);
    const w2 = v128.load(p + 2 * k4);
    const w3 = v128.load(p + 3 * k4);
    s0 = i32x4.add(s0, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w0)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w0))));
    s1 = i32x4.add(s1, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w1)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w1))));
    s2 = i32x4.add(s2, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w2)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w2))));
    s3 = i32x4.add(s3, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w3)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w3))));
  }
  v128.store(DOTS + 16, s0);
  v128.store(DOTS + 32, s1);
  v128.store(DOTS + 48, s2);
  v128.store(DOTS + 64, s3);
  for (let r: i32 = 0; r < 4; r++) {
    const lanes = DOTS + 16 + <usize>(r << 4);
    let acc = load<i32>(lanes) + load<i32>(lanes, 4) + load<i32>(lanes, 8) + load<i32>(lanes, 12);
    const wr = w + <usize>(r * K);
    for (let t: i32 = k; t < K; t++) acc += <i32>load<i8>(a + <usize>t) * <i32>load<i8>(wr + <usize>t);
    store<i32>(DOTS + <usize>(r << 2), acc);
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
  // Native build: im2col + GEMM, any stride, unless a patch row outgrows the scratch.
  if (ASC_FEATURE_SIMD && conv2dGemm(x, w, bias, mult, shift, out, C, H, W, OC, KH, KW, stride, pad)) return;
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
