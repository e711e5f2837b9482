import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../src/ops.ts";
import { threeWay } from "./threeWay.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runImage, runKernel } from "../src/runKernel.ts";
import { buildNodeInput, DESC_PARAMS, type NodeSpec } from "../src/nodeInput.ts";
import { DnnKernelTrapError, DnnShapeError } from "../src/errors.ts";

const i8 = (...v: number[]) => new Uint8Array(Int8Array.from(v).buffer);
const i16 = (...v: number[]) => new Uint8Array(Int16Array.from(v).buffer);
const i32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const fill32 = (n: number, v: number) => new Uint8Array(new Int32Array(n).fill(v).buffer);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const as16 = (b: Uint8Array) => [...new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2)];
const as8 = (b: Uint8Array) => [...new Int8Array(b.buffer, b.byteOffset, b.byteLength)];
const sat16 = (v: number) => Math.max(-32768, Math.min(32767, v));
/** Round half away from zero of a rational, as the spec's rshr does. */
const rha = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5) || 0;

describe("int16 activations: ties, saturation at ±32767/−32768, exact and wrapping accumulators, traps", () => {
  test("requant16 rounds ties half away from zero and saturates at 32767 and −32768", async () => {
    const xs = [...range(-9, 9), 0x7fffffff, -0x80000000, 65535, 65536, -65536, -65537, 65533];
    // ×1/2: ties at every odd x; |x|/2 ≥ 32768 saturates
    const out = await threeWay({
      op: Op.requant16,
      inputs: [i32(...xs), i32(1 << 30), i32(31)],
      params: [xs.length, 1],
    });
    assert.deepEqual(
      as16(out),
      xs.map((x) => sat16(rha(x / 2))),
    );
    assert.deepEqual(as16(out).slice(-7), [32767, -32768, 32767, 32767, -32768, -32768, 32767]);
  });
  test("int8 → int16 ×256 is exact (−128 → −32768) and ×257 saturates only −128 (−32896 → −32768)", async () => {
    const xs = range(-128, 127);
    const x256 = await threeWay({ op: Op.cvt8to16, inputs: [i8(...xs)], params: [256, 1 << 30, 22] });
    assert.deepEqual(
      as16(x256),
      xs.map((x) => x * 256),
    );
    const x257 = await threeWay({ op: Op.cvt8to16, inputs: [i8(...xs)], params: [256, 257 << 22, 22] });
    assert.deepEqual(
      as16(x257),
      xs.map((x) => sat16(x * 257)),
    );
    assert.deepEqual([as16(x257)[0], as16(x257)[1], as16(x257)[255]], [-32768, -32639, 32639]);
  });
  test("int16 → int8 ÷256 rounds ties away from zero and saturates; every int16 value", async () => {
    const xs = range(-32768, 32767);
    const out = await threeWay({ op: Op.cvt16to8, inputs: [i16(...xs)], params: [xs.length, 1 << 30, 38] });
    const got = as8(out);
    xs.forEach((x, i) => {
      if (got[i] !== Math.max(-128, Math.min(127, rha(x / 256)))) assert.fail(`x = ${x}: got ${got[i]}`);
    });
    assert.deepEqual([got[0], got[65535], got[32768 + 128], got[32768 - 128]], [-128, 127, 1, -1]); // ±128/256 = ±0.5
  });
  test("matmul16 accumulators are exact: small operands, ×1 requantization, K across the SIMD lanes and tails", async () => {
    for (const K of [1, 7, 8, 9, 16, 63, 70]) {
      const x = Int16Array.from({ length: 2 * K }, (_, k) => ((k * 7919) % 201) - 100);
      const w = Int8Array.from({ length: 3 * K }, (_, k) => ((k * 31) % 5) - 2);
      const bias = [17, -5, 0];
      const out = await threeWay({
        op: Op.matmul16,
        inputs: [new Uint8Array(x.buffer), new Uint8Array(w.buffer), i32(...bias), fill32(3, 1 << 30), fill32(3, 30)],
        params: [2, 3, K],
      });
      const want: number[] = [];
      for (let m = 0; m < 2; m++)
        for (let n = 0; n < 3; n++) {
          let acc = bias[n]!;
          for (let k = 0; k < K; k++) acc += x[m * K + k]! * w[n * K + k]!;
          want.push(sat16(acc));
        }
      assert.deepEqual(as16(out), want, `K = ${K}`);
    }
  });
  test("matmul16 with K = 511 extreme products stays exact (511·2^22 < 2^31); K = 512 wraps to −2^31 identically in all three", async () => {
    const run = (K: number) =>
      threeWay({
        op: Op.matmul16,
        inputs: [
          i16(...new Array<number>(K).fill(-32768)),
          i8(...new Array<number>(K).fill(-128)),
          i32(0),
          i32(1 << 30),
          i32(52),
        ],
        params: [1, 1, K],
      });
    // ×2^-22: 511·2^22 → 511 exactly
    assert.deepEqual(as16(await run(511)), [511]);
    // 512·2^22 = 2^31 wraps to −2^31 in int32: ×2^-22 gives −512
    assert.deepEqual(as16(await run(512)), [-512]);
  });
  test("add16 and mul16 saturate at both ends; mul16 of (−32768)² with the largest multiplier stays in int64", async () => {
    const a = [32767, -32768, 32767, -32768, 100, -7];
    const b = [32767, -32768, -32768, 32767, -3, -7];
    const add = await threeWay({ op: Op.add16, inputs: [i16(...a), i16(...b)], params: [6, 1 << 30, 1 << 30, 30] });
    assert.deepEqual(
      as16(add),
      a.map((v, i) => sat16(v + b[i]!)),
    );
    const mul = await threeWay({ op: Op.mul16, inputs: [i16(...a), i16(...b)], params: [6, 0x7fffffff, 0] });
    assert.deepEqual(as16(mul), [32767, 32767, -32768, -32768, -32768, 32767]);
    const exact = await threeWay({ op: Op.mul16, inputs: [i16(...a), i16(...b)], params: [6, 1 << 30, 45] });
    assert.deepEqual(
      as16(exact),
      a.map((v, i) => sat16(rha((v * b[i]!) / 2 ** 15))),
    );
  });
  test("relu16 clamps −32768 and keeps 32767 on all 65536 values", async () => {
    const xs = range(-32768, 32767);
    const out = as16(await threeWay({ op: Op.relu16, inputs: [i16(...xs)], params: [xs.length] }));
    assert.deepEqual([out[0], out[32767], out[32768], out[65535]], [0, 0, 0, 32767]);
  });
  test("lut16 with the linear table t[i] = 128·(i − 128) interpolates x/2 (ties up) for every int16 x", async () => {
    const table = i16(...range(0, 256).map((i) => 128 * (i - 128)));
    const xs = range(-32768, 32767);
    const out = as16(await threeWay({ op: Op.lut16, inputs: [i16(...xs), table], params: [xs.length] }));
    xs.forEach((x, i) => {
      if (out[i] !== Math.floor((x + 1) / 2)) assert.fail(`x = ${x}: got ${out[i]}`);
    });
  });
  test("lut16 interpolation stays between the two table entries at the extremes (−32768 to 32767 in one step)", async () => {
    const table = new Int16Array(257).fill(-32768);
    table.fill(32767, 129);
    const xs = range(-256, 255);
    const out = as16(
      await threeWay({ op: Op.lut16, inputs: [i16(...xs), new Uint8Array(table.buffer)], params: [xs.length] }),
    );
    xs.forEach((x, i) => {
      const f = (x + 32768) & 255;
      const want = x < 0 ? -32768 : -32768 + rha((65535 * f) / 256);
      assert.equal(out[i], want, `x = ${x}`);
    });
  });
  test("strided: a [2][3][4] int16 tensor permuted (1, 2, 0) and a [3] row broadcast to [2][3]", async () => {
    const x = range(0, 23);
    const perm = as16(
      await threeWay({ op: Op.strided, inputs: [i16(...x)], params: [1, 3, 4, 2, 0, 4, 1, 12, 2, 24] }),
    );
    const want: number[] = [];
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) want.push(x[i * 12 + j * 4 + k]!);
    assert.deepEqual(perm, want);
    const bc = as8(await threeWay({ op: Op.strided, inputs: [i8(5, -6, 7)], params: [1, 1, 2, 3, 0, 0, 0, 1, 1, 3] }));
    assert.deepEqual(bc, [5, -6, 7, 5, -6, 7]);
  });
  test("bad int16 operands and parameters: the reference throws DnnShapeError and both builds trap", async () => {
    const bad: NodeSpec[] = [
      { op: Op.matmul16, inputs: [i16(1), i8(1), i32(0), i32(-1), i32(3)], params: [1, 1, 1] }, // negative multiplier
      { op: Op.requant16, inputs: [i32(1), i32(1), i32(63)], params: [1, 1] }, // shift 63
      { op: Op.cvt16to8, inputs: [new Uint8Array(3)], params: [1, 1, 0] }, // int16 operand of 3 bytes
      { op: Op.lut16, inputs: [i16(0), new Uint8Array(512)], params: [1] }, // table of 256 entries
      { op: Op.add16, inputs: [i16(1, 2), i16(1)], params: [2, 1, 1, 0] }, // b too short
    ];
    for (const node of bad) {
      assert.throws(() => runReference(node.op, node.inputs, node.params), DnnShapeError, `op ${node.op}`);
      for (const flavor of ["vm", "simd"] as const)
        await assert.rejects(runKernel(flavor, node), DnnKernelTrapError, `${flavor} op ${node.op}`);
    }
  });
  test("a strided view past its input, a negative stride or an element size of 3: DnnShapeError, and a descriptor carrying it traps", async () => {
    // [1][1][1][3] bytes with stride 1; param 7 is st3, param 8 is E (descriptor offset 144 + 4·i)
    const bad: [number, number][] = [
      [7, 2], // reads element 4 of 3
      [7, -1],
      [8, 3],
    ];
    for (const [i, v] of bad) {
      const params = [1, 1, 1, 3, 0, 0, 0, 1, 1, 3];
      params[i] = v;
      assert.throws(() => runReference(Op.strided, [i8(1, 2, 3)], params), DnnShapeError, `param ${i} = ${v}`);
      for (const flavor of ["vm", "simd"] as const) {
        const image = buildNodeInput({ op: Op.strided, inputs: [i8(1, 2, 3)], params: [1, 1, 1, 3, 0, 0, 0, 1, 1, 3] });
        new DataView(image.descriptor.buffer).setInt32(DESC_PARAMS + 4 * i, v, true);
        await assert.rejects(runImage(flavor, image, Op.strided), DnnKernelTrapError, `${flavor} param ${i} = ${v}`);
      }
    }
  });
});
