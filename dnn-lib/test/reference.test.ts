import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { matmul } from "../src/reference/matmul.ts";
import { softmax } from "../src/reference/softmax.ts";
import { norm } from "../src/reference/norm.ts";
import { pool } from "../src/reference/pool.ts";
import { runReference } from "../src/reference/runReference.ts";
import { Op } from "../src/ops.ts";
import { DnnShapeError, DnnUnsupportedOpError } from "../src/errors.ts";

const i8 = (...v: number[]) => Int8Array.from(v);
const i32 = (...v: number[]) => Int32Array.from(v);

describe("TypeScript reference operators, checked by hand", () => {
  test("matmul computes bias + x·wᵀ per output channel then requantizes", () => {
    // x = [[1, 2], [3, -4]], w rows: [1, 1], [2, -1]; bias [10, 0]; channel 1 halves (m = 2^30, s = 31)
    const out = matmul(i8(1, 2, 3, -4), i8(1, 1, 2, -1), i32(10, 0), i32(1 << 30, 1 << 30), i32(30, 31), 2, 2, 2);
    // m=2^30,s=30 is ×1 ; ch0: 10+3=13, 10-1=9 ; ch1: (2-2)/2=0, (6+4)/2=5
    assert.deepEqual([...out], [13, 0, 9, 5]);
  });
  test("matmul accumulates in wrapping int32", () => {
    const K = 1;
    const out = matmul(i8(1), i8(1), i32(0x7fffffff), i32(1 << 30), i32(30), 1, 1, K);
    assert.equal(out[0], -128); // 0x7fffffff + 1 wraps to -2^31, saturates low
  });
  test("softmax of equal entries splits 127 evenly and a dominant entry takes all", () => {
    const exp = Int32Array.from({ length: 256 }, (_, j) => Math.round(32768 * Math.exp(-j / 4)));
    assert.deepEqual([...softmax(i8(5, 5), exp, 1, 2)], [64, 64]); // 63.5 rounds up
    assert.deepEqual([...softmax(i8(127, -128), exp, 1, 2)], [127, 0]);
  });
  test("layernorm of [-1, 1] is [-1, 1] in Q12 scaled by gamma", () => {
    // c = [-2*1... D=2: S=0, c=[-2,2], V=(4+4)/2=4, r=2, n=[-4096, 4096]; gamma 1, m/2^s = 1/4096
    const out = norm(i8(-1, 1), i8(1, 1), i32(0, 0), { R: 1, D: 2, mode: 0, eps: 0, m: 1 << 30, s: 42 });
    assert.deepEqual([...out], [-1, 1]);
  });
  test("norm of a constant row is beta alone (r = 0 gives a zero normalized value)", () => {
    const out = norm(i8(7, 7, 7), i8(3, 3, 3), i32(4096, -4096, 0), { R: 1, D: 3, mode: 0, eps: 0, m: 1 << 30, s: 42 });
    assert.deepEqual([...out], [1, -1, 0]);
  });
  test("avgpool rounds half away from zero, maxpool takes the max", () => {
    const x = i8(1, 2, -3, -4);
    assert.deepEqual([...pool("avg", x, { C: 1, H: 2, W: 2, K: 2, stride: 1 })], [-1]); // -1
    assert.deepEqual([...pool("avg", i8(1, 2, 3, 4), { C: 1, H: 2, W: 2, K: 2, stride: 2 })], [3]); // 2.5 -> 3
    assert.deepEqual([...pool("max", x, { C: 1, H: 2, W: 2, K: 2, stride: 1 })], [2]);
  });
  test("runReference names the bad operand, the bad op and the bad parameter count", () => {
    assert.throws(() => runReference(Op.relu, [new Uint8Array(3)], [4]), /relu: operand x has the wrong length/);
    assert.throws(() => runReference(99, [], []), DnnUnsupportedOpError);
    assert.throws(() => runReference(Op.matmul, [], [1, 2]), DnnShapeError);
    assert.throws(
      () => runReference(Op.gather, [new Uint8Array(4), Uint8Array.of(9, 0, 0, 0)], [2, 2, 1]),
      /id out of range/,
    );
  });
});
