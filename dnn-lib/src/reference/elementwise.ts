import { checkMult, requant, rshr, sat8 } from "./arith.ts";
import { expectLength } from "./expect.ts";

/** out = sat8(rshr(a·mA + b·mB, s)). */
export function add(a: Int8Array, b: Int8Array, mA: number, mB: number, s: number): Int8Array {
  expectLength("add", "b", b, a.length);
  checkMult(mA, "mA");
  checkMult(mB, "mB");
  return Int8Array.from(a, (ai, i) => sat8(rshr(BigInt(ai) * BigInt(mA) + BigInt(b[i]!) * BigInt(mB), s)));
}

/** out = sat8(rshr(a·b·m, s)). */
export function mul(a: Int8Array, b: Int8Array, m: number, s: number): Int8Array {
  expectLength("mul", "b", b, a.length);
  checkMult(m);
  return Int8Array.from(a, (ai, i) => sat8(rshr(BigInt(ai * b[i]!) * BigInt(m), s)));
}

export function relu(x: Int8Array): Int8Array {
  return Int8Array.from(x, (v) => (v > 0 ? v : 0));
}

/** out = table[x + 128]: gelu, silu, sigmoid, tanh and every other int8 → int8 function. */
export function lut(x: Int8Array, table: Int8Array): Int8Array {
  expectLength("lut", "table", table, 256);
  return Int8Array.from(x, (v) => table[v + 128]!);
}

/** Requantize an int32 [R][C] tensor with per-column multiplier and shift. */
export function requantTensor(x: Int32Array, mult: Int32Array, shift: Int32Array, R: number, C: number): Int8Array {
  expectLength("requant", "x", x, R * C);
  expectLength("requant", "mult", mult, C);
  expectLength("requant", "shift", shift, C);
  return Int8Array.from(x, (v, i) => requant(v, mult[i % C]!, shift[i % C]!));
}

/** The first index of the maximum of each row of x[R][L]. */
export function argmax(x: Int8Array, R: number, L: number): Int32Array {
  expectLength("argmax", "x", x, R * L);
  const out = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    let best = 0;
    for (let i = 1; i < L; i++) if (x[r * L + i]! > x[r * L + best]!) best = i;
    out[r] = best;
  }
  return out;
}
