/**
 * The int16-activation operators of docs/fixed-point.md §3.1, written with
 * BigInt like the rest of the reference: requantization to int16, the int8 ↔
 * int16 conversions, matmul with int16 activations × int8 weights, add, mul,
 * relu and the interpolated int16 lookup table.
 */
import { checkMult, rshr } from "./arith.ts";
import { linear } from "./matmul.ts";
import { expectLength } from "./expect.ts";

/** Clamp to the int16 range [-32768, 32767]. */
export function sat16(v: number | bigint): number {
  const n = typeof v === "bigint" ? v : BigInt(v);
  if (n > 32767n) return 32767;
  if (n < -32768n) return -32768;
  return Number(n);
}

/** sat16(rshr(acc · m, s)); acc taken as int32. */
export function requant16(acc: number, m: number, s: number): number {
  checkMult(m);
  return sat16(rshr(BigInt(acc | 0) * BigInt(m), s));
}

/** Requantize an int32 [R][C] tensor to int16 with per-column multiplier and shift. */
export function requantTensor16(x: Int32Array, mult: Int32Array, shift: Int32Array, R: number, C: number): Int16Array {
  expectLength("requant16", "x", x, R * C);
  expectLength("requant16", "mult", mult, C);
  expectLength("requant16", "shift", shift, C);
  return Int16Array.from(x, (v, i) => requant16(v, mult[i % C]!, shift[i % C]!));
}

/** int8 → int16: out = sat16(rshr(x · m, s)). */
export function cvt8to16(x: Int8Array, m: number, s: number): Int16Array {
  checkMult(m);
  return Int16Array.from(x, (v) => sat16(rshr(BigInt(v) * BigInt(m), s)));
}

/** int16 → int8: out = sat8(rshr(x · m, s)). */
export function cvt16to8(x: Int16Array, m: number, s: number): Int8Array {
  checkMult(m);
  return Int8Array.from(x, (v) => {
    const r = rshr(BigInt(v) * BigInt(m), s);
    return r > 127n ? 127 : r < -128n ? -128 : Number(r);
  });
}

/** out[m][n] = sat16(rshr((bias[n] + Σ_k x[m][k]·w[n][k]) · mult[n], shift[n])), the sum in wrapping int32. */
export function matmul16(
  x: Int16Array,
  w: Int8Array,
  bias: Int32Array,
  mult: Int32Array,
  shift: Int32Array,
  M: number,
  N: number,
  K: number,
): Int16Array {
  return linear("matmul16", x, w, bias, mult, shift, { M, N, K }, requant16, new Int16Array(M * N));
}

/** out = sat16(rshr(a·mA + b·mB, s)). */
export function add16(a: Int16Array, b: Int16Array, mA: number, mB: number, s: number): Int16Array {
  expectLength("add16", "b", b, a.length);
  checkMult(mA, "mA");
  checkMult(mB, "mB");
  return Int16Array.from(a, (ai, i) => sat16(rshr(BigInt(ai) * BigInt(mA) + BigInt(b[i]!) * BigInt(mB), s)));
}

/** out = sat16(rshr(a·b·m, s)). */
export function mul16(a: Int16Array, b: Int16Array, m: number, s: number): Int16Array {
  expectLength("mul16", "b", b, a.length);
  checkMult(m);
  return Int16Array.from(a, (ai, i) => sat16(rshr(BigInt(ai) * BigInt(b[i]!) * BigInt(m), s)));
}

export function relu16(x: Int16Array): Int16Array {
  return Int16Array.from(x, (v) => (v > 0 ? v : 0));
}

/** Entries of the interpolated int16 table: breakpoints every 256 input LSB, plus the end point. */
export const LUT16_ENTRIES = 257;

/**
 * Piecewise-linear int16 table: u = x + 32768, i = u >> 8, f = u & 255,
 * out = t[i] + rshr((t[i+1] − t[i]) · f, 8). The result lies between t[i] and t[i+1].
 */
export function lut16(x: Int16Array, table: Int16Array): Int16Array {
  expectLength("lut16", "table", table, LUT16_ENTRIES);
  return Int16Array.from(x, (v) => {
    const u = v + 32768;
    const i = u >> 8; // 0 … 255, and the table has 257 entries
    const lo = table[i]!;
    return lo + Number(rshr(BigInt(table[i + 1]! - lo) * BigInt(u & 255), 8));
  });
}
