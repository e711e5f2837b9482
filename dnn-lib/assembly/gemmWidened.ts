// Native (SIMD) build only: matmul's GEMM for M ≥ 4 with Winograd's inner product, which
// halves the multiplications: for int8 rows x and y of even length,
//   x·y = Σ_j (x_2j + y_2j+1)·(x_2j+1 + y_2j) − ξ(x) − η(y),  ξ(x) = Σ_j x_2j·x_2j+1, η(y) = Σ_j y_2j·y_2j+1,
// an identity of integers, hence of wrapping int32 sums: the same bits as the scalar loops.
// The pair sums fit int16 ([−256, 254]) and two of their products fit int32, so one
// i32x4.dot_i16x8_s does sixteen multiply-accumulates of the original. The input rows are
// split into even and odd elements widened to int16 once, with their ξ; each weight row is
// split in registers, its η computed once, and streamed once per group of input rows.
import { SCRATCH2, SCRATCH2_END, bytes4, hsum4, requant4, requant4k } from "./vquant";

/** ξ of each widened row (i32, up to MAX_ROWS), then the widened rows. */
const XI: usize = SCRATCH2;
const MAX_ROWS: i32 = 64;
const ROWS: usize = SCRATCH2 + <usize>(MAX_ROWS << 2);

/**
 * out[m][n] = requant(bias[n] + x_m·w_n, mult[n], shift[n]) with the column table of
 * prepareColumns at `cols` (N entries). K is a multiple of 16 and M ≥ 4. Input rows are
 * widened in groups of as many as fit; returns false, computing nothing, when four rows do
 * not fit (the caller then runs gemm).
 */
export function gemmWidened(
  x: usize,
  w: usize,
  bias: usize,
  mult: usize,
  shift: usize,
  out: usize,
  M: i32,
  N: i32,
  K: i32,
  cols: usize,
): bool {
  const rowBytes = <usize>K << 1;
  const fit = min(MAX_ROWS, <i32>((SCRATCH2_END - ROWS) / rowBytes)) & ~3;
  if (fit < 4) return false;
  for (let g: i32 = 0; g < M; g += fit) {
    const rows = min(fit, M - g);
    widenRows(x + <usize>g * <usize>K, rows, K);
    for (let n: i32 = 0; n < N; n++) {
      const wn = w + <usize>n * <usize>K;
      const eta = pairSum(wn, K);
      const dst = out + <usize>g * <usize>N;
      for (let a: i32 = 0; a < rows; a += 4) panel(wn, a, rows, K, n, N, dst + <usize>a * <usize>N, eta, bias, mult, shift, cols);
    }
  }
  return true;
}

/** The even bytes of v sign-extended to int16 lanes. */
// @ts-ignore: decorator
@inline
function evens(v: v128): v128 {
  return i16x8.shr_s(i16x8.shl(v, 8), 8);
}

/** The odd bytes of v sign-extended to int16 lanes. */
// @ts-ignore: decorator
@inline
function odds(v: v128): v128 {
  return i16x8.shr_s(v, 8);
}

/** η of an int8 row of K bytes: Σ_j y_2j·y_2j+1 (wrapping). */
function pairSum(y: usize, K: i32): i32 {
  let s = i32x4.splat(0);
  for (let k: usize = 0; k < <usize>K; k += 16) {
    const v = v128.load(y + k);
    s = i32x4.add(s, i32x4.dot_i16x8_s(evens(v), odds(v)));
  }
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

/**
 * Rows x[0..rows) widened at ROWS, per 16 input bytes their 8 even then their 8 odd elements
 * as int16, and their ξ at XI; rows up to the next multiple of four get the last row's ξ
 * (panel repeats the last row there).
 */
function widenRows(x: usize, rows: i32, K: i32): void {
  const k4 = <usize>K;
  for (let r: i32 = 0; r < rows; r++) {
    const src = x + <usize>r * k4;
    const dst = ROWS + ((<usize>r * k4) << 1);
    let s = i32x4.splat(0);
    for (let k: usize = 0; k < k4; k += 16) {
      const v = v128.load(src + k);
      const e = evens(v);
      const o = odds(v);
      v128.store(dst + (k << 1), e);
      v128.store(dst + (k << 1), o, 16);
      s = i32x4.add(s, i32x4.dot_i16x8_s(e, o));
    }
    store<i32>(XI + (<usize>r << 2), i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
  }
  const xiLast = load<i32>(XI + (<usize>(rows - 1) << 2));
  for (let r: i32 = rows; r < ((rows + 3) & ~3); r++) store<i32>(XI + (<usize>r << 2), xiLast);
}

/**
 * Dot products of weight row w_n (η = eta) with widened rows a..a+3 of the group (a row past
 * `rows` repeats the last one, computed and not stored), requantized with column n's
 * parameters and stored at dst + j·N + n for row a + j.
 */
// @ts-ignore: decorator
@inline
function panel(wn: usize, a: i32, rows: i32, K: i32, n: i32, N: i32, dst: usize, eta: i32, bias: usize, mult: usize, shift: usize, cols: usize): void {
  const rb = <usize>K << 1;
  const last = rows - 1;
  const p0 = ROWS + <usize>a * rb;
  const p1 = ROWS + <usize>min(a + 1, last) * rb;
  const p2 = ROWS + <usize>min(a + 2, last) * rb;
  const p3 = ROWS + <usize>min(a + 3, last) * rb;
  let c0 = i32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  const k4 = <usize>K;
  for (let k: usize = 0; k < k4; k += 16) {
    const y = v128.load(wn + k);
    const ye = evens(y);
    const yo = odds(y);
    const o = k << 1;
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(i16x8.add(v128.load(p0 + o), yo), i16x8.add(v128.load(p0 + o, 16), ye)));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(i16x8.add(v128.load(p1 + o), yo), i16x8.add(v128.load(p1 + o, 16), ye)));
    c2 = i32x4.add(c2, i32x4.dot_i16x8_s(i16x8.add(v128.load(p2 + o), yo), i16x8.add(v128.load(p2 + o, 16), ye)));
    c3 = i32x4.add(c3, i32x4.dot_i16x8_s(i16x8.add(v128.load(p3 + o), yo), i16x8.add(v128.load(p3 + o, 16), ye)));
  }
  const q = <usize>n;
  const nn = <usize>N;
  const dots = i32x4.sub(hsum4(c0, c1, c2, c3), v128.load(XI + (<usize>a << 2)));
  const acc = i32x4.add(dots, i32x4.splat(load<i32>(bias + (q << 2)) - eta));
  let v: v128;
  if (load<u8>(cols + nn * 12 + q) != 0) {
    const L = v128.load32_splat(cols + (nn << 3) + (q << 2));
    v = bytes4(requant4k(acc, i32x4.neg(L), L, v128.load64_splat(cols + (q << 3))));
  } else {
    v = bytes4(requant4(acc, load<i32>(mult + (q << 2)), load<i32>(shift + (q << 2))));
  }
  const d = dst + q;
  v128.store8_lane(d, v, 0);
  if (a + 1 < rows) v128.store8_lane(d + nn, v, 1);
  if (a + 2 < rows) v128.store8_lane(d + 2 * nn, v, 2);
  if (a + 3 < rows) v128.store8_lane(d + 3 * nn, v, 3);
}
