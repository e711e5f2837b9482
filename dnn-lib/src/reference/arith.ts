/**
 * The integer primitives of docs/fixed-point.md §2, written with BigInt so that
 * there is no question of precision: this is the slow truth the kernels are
 * diffed against.
 */
import { DnnShapeError } from "../errors.ts";

const TWO62 = 1n << 62n;

/** Clamp to the int8 range [-128, 127]. */
export function sat8(v: number | bigint): number {
  const n = typeof v === "bigint" ? v : BigInt(v);
  if (n > 127n) return 127;
  if (n < -128n) return -128;
  return Number(n);
}

/** Round half away from zero of p / 2^s, s in [0, 62], |p| <= 2^62. */
export function rshr(p: bigint, s: number): bigint {
  checkShift(s);
  if (p > TWO62 || p < -TWO62) throw new DnnShapeError("rshr operand out of range", { details: `|${p}| > 2^62` });
  if (s === 0) return p;
  const mag = p < 0n ? -p : p;
  const q = (mag + (1n << BigInt(s - 1))) >> BigInt(s);
  return p < 0n ? -q : q;
}

/** Round half away from zero of a / n, n > 0. */
export function divr(a: bigint, n: bigint): bigint {
  if (n <= 0n) throw new DnnShapeError("divr divisor must be positive", { details: `n = ${n}` });
  const mag = a < 0n ? -a : a;
  const q = (2n * mag + n) / (2n * n);
  return a < 0n ? -q : q;
}

/** requant(acc, m, s) = sat8(rshr(acc * m, s)); acc is taken as int32. */
export function requant(acc: number, m: number, s: number): number {
  checkMult(m);
  return sat8(rshr(BigInt(acc | 0) * BigInt(m), s));
}

export function checkMult(m: number, what = "multiplier"): void {
  if (!Number.isInteger(m) || m < 0 || m > 0x7fffffff)
    throw new DnnShapeError(`${what} out of range`, { details: `${what} = ${m}, must be in [0, 2^31)` });
}

export function checkShift(s: number): void {
  if (!Number.isInteger(s) || s < 0 || s > 62)
    throw new DnnShapeError("shift out of range", { details: `shift = ${s}, must be in [0, 62]` });
}

/** Floor square root of a non-negative bigint, Newton's method, checked. */
export function isqrt(v: bigint): bigint {
  if (v < 0n) throw new DnnShapeError("isqrt of a negative number", { details: `${v}` });
  if (v < 2n) return v;
  let x = v;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + v / x) / 2n;
  }
  if (x * x > v || (x + 1n) * (x + 1n) <= v) throw new Error(`isqrt(${v}) = ${x} is not the floor root`);
  return x;
}

/** Wrapping int32 addition. */
export function add32(a: number, b: number): number {
  return (a + b) | 0;
}

/** Wrapping int32 multiply-accumulate. */
export function mac32(acc: number, a: number, b: number): number {
  return (acc + Math.imul(a, b)) | 0;
}
