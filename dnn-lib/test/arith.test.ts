import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { divr, isqrt, requant, rshr, sat8 } from "../src/reference/arith.ts";
import { DnnShapeError } from "../src/errors.ts";

describe("fixed-point primitives (docs/fixed-point.md §2)", () => {
  test("rshr rounds half away from zero on both signs", () => {
    assert.equal(rshr(5n, 1), 3n); // 2.5 -> 3
    assert.equal(rshr(-5n, 1), -3n); // -2.5 -> -3
    assert.equal(rshr(7n, 2), 2n); // 1.75 -> 2
    assert.equal(rshr(-6n, 2), -2n); // -1.5 -> -2
    assert.equal(rshr(-5n, 2), -1n); // -1.25 -> -1
    assert.equal(rshr(123n, 0), 123n);
    assert.equal(rshr(1n << 62n, 62), 1n);
  });
  test("divr rounds half away from zero", () => {
    assert.equal(divr(5n, 2n), 3n);
    assert.equal(divr(-5n, 2n), -3n);
    assert.equal(divr(4n, 3n), 1n);
    assert.equal(divr(-5n, 3n), -2n);
    assert.throws(() => divr(1n, 0n), DnnShapeError);
  });
  test("requant multiplies by m/2^s, rounds once and saturates", () => {
    assert.equal(requant(1000, 1 << 30, 31), 127); // 500 saturates
    assert.equal(requant(-1000, 1 << 30, 31), -128);
    assert.equal(requant(101, 1 << 30, 32), 25); // 25.25
    assert.equal(requant(-102, 1 << 30, 32), -26); // -25.5 -> -26
    assert.equal(requant(-0x80000000, 0x7fffffff, 62), -1); // extreme product stays in range
  });
  test("requant rejects a negative multiplier and a shift outside [0, 62]", () => {
    assert.throws(() => requant(1, -1, 3), DnnShapeError);
    assert.throws(() => requant(1, 1, 63), /shift out of range/);
  });
  test("sat8 clamps to [-128, 127]", () => {
    assert.deepEqual([sat8(128), sat8(-129), sat8(5n), sat8(-128)], [127, -128, 5, -128]);
  });
  test("isqrt is the floor square root, up to 2^63", () => {
    for (const v of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, (1n << 63n) - 1n, 999999999999n])
      assert.ok(isqrt(v) ** 2n <= v && (isqrt(v) + 1n) ** 2n > v);
    assert.equal(isqrt(1n << 62n), 1n << 31n);
  });
});
