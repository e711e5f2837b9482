/**
 * Compile-time table of the int16 non-linearities (docs/fixed-point.md §4.1): the
 * 257 breakpoints of `lut16`, at inputs q = −32768 + 256·i, i ∈ [0, 256]. Floats
 * live only here; the table is committed as a weight.
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
