/**
 * The int16 activation table of docs/fixed-point.md §4.1, which cites this file as its definition:
 * the 257 breakpoints of `lut16` (op 27), at inputs q = −32768 + 256·i, i ∈ [0, 256]. The kernels
 * (reference, VM, SIMD, WGSL) interpolate whatever table a node's operand holds — the table is a
 * committed weight, so no kernel checks it against this function. A builder that lowers a float
 * activation to `lut16` makes its table with `lut16Table`, as it makes the int8 `lut`'s with
 * `tables.ts`; the §4.1 error bounds are measured on these tables
 * (dnn-lib/test/lut16Error.test.ts). Floats live only here.
 */
import { DnnShapeError } from "./errors.ts";
import { roundAway } from "./tables.ts";

const sat16 = (v: number) => Math.max(-32768, Math.min(32767, v));

/** t[i] = sat16(round(f(sIn · (−32768 + 256·i)) / sOut)); t[256] is the end point q = 32768. */
export function lut16Table(f: (r: number) => number, sIn: number, sOut: number): Int16Array {
  for (const [what, s] of [
    ["input scale", sIn],
    ["output scale", sOut],
  ] as const)
    if (!(s > 0 && Number.isFinite(s)))
      throw new DnnShapeError(`${what} must be a positive finite scale`, { details: `${what} = ${s}` });
  return Int16Array.from({ length: 257 }, (_, i) => sat16(roundAway(f(sIn * (-32768 + 256 * i)) / sOut)));
}
