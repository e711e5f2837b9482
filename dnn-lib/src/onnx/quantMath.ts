/**
 * Compile-time quantization arithmetic of docs/fixed-point.md: float scales to
 * integer multiplier + shift (§2) and symmetric int8 rounding of weights and
 * constants; the lookup tables of §4 and the multiplier conversion are
 * dnn-lib's own (dnn-lib/src/tables.ts). Floats live only at import time;
 * what comes out is integers.
 */
import { OnnxUnsupportedError } from "./errors.ts";
import { ACTIVATIONS, expTable, lutTable, quantizeMultiplier as tablesQuantizeMultiplier } from "../tables.ts";

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
 * The real factor M ≥ 0 as m / 2^s with m ∈ [2^30, 2^31) and s ∈ [0, 62] (§2), by dnn-lib's
 * `quantizeMultiplier` (dnn-lib/src/tables.ts); a factor out of range names what it was for.
 */
export function quantizeMultiplier(M: number, what = "multiplier"): { m: number; s: number } {
  try {
    return tablesQuantizeMultiplier(M);
  } catch (e) {
    throw new OnnxUnsupportedError("scale", `${what}: requantization factor out of range`, {
      details: `M = ${M}`,
      cause: e,
    });
  }
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
  // A plain loop: Int8Array.from with a map function walks the iterator protocol (several times slower).
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = sat8(roundHalfAway(values[i]! / scale));
  return q;
}

/** int8 codes times their scale, as floats (the model's real-valued output). */
export function dequantizeI8(q: Int8Array, scale: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scale;
  return out;
}

/** The largest magnitude of values[from, to) (0 when empty); `to` at most values.length. */
export function maxAbs(values: ArrayLike<number>, from = 0, to = values.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** The ONNX operators that become a `lut` node, with their float functions (dnn-lib/src/tables.ts). */
export const NONLINEAR = {
  Gelu: ACTIVATIONS.gelu,
  Sigmoid: ACTIVATIONS.sigmoid,
  Tanh: ACTIVATIONS.tanh,
} satisfies Record<string, (r: number) => number>;

export { lutTable, expTable };

/** Per-output-channel int8 weights of w[N][K] (row n = channel n, w of N·K values) with their scales. */
export function quantizePerChannel(w: ArrayLike<number>, N: number, K: number): { q: Int8Array; scales: Float64Array } {
  const q = new Int8Array(N * K);
  const scales = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const s = scaleOf(maxAbs(w, n * K, (n + 1) * K));
    scales[n] = s;
    for (let k = 0; k < K; k++) q[n * K + k] = sat8(roundHalfAway(w[n * K + k]! / s));
  }
  return { q, scales };
}
