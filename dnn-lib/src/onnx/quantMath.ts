/**
 * Compile-time quantization arithmetic of docs/fixed-point.md: float scales to
 * integer multiplier + shift (§2), symmetric int8 rounding, and the lookup
 * tables of §4 (int8 LUTs for elementwise non-linearities, the softmax exp
 * table). Floats live only here, at import time; what comes out is integers.
 */
import { OnnxUnsupportedError } from "./errors.ts";

/** Round half away from zero. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

export function sat8(v: number): number {
  return Math.min(127, Math.max(-128, v));
}

export function clampI32(v: number): number {
  return Math.min(0x7fffffff, Math.max(-0x80000000, v));
}

/**
 * The real factor M ≥ 0 as m / 2^s with m ∈ [2^30, 2^31) and s ∈ [0, 62] as large as possible
 * (§2); M too small for s = 62 gives a smaller m (0 for M = 0).
 */
export function quantizeMultiplier(M: number, what = "multiplier"): { m: number; s: number } {
  if (!(M >= 0) || !Number.isFinite(M))
    throw new OnnxUnsupportedError("scale", `${what}: negative or non-finite requantization factor`, {
      details: `M = ${M}`,
    });
  if (M === 0) return { m: 0, s: 0 };
  let s = Math.floor(-Math.log2(M)) + 30;
  if (s > 62) s = 62;
  if (s < 0)
    throw new OnnxUnsupportedError("scale", `${what}: requantization factor too large`, { details: `M = ${M}` });
  let m = Math.round(M * 2 ** s);
  while (m >= 2 ** 31 && s > 0) {
    s--;
    m = Math.round(M * 2 ** s);
  }
  while (m < 2 ** 30 && s < 62 && Math.round(M * 2 ** (s + 1)) < 2 ** 31) {
    s++;
    m = Math.round(M * 2 ** s);
  }
  if (m >= 2 ** 31)
    throw new OnnxUnsupportedError("scale", `${what}: requantization factor too large`, { details: `M = ${M}` });
  return { m, s };
}

/** Two factors sharing one shift (the `add` op): the shift of the larger one. */
export function quantizeMultiplierPair(Ma: number, Mb: number, what = "add"): { mA: number; mB: number; s: number } {
  const { s } = quantizeMultiplier(Math.max(Ma, Mb), what);
  const mA = Math.round(Ma * 2 ** s);
  const mB = Math.round(Mb * 2 ** s);
  if (mA >= 2 ** 31 || mB >= 2 ** 31) return { mA: Math.min(mA, 2 ** 31 - 1), mB: Math.min(mB, 2 ** 31 - 1), s };
  return { mA, mB, s };
}

/** Per-tensor symmetric scale from the largest magnitude (1 when all zero). */
export function scaleOf(maxAbs: number): number {
  return maxAbs > 0 ? maxAbs / 127 : 1;
}

export function quantizeI8(values: ArrayLike<number>, scale: number): Int8Array {
  return Int8Array.from(values as ArrayLike<number>, (v) => sat8(roundHalfAway(v / scale)));
}

export function maxAbs(values: ArrayLike<number>, from = 0, to = values.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** erf by its Maclaurin series for |z| < 3 and 1 − erfc by the continued fraction above (§4). */
export function erf(z: number): number {
  const a = Math.abs(z);
  let r: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let K = a;
    for (let k = 60; k >= 1; k--) K = a + k / 2 / K;
    r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * K);
  }
  return z < 0 ? -r : r;
}

export const NONLINEAR: Record<string, (r: number) => number> = {
  Gelu: (r) => 0.5 * r * (1 + erf(r / Math.SQRT2)),
  Sigmoid: (r) => 1 / (1 + Math.exp(-r)),
  Tanh: (r) => Math.tanh(r),
  Silu: (r) => r / (1 + Math.exp(-r)),
};

/** The int8 LUT of §4: table[q + 128] = sat8(round(f(s_x·q) / s_out)). */
export function lutTable(f: (r: number) => number, sIn: number, sOut: number): Int8Array {
  const t = new Int8Array(256);
  for (let q = -128; q <= 127; q++) t[q + 128] = sat8(roundHalfAway(f(sIn * q) / sOut));
  return t;
}

/** The softmax / attention exp table of §4: exp[j] = round(2^15 · e^(−s_x·j)). */
export function expTable(sIn: number): Int32Array {
  return Int32Array.from({ length: 256 }, (_, j) => Math.round(2 ** 15 * Math.exp(-sIn * j)));
}

/** Per-output-channel int8 weights of w[N][K] (row n = channel n) with their scales. */
export function quantizePerChannel(w: ArrayLike<number>, N: number, K: number): { q: Int8Array; scales: Float64Array } {
  const q = new Int8Array(N * K);
  const scales = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const s = scaleOf(maxAbs(w, n * K, (n + 1) * K));
    scales[n] = s;
    for (let k = 0; k < K; k++) q[n * K + k] = sat8(roundHalfAway(w[n * K + k] / s));
  }
  return { q, scales };
}
