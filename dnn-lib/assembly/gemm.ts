// Native (SIMD) build only: the int8 GEMM behind matmul and conv2d, and the
// im2col packing that turns a convolution into one. Same wrapping int32 sums
// and the same requantization as the scalar loops, so the same bits.
import { copyBytes } from "./layout";
import { need, requant } from "./arith";
import { SCRATCH, SCRATCH_END, bytes4, clampBound, hsum4, requant4, requant4k, roundSat } from "./vquant";

/**
 * out[a·sa + b·sb] = requant(bias[a] + A_a·B_b, mult[a], shift[a]) for a < nA, b < nB,
 * with int8 rows A_a = A + a·K, B_b = B + b·K and K a multiple of 16. Tiles of two
 * A rows by four B rows; the last B tile starts at nB − 4 (it recomputes a few
 * outputs, same bits), and a tile short of rows repeats its last row.
 * With a column table `cols` (prepareColumns; nB ≥ 4, sb = 1) the requantization
 * parameters belong to the B rows instead: requant(bias[b] + A_a·B_b, mult[b], shift[b]).
 */
export function gemm(
  A: usize,
  nA: i32,
  B: usize,
  nB: i32,
  K: i32,
  bias: usize,
  mult: usize,
  shift: usize,
  out: usize,
  sa: i32,
  sb: i32,
  cols: usize = 0,
): void {
  const k4 = <usize>K;
  const lastB = nB - 1;
  for (let a: i32 = 0; a < nA; a += 2) {
    const a1 = min(a + 1, nA - 1);
    const pa0 = A + <usize>a * k4;
    const pa1 = A + <usize>a1 * k4;
    // Row parameters (no column table): each A row's requantization, prepared once for its B tiles.
    if (cols == 0) {
      rowParams(ROW0, bias, mult, shift, a);
      rowParams(ROW1, bias, mult, shift, a1);
    }
    for (let b0: i32 = 0; b0 < nB; b0 += 4) {
      const b = nB >= 4 ? min(b0, nB - 4) : 0;
      const pb0 = B + <usize>b * k4;
      const pb1 = B + <usize>min(b + 1, lastB) * k4;
      const pb2 = B + <usize>min(b + 2, lastB) * k4;
      const pb3 = B + <usize>min(b + 3, lastB) * k4;
      let c00 = i32x4.splat(0);
      let c01 = c00;
      let c02 = c00;
      let c03 = c00;
      let c10 = c00;
      let c11 = c00;
      let c12 = c00;
      let c13 = c00;
      for (let k: usize = 0; k < k4; k += 16) {
        const x0 = v128.load(pa0 + k);
        const x1 = v128.load(pa1 + k);
        const a0l = i16x8.extend_low_i8x16_s(x0);
        const a0h = i16x8.extend_high_i8x16_s(x0);
        const a1l = i16x8.extend_low_i8x16_s(x1);
        const a1h = i16x8.extend_high_i8x16_s(x1);
        let y = v128.load(pb0 + k);
        let yl = i16x8.extend_low_i8x16_s(y);
        let yh = i16x8.extend_high_i8x16_s(y);
        c00 = i32x4.add(c00, i32x4.add(i32x4.dot_i16x8_s(a0l, yl), i32x4.dot_i16x8_s(a0h, yh)));
        c10 = i32x4.add(c10, i32x4.add(i32x4.dot_i16x8_s(a1l, yl), i32x4.dot_i16x8_s(a1h, yh)));
        y = v128.load(pb1 + k);
        yl = i16x8.extend_low_i8x16_s(y);
        yh = i16x8.extend_high_i8x16_s(y);
        c01 = i32x4.add(c01, i32x4.add(i32x4.dot_i16x8_s(a0l, yl), i32x4.dot_i16x8_s(a0h, yh)));
        c11 = i32x4.add(c11, i32x4.add(i32x4.dot_i16x8_s(a1l, yl), i32x4.dot_i16x8_s(a1h, yh)));
        y = v128.load(pb2 + k);
        yl = i16x8.extend_low_i8x16_s(y);
        yh = i16x8.extend_high_i8x16_s(y);
        c02 = i32x4.add(c02, i32x4.add(i32x4.dot_i16x8_s(a0l, yl), i32x4.dot_i16x8_s(a0h, yh)));
        c12 = i32x4.add(c12, i32x4.add(i32x4.dot_i16x8_s(a1l, yl), i32x4.dot_i16x8_s(a1h, yh)));
        y = v128.load(pb3 + k);
        yl = i16x8.extend_low_i8x16_s(y);
        yh = i16x8.extend_high_i8x16_s(y);
        c03 = i32x4.add(c03, i32x4.add(i32x4.dot_i16x8_s(a0l, yl), i32x4.dot_i16x8_s(a0h, yh)));
        c13 = i32x4.add(c13, i32x4.add(i32x4.dot_i16x8_s(a1l, yl), i32x4.dot_i16x8_s(a1h, yh)));
      }
      if (cols != 0) {
        emitCols(hsum4(c00, c01, c02, c03), out + <usize>a * <usize>sa, b, nB, bias, mult, shift, cols);
        if (a1 != a) emitCols(hsum4(c10, c11, c12, c13), out + <usize>a1 * <usize>sa, b, nB, bias, mult, shift, cols);
      } else {
        emit(hsum4(c00, c01, c02, c03), ROW0, a, b, nB, out, sa, sb);
        if (a1 != a) emit(hsum4(c10, c11, c12, c13), ROW1, a1, b, nB, out, sa, sb);
      }
    }
  }
}

