/**
 * Compile-time tables (docs/fixed-point.md §4): the int8 lookup tables of the
 * elementwise non-linearities, the softmax exponent table, the rotary tables,
 * and the float → (multiplier, shift) conversion. Floats live only here; what
 * they produce is committed as weights.
 */
import { DnnShapeError } from "./errors.ts";

/** Round half away from zero. */
export function roundAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

const sat8 = (v: number) => Math.max(-128, Math.min(127, v));

/** erf: Maclaurin series for |z| < 3, continued fraction of erfc above (error < 1e-13). */
export function erf(z: number): number {
  const a = Math.abs(z);
  if (a < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))) (Lentz-free backward evaluation)
  let f = a;
  for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(z) * (1 - erfc);
}

export const ACTIVATIONS = {
  gelu: (r: number) => 0.5 * r * (1 + erf(r / Math.SQRT2)),
  silu: (r: number) => r / (1 + Math.exp(-r)),
  sigmoid: (r: number) => 1 / (1 + Math.exp(-r)),
  tanh: (r: number) => Math.tanh(r),
} as const;
export type Activation = keyof typeof ACTIVATIONS;

function checkScale(what: string, s: number): void {
  if (!(s > 0 && Number.isFinite(s)))
    throw new DnnShapeError(`${what} must be a positive finite scale`, { details: `${what} = ${s}` });
}

/** table[q + 128] = sat8(round(f(sIn · q) / sOut)). */
export function lutTable(f: (r: number) => number, sIn: number, sOut: number): Int8Array {
  checkScale("input scale", sIn);
  checkScale("output scale", sOut);
  return Int8Array.from({ length: 256 }, (_, i) => sat8(roundAway(f(sIn * (i - 128)) / sOut)));
}

/** exp[j] = round(2^15 · e^(−sIn · j)), j ∈ [0, 255]. */
export function expTable(sIn: number): Int32Array {
  checkScale("softmax input scale", sIn);
  return Int32Array.from({ length: 256 }, (_, j) => roundAway(32768 * Math.exp(-sIn * j)));
}

/** Rotary tables cos/sin [P][Dh/2] in Q14 for θ_i = base^(−2i/Dh). */
export function rotaryTables(P: number, Dh: number, base = 10000): { cos: Int16Array; sin: Int16Array } {
  const half = Dh / 2;
  const cos = new Int16Array(P * half);
  const sin = new Int16Array(P * half);
  for (let p = 0; p < P; p++)
    for (let i = 0; i < half; i++) {
      const angle = p * base ** ((-2 * i) / Dh);
      cos[p * half + i] = roundAway(16384 * Math.cos(angle));
      sin[p * half + i] = roundAway(16384 * Math.sin(angle));
    }
  return { cos, sin };
}

/**
 * The (m, s) with m ∈ [2^30, 2^31) and s ∈ [0, 62] such that m / 2^s is closest to M
 * (docs/fixed-point.md §2); M = 0 gives (0, 0). M too large or too small for the range is an error.
 */
export function quantizeMultiplier(M: number): { m: number; s: number } {
  if (!(M >= 0 && Number.isFinite(M)))
    throw new DnnShapeError("requantization factor must be finite and ≥ 0", { details: `M = ${M}` });
  if (M === 0) return { m: 0, s: 0 };
  let s = 30 - Math.floor(Math.log2(M));
  let m = Math.round(M * 2 ** s);
  if (m >= 2 ** 31) {
    s -= 1;
    m = Math.round(M * 2 ** s);
  }
  if (m < 2 ** 30) {
    s += 1;
    m = Math.round(M * 2 ** s);
  }
  if (s > 62) return { m: Math.round(M * 2 ** 62), s: 62 };
  if (s < 0) throw new DnnShapeError("requantization factor too large", { details: `M = ${M} ≥ 2^31` });
  return { m, s };
}
