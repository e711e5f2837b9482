import { test } from "node:test";
import assert from "node:assert/strict";
import { lut16Table } from "../src/tables16.ts";
import { ACTIVATIONS, type Activation } from "../src/tables.ts";
import { lut16 } from "../src/reference/int16.ts";

/** Max error in output LSB over every int16 input, input range ±8 (docs/fixed-point.md §4.1), with a little slack. */
const BOUND: Record<Activation, number> = { gelu: 2.2, silu: 1.9, sigmoid: 2.3, tanh: 13 };

test("lut16 (257 breakpoints, linear interpolation) is within the spec's bound of float on all 65536 inputs, input range ±8", () => {
  const xs = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  const sIn = 8 / 32767;
  for (const name of Object.keys(ACTIVATIONS) as Activation[]) {
    const f = ACTIVATIONS[name];
    const sOut = Math.max(...Array.from(xs, (x) => Math.abs(f(sIn * x)))) / 32767;
    const out = lut16(xs, lut16Table(f, sIn, sOut));
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(out[i]! - f(sIn * x) / sOut))));
    console.log(`lut16 ${name}: max error ${worst.toFixed(3)} LSB = ${(worst / 32767).toExponential(2)} of full scale`);
    assert.ok(worst <= BOUND[name], `${name}: ${worst} LSB > ${BOUND[name]}`);
    // and it is more accurate than the int8 table's 0.5 LSB of 127 in absolute terms
    assert.ok(worst / 32767 < 0.5 / 127, `${name}: no better than int8`);
  }
});