/**
 * gemm's per-row requantization records, 48 bytes each, at the start of the native scratch
 * (used only without a column table, whose users keep the scratch to themselves; conv2dGemm
 * packs its rows after them, from PACK).
 */
const ROW0: usize = SCRATCH;
const ROW1: usize = SCRATCH + 48;
const PACK: usize = SCRATCH + 96;

/**
 * Prepares the record at `r` for A row a: [0] k = m·2^−s (f64, twice), [16] ±L as i32
 * lanes (L = clampBound(m), then −L), [32] bias, [36] m, [40] s, [44] 1 when s is in
 * [1, 44] (requant4f's exact range). Traps, like requant4, on m < 0 or s > 62.
 */
// @ts-ignore: decorator
@inline
function rowParams(r: usize, bias: usize, mult: usize, shift: usize, a: i32): void {
  const o = <usize>(a << 2);
  const m = load<i32>(mult + o);
  const s = load<i32>(shift + o);
  need(m >= 0 && <u32>s <= 62);
  const fast = s >= 1 && s <= 44;
  const k = fast ? <f64>m * reinterpret<f64>(<i64>(1023 - s) << 52) : 0.0;
  store<f64>(r, k);
  store<f64>(r, k, 8);
  const L = fast ? clampBound(m) : 0;
  store<i32>(r, L, 16);
  store<i32>(r, -L, 20);
  store<i32>(r, load<i32>(bias + o), 32);
  store<i32>(r, m, 36);
  store<i32>(r, s, 40);
  store<i32>(r, fast ? 1 : 0, 44);
}

/** Requantizes the dot products of A row a (record `r`) with B rows b..b+3 and stores those with b + l < nB. */
// @ts-ignore: decorator
@inline
function emit(dots: v128, r: usize, a: i32, b: i32, nB: i32, out: usize, sa: i32, sb: i32): void {
  const acc = i32x4.add(dots, v128.load32_splat(r, 32));
  let v: v128;
  if (load<i32>(r, 44) != 0) {
    v = bytes4(requant4k(acc, v128.load32_splat(r, 20), v128.load32_splat(r, 16), v128.load(r)));
  } else {
    v = bytes4(requant4(acc, load<i32>(r, 36), load<i32>(r, 40)));
  }
  const dst = out + <usize>a * <usize>sa + <usize>b * <usize>sb;
  const s = <usize>sb;
  if (b + 4 <= nB) {
    if (sb == 1) {
      v128.store32_lane(dst, v, 0);
    } else {
      v128.store8_lane(dst, v, 0);
      v128.store8_lane(dst + s, v, 1);
      v128.store8_lane(dst + 2 * s, v, 2);
      v128.store8_lane(dst + 3 * s, v, 3);
    }
  } else {
    v128.store8_lane(dst, v, 0);
    if (b + 1 < nB) v128.store8_lane(dst + s, v, 1);
    if (b + 2 < nB) v128.store8_lane(dst + 2 * s, v, 2);
  }
}

