import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  ACTIVATIONS,
  erf,
  expTable,
  lutTable,
  quantizeMultiplier,
  rotaryTables,
  type Activation,
} from "../src/tables.ts";
import { DnnShapeError } from "../src/errors.ts";
import { Rng } from "../../common/rng.ts";

describe("compile-time tables (docs/fixed-point.md §4)", () => {
  test("erf matches known values to 1e-13 on both branches", () => {
    const known: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-2.9, -0.9999589021219005],
      [3.5, 0.9999992569016276],
      [5, 0.9999999999984626],
    ];
    for (const [z, v] of known) assert.ok(Math.abs(erf(z) - v) < 1e-13, `erf(${z}) = ${erf(z)}, expected ${v}`);
  });
  test("every activation table entry is within 0.5 LSB of f at the quantized input, unless saturated", () => {
    for (const name of Object.keys(ACTIVATIONS) as Activation[]) {
      for (const [sIn, sOut] of [
        [0.05, 0.02],
        [0.1, 1 / 127],
        [0.01, 0.005],
      ] as const) {
        const table = lutTable(ACTIVATIONS[name], sIn, sOut);
        table.forEach((t, i) => {
          const exact = ACTIVATIONS[name](sIn * (i - 128)) / sOut;
          if (t === 127 && exact >= 127) return;
          if (t === -128 && exact <= -128) return;
          assert.ok(Math.abs(t - exact) <= 0.5 + 1e-9, `${name}[${i - 128}] = ${t}, exact ${exact}`);
        });
      }
    }
  });
  test("the exp table starts at 2^15 and decreases", () => {
    const e = expTable(0.05);
    assert.equal(e[0], 32768);
    for (let j = 1; j < 256; j++) assert.ok(e[j]! <= e[j - 1]!);
    assert.throws(() => expTable(0), DnnShapeError);
  });
  test("rotary tables hold cos/sin in Q14, position 0 is the identity", () => {
    const { cos, sin } = rotaryTables(4, 8);
    assert.deepEqual([...cos.subarray(0, 4)], [16384, 16384, 16384, 16384]);
    assert.deepEqual([...sin.subarray(0, 4)], [0, 0, 0, 0]);
    assert.equal(sin[4], Math.round(16384 * Math.sin(1)));
  });
  test("quantizeMultiplier keeps 31 significant bits: m ∈ [2^30, 2^31), |m/2^s − M| ≤ 2^-31·M", () => {
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) {
      const M = 2 ** (rng.next() * 60 - 31);
      const { m, s } = quantizeMultiplier(M);
      assert.ok(m >= 2 ** 30 && m < 2 ** 31 && s >= 0 && s <= 62, `M = ${M}: m = ${m}, s = ${s}`);
      assert.ok(Math.abs(m / 2 ** s - M) <= M * 2 ** -31, `M = ${M}`);
    }
    assert.deepEqual(quantizeMultiplier(0), { m: 0, s: 0 });
    assert.throws(() => quantizeMultiplier(2 ** 31), /too large/);
  });
});
