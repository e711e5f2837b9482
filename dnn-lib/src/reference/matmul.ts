import { mac32, requant } from "./arith.ts";
import { expectLength } from "./expect.ts";

/** out[m][n] = requant(bias[n] + Σ_k x[m][k]·w[n][k], mult[n], shift[n]) — docs/fixed-point.md §3. */
export function matmul(
  x: Int8Array,
  w: Int8Array,
  bias: Int32Array,
  mult: Int32Array,
  shift: Int32Array,
  M: number,
  N: number,
  K: number,
): Int8Array {
  return linear("matmul", x, w, bias, mult, shift, { M, N, K }, requant, new Int8Array(M * N));
}

/**
 * The linear layer of `matmul` and `matmul16`: out[m][n] = rq(bias[n] + Σ_k x[m][k]·w[n][k], mult[n], shift[n]),
 * the sum in wrapping int32, x of int8 or int16 elements, w int8.
 */
export function linear<T extends Int8Array | Int16Array>(
  op: string,
  x: Int8Array | Int16Array,
  w: Int8Array,
  bias: Int32Array,
  mult: Int32Array,
  shift: Int32Array,
  { M, N, K }: { M: number; N: number; K: number },
  rq: (acc: number, m: number, s: number) => number,
  out: T,
): T {
  expectLength(op, "x", x, M * K);
  expectLength(op, "w", w, N * K);
  for (const [name, a] of [
    ["bias", bias],
    ["mult", mult],
    ["shift", shift],
  ] as const)
    expectLength(op, name, a, N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = bias[n]!;
      for (let k = 0; k < K; k++) acc = mac32(acc, x[m * K + k]!, w[n * K + k]!);
      out[m * N + n] = rq(acc, mult[n]!, shift[n]!);
    }
  return out;
}

/** conv2d over x[C][H][W] with w[OC][C][KH][KW], zero padding — docs/fixed-point.md §3. */
export function conv2d(
  x: Int8Array,
  w: Int8Array,
  bias: Int32Array,
  mult: Int32Array,
  shift: Int32Array,
  p: { C: number; H: number; W: number; OC: number; KH: number; KW: number; stride: number; pad: number },
): Int8Array {
  const { C, H, W, OC, KH, KW, stride, pad } = p;
  expectLength("conv2d", "x", x, C * H * W);
  expectLength("conv2d", "w", w, OC * C * KH * KW);
  for (const [name, a] of [
    ["bias", bias],
    ["mult", mult],
    ["shift", shift],
  ] as const)
    expectLength("conv2d", name, a, OC);
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1;
  const out = new Int8Array(OC * OH * OW);
  for (let o = 0; o < OC; o++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        let acc = bias[o]!;
        for (let c = 0; c < C; c++)
          for (let u = 0; u < KH; u++)
            for (let v = 0; v < KW; v++) {
              const y = i * stride + u - pad;
              const z = j * stride + v - pad;
              if (y < 0 || y >= H || z < 0 || z >= W) continue;
              acc = mac32(acc, x[(c * H + y) * W + z]!, w[((o * C + c) * KH + u) * KW + v]!);
            }
        out[(o * OH + i) * OW + j] = requant(acc, mult[o]!, shift[o]!);
      }
  return out;
}