/**
 * The column table of gemm for N requantization parameter pairs, at `cols`
 * (13·N bytes): k_n = mult[n]·2^−shift[n] (f64), L_n = clampBound(mult[n]) (i32)
 * and a byte 1 where shift[n] is in [1, 44] (requant4f's exact range).
 * Traps, like requant, on a negative multiplier or a shift above 62.
 */
export function prepareColumns(mult: usize, shift: usize, N: i32, cols: usize): void {
  const nn = <usize>N;
  for (let n: i32 = 0; n < N; n++) {
    const o = <usize>n;
    const m = load<i32>(mult + (o << 2));
    const s = load<i32>(shift + (o << 2));
    need(m >= 0 && <u32>s <= 62);
    const fast = s >= 1 && s <= 44;
    store<f64>(cols + (o << 3), fast ? <f64>m * reinterpret<f64>(<i64>(1023 - s) << 52) : 0.0);
    store<i32>(cols + (nn << 3) + (o << 2), clampBound(m));
    store<u8>(cols + nn * 12 + o, fast ? 1 : 0);
  }
}

/** emit for a column table: dots of one A row with B rows b..b+3 (all < nB), stored at dst + b. */
// @ts-ignore: decorator
@inline
function emitCols(dots: v128, dst: usize, b: i32, nB: i32, bias: usize, mult: usize, shift: usize, cols: usize): void {
  const o = <usize>b;
  const nn = <usize>nB;
  const acc = i32x4.add(dots, v128.load(bias + (o << 2)));
  if (load<u32>(cols + nn * 12 + o) == 0x01010101) {
    const L = v128.load(cols + (nn << 3) + (o << 2));
    const c = i32x4.min_s(i32x4.max_s(acc, i32x4.neg(L)), L);
    const x0 = f64x2.mul(f64x2.convert_low_i32x4_s(c), v128.load(cols + (o << 3)));
    const x1 = f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(c, c, 2, 3, 2, 3)), v128.load(cols + (o << 3), 16));
    v128.store32_lane(dst + o, bytes4(roundSat(x0, x1)), 0);
  } else {
    const p = o << 2;
    store<i8>(dst + o, requant(i32x4.extract_lane(acc, 0), load<i32>(mult + p), load<i32>(shift + p)));
    store<i8>(dst + o + 1, requant(i32x4.extract_lane(acc, 1), load<i32>(mult + p, 4), load<i32>(shift + p, 4)));
    store<i8>(dst + o + 2, requant(i32x4.extract_lane(acc, 2), load<i32>(mult + p, 8), load<i32>(shift + p, 8)));
    store<i8>(dst + o + 3, requant(i32x4.extract_lane(acc, 3), load<i32>(mult + p, 12), load<i32>(shift + p, 12)));
  }
}

/**
 * out[m][n] = requant(bias[n] + acc[m·S + n], mult[n], shift[n]) for M rows of N int32 dot
 * products computed elsewhere (the native runner's external int8 GEMM), rows S apart: gemm's
 * epilogue on its own, the same wrapping add and requantization, so the same bits.
 */
export function requantRows(acc: usize, M: i32, N: i32, S: i32, bias: usize, mult: usize, shift: usize, out: usize): void {
  if (N >= 4 && <usize>N * 13 <= SCRATCH_END - SCRATCH) {
    prepareColumns(mult, shift, N, SCRATCH);
    for (let m: i32 = 0; m < M; m++) {
      const row = acc + <usize>m * <usize>S * 4;
      const dst = out + <usize>(m * N);
      // The last tile starts at N − 4: it recomputes a few outputs, same bits.
      for (let b0: i32 = 0; b0 < N; b0 += 4) {
        const b = min(b0, N - 4);
        emitCols(v128.load(row + (<usize>b << 2)), dst, b, N, bias, mult, shift, SCRATCH);
      }
    }
    return;
  }
  for (let m: i32 = 0; m < M; m++)
    for (let n: i32 = 0; n < N; n++) {
      const o = <usize>(n << 2);
      const a = load<i32>(acc + (<usize>m * <usize>S + <usize>n) * 4) + load<i32>(bias + o);
      store<i8>(out + <usize>(m * N + n), requant(a, load<i32>(mult + o), load<i32>(shift + o)));
    }
}

/**
 * conv2d as a GEMM: weight rows and im2col patch rows (zero padding written as
 * zeros, rows padded to a multiple of 16) packed into the native scratch, as many
 * as fit at a time. Returns false, computing nothing, when the rows do not fit
 * the scratch (the caller then runs the direct loops).
 */
