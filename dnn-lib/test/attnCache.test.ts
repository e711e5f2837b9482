import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { inputByteLengths, Op, outputByteLength } from "../src/ops.ts";
import { attnCache } from "../src/reference/attention.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runImage, runKernel } from "../src/runKernel.ts";
import { buildNodeInput, DESC_PARAMS, scratchByteLength, type NodeSpec } from "../src/nodeInput.ts";
import { DnnKernelTrapError, DnnShapeError } from "../src/errors.ts";
import { expTable } from "../src/randomNode.ts";

// H = 4 queries in G = 2 groups of Dh = 3, Tmax = 5 rows of S = 8, at pos 2.
const GOOD = [4, 3, 2, 5, 8, 2, 1 << 30, 40, 1 << 30, 38];
const node = (params: readonly number[] = GOOD): NodeSpec => ({
  op: Op.attnCache,
  inputs: [new Uint8Array(12).fill(3), new Uint8Array(40).fill(1), new Uint8Array(40).fill(2), expTable(0.05)],
  params,
});

describe("attnCache (op 31): parameter checks and layout", () => {
  test("output H·Dh bytes, operands [H·Dh, Tmax·S, Tmax·S, 1024], scratch 2·Tmax as attention's", () => {
    assert.equal(outputByteLength(Op.attnCache, GOOD), 12);
    assert.deepEqual(inputByteLengths(Op.attnCache, GOOD), [12, 40, 40, 1024]);
    assert.equal(scratchByteLength(Op.attnCache, GOOD), 10);
    assert.equal(buildNodeInput(node()).scratch.byteLength, 10);
  });

  test("H, Dh, G, Tmax, S ≤ 0, G not dividing H, S < G·Dh, pos ∉ [0, Tmax): DnnShapeError, and a descriptor carrying it traps in both builds", async () => {
    // [param index, bad value]
    const bad: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 0],
      [2, -2],
      [3, 0],
      [4, 0],
      [4, -8],
      [2, 3], // 3 does not divide H = 4
      [4, 5], // S < G·Dh = 6
      [5, -1],
      [5, 5], // pos = Tmax
    ];
    assert.ok(runReference(Op.attnCache, node().inputs, GOOD).length === 12);
    for (const [i, v] of bad) {
      const params = [...GOOD];
      params[i] = v;
      const what = `param ${i} = ${v}`;
      assert.throws(() => runReference(Op.attnCache, node().inputs, params), DnnShapeError, what);
      for (const flavor of ["vm", "simd"] as const) {
        const image = buildNodeInput(node());
        new DataView(image.descriptor.buffer).setInt32(DESC_PARAMS + 4 * i, v, true);
        await assert.rejects(runImage(flavor, image, Op.attnCache), DnnKernelTrapError, `${flavor} ${what}`);
      }
    }
  });

  test("a negative multiplier or a shift outside [0, 62]: DnnShapeError, and both builds trap", async () => {
    for (const [i, v] of [
      [6, -1],
      [7, 63],
      [7, -1],
      [8, -1],
      [9, 63],
    ] as const) {
      const params = [...GOOD];
      params[i] = v;
      assert.throws(() => runReference(Op.attnCache, node().inputs, params), DnnShapeError, `param ${i} = ${v}`);
      for (const flavor of ["vm", "simd"] as const)
        await assert.rejects(runKernel(flavor, node(params)), DnnKernelTrapError, `${flavor} param ${i} = ${v}`);
    }
  });

  test("operands of the wrong length: DnnShapeError naming the operand; a descriptor with a short scratch traps", async () => {
    const p = { H: 4, Dh: 3, G: 2, Tmax: 5, S: 8, pos: 2, mS: 1 << 30, sS: 40, mO: 1 << 30, sO: 38 };
    const exp = new Int32Array(expTable(0.05).buffer);
    const ok = [new Int8Array(12), new Int8Array(40), new Int8Array(40)] as const;
    assert.equal(attnCache(...ok, exp, p).length, 12);
    assert.throws(() => attnCache(new Int8Array(11), ok[1], ok[2], exp, p), /operand q /);
    assert.throws(() => attnCache(ok[0], new Int8Array(39), ok[2], exp, p), /operand k /);
    assert.throws(() => attnCache(ok[0], ok[1], new Int8Array(48), exp, p), /operand v /);
    assert.throws(() => attnCache(...ok, exp.subarray(1), p), DnnShapeError);
    for (const flavor of ["vm", "simd"] as const) {
      const image = buildNodeInput(node());
      new DataView(image.descriptor.buffer).setUint32(132, 9, true); // scratch 2·Tmax − 1
      await assert.rejects(runImage(flavor, image, Op.attnCache), DnnKernelTrapError, flavor);
    }
  });
});
