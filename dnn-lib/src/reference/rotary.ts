import { rshr, sat8 } from "./arith.ts";
import { expectLength } from "./expect.ts";
import { DnnShapeError } from "../errors.ts";

/** Rotary embedding ("rotate half" pairs (i, i + Dh/2)) of x[T][H][Dh] at positions pos0 + t. */
export function rotary(
  x: Int8Array,
  cos: Int16Array,
  sin: Int16Array,
  p: { T: number; H: number; Dh: number; pos0: number; P: number },
): Int8Array {
  const { T, H, Dh, pos0, P } = p;
  if (Dh % 2 !== 0) throw new DnnShapeError("rotary: head size must be even", { details: `Dh = ${Dh}` });
  const half = Dh / 2;
  expectLength("rotary", "x", x, T * H * Dh);
  expectLength("rotary", "cos", cos, P * half);
  expectLength("rotary", "sin", sin, P * half);
  if (pos0 < 0 || pos0 + T > P)
    throw new DnnShapeError("rotary: position outside the tables", { details: `pos0 = ${pos0}, T = ${T}, P = ${P}` });
  const out = new Int8Array(x.length);
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < half; i++) {
        const base = (t * H + h) * Dh;
        const c = BigInt(cos[(pos0 + t) * half + i]!);
        const s = BigInt(sin[(pos0 + t) * half + i]!);
        const x1 = BigInt(x[base + i]!);
        const x2 = BigInt(x[base + i + half]!);
        out[base + i] = sat8(rshr(x1 * c - x2 * s, 14));
        out[base + i + half] = sat8(rshr(x2 * c + x1 * s, 14));
      }
  return out;
}
