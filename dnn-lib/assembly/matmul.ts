import { dot8, requant } from "./arith";

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
    for (let i: i32 = 0; i < OH; i++) {
      for (let j: i32 = 0; j < OW; j++) {
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
        store<i8>(out + <usize>((o * OH + i) * OW + j), requant(acc, load<i32>(mult + bo), load<i32>(shift + bo)));
      }
    }
  }
}