export function conv2dGemm(
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
): bool {
  const OH = (H + 2 * pad - KH) / stride + 1;
  const OW = (W + 2 * pad - KW) / stride + 1;
  const P = OH * OW;
  const Kc = C * KH * KW;
  const Kp = (Kc + 15) & ~15;
  // One padded copy of every input row (c, u) that an output row reads, 8 bytes of slack each.
  const Wr = (W + 2 * pad + 15) & ~7;
  const rowBytes = <i64>C * <i64>KH * <i64>Wr;
  const room = <i64>(SCRATCH_END - PACK) - rowBytes - 8;
  if (<i64>Kp * 8 > room) return false;
  const wRows = min(OC, <i32>(room / 2) / Kp);
  const pRows = min(P, (<i32>room - wRows * Kp) / Kp);
  const wp = PACK;
  const pp = PACK + <usize>(wRows * Kp);
  const rows = pp + <usize>(pRows * Kp + 8);
  for (let o0: i32 = 0; o0 < OC; o0 += wRows) {
    const on = min(wRows, OC - o0);
    for (let r: i32 = 0; r < on; r++) {
      const dst = wp + <usize>(r * Kp);
      copyBytes(dst, w + <usize>((o0 + r) * Kc), Kc);
      for (let t: i32 = Kc; t < Kp; t++) store<i8>(dst + <usize>t, 0);
    }
    const q = <usize>(o0 << 2);
    for (let p0: i32 = 0; p0 < P; p0 += pRows) {
      const pn = min(pRows, P - p0);
      im2col(x, pp, rows, Wr, Kc, Kp, p0, pn, OW, C, H, W, KH, KW, stride, pad);
      gemm(wp, on, pp, pn, Kp, bias + q, mult + q, shift + q, out + <usize>(o0 * P + p0), P, 1);
    }
  }
  return true;
}

/**
 * Patch rows of output pixels p0..p0+pn−1 (row-major over OH×OW) in [c][u][v]
 * order. Per output row, each input row (c, u) is first copied with its zero
 * padding into `rows` (Wr bytes each, zeros for rows outside the image); a
 * pixel's KW bytes then move 8 at a time. The spill past a segment lands in the
 * next segment or the next pixel's row, both written later, or in the row's
 * padding [Kc, Kp), left as it is: the packed weight rows are zero there, so
 * whatever it holds adds nothing (dst has 8 bytes of slack after the last row).
 */
function im2col(
  x: usize,
  dst: usize,
  rows: usize,
  Wr: i32,
  Kc: i32,
  Kp: i32,
  p0: i32,
  pn: i32,
  OW: i32,
  C: i32,
  H: i32,
  W: i32,
  KH: i32,
  KW: i32,
  stride: i32,
  pad: i32,
): void {
  const pEnd = p0 + pn;
  const CK = C * KH;
  for (let i: i32 = p0 / OW; i * OW < pEnd; i++) {
    for (let c: i32 = 0; c < C; c++) {
      for (let u: i32 = 0; u < KH; u++) {
        const row = rows + <usize>((c * KH + u) * Wr);
        const y = i * stride + u - pad;
        if (y < 0 || y >= H) {
          for (let t: i32 = 0; t < Wr; t += 8) store<u64>(row + <usize>t, 0);
        } else {
          for (let t: i32 = 0; t < pad; t++) store<i8>(row + <usize>t, 0);
          copyBytes(row + <usize>pad, x + <usize>((c * H + y) * W), W);
          // The right padding, 8 zero bytes at a time: the last word may run into the next
          // row (written after this one) or the 8 bytes of slack after the last.
          for (let t: i32 = pad + W; t < Wr; t += 8) store<u64>(row + <usize>t, 0);
        }
      }
    }
    const j0 = max(p0 - i * OW, 0);
    const j1 = min(pEnd - i * OW, OW);
    for (let j: i32 = j0; j < j1; j++) {
      let d = dst + <usize>((i * OW + j - p0) * Kp);
      let src = rows + <usize>(j * stride);
      for (let cu: i32 = 0; cu < CK; cu++) {
        for (let t: i32 = 0; t < KW; t += 8) store<u64>(d + <usize>t, load<u64>(src + <usize>t));
        d += <usize>KW;
        src += <usize>Wr;
      }
    }
  }
}
