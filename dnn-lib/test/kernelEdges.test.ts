import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../src/ops.ts";
import { threeWay } from "./threeWay.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runImage, runKernel } from "../src/runKernel.ts";
import { buildNodeInput, type NodeSpec } from "../src/nodeInput.ts";
import { DnnKernelTrapError, DnnShapeError } from "../src/errors.ts";
import { Rng } from "../../common/rng.ts";
import { expTable } from "../src/randomNode.ts";

const i8 = (...v: number[]) => new Uint8Array(Int8Array.from(v).buffer);
const i32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const i16 = (...v: number[]) => new Uint8Array(Int16Array.from(v).buffer);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe("kernel edge cases: exact ties, saturation, traps", () => {
  test("requant ties round half away from zero in all three builds", async () => {
    const xs = range(-21, 21);
    const out = await threeWay({ op: Op.requant, inputs: [i32(...xs), i32(1 << 30), i32(31)], params: [xs.length, 1] });
    assert.deepEqual(
      [...new Int8Array(out.buffer)],
      xs.map((x) => Math.sign(x) * Math.floor((Math.abs(x) + 1) / 2)),
    );
  });
  test("add ties and saturation agree with the hand formula", async () => {
    const a = range(-128, 127);
    const b = a.map((v) => -v - 1);
    // (a·2^30 + b·2^29) / 2^30 = a + b/2: b odd gives an exact tie
    const out = await threeWay({ op: Op.add, inputs: [i8(...a), i8(...b)], params: [256, 1 << 30, 1 << 29, 30] });
    const expect = a.map((v, i) => {
      const t = v + b[i]! / 2;
      return Math.max(-128, Math.min(127, Math.sign(t) * Math.round(Math.abs(t))));
    });
    assert.deepEqual([...new Int8Array(out.buffer)], expect);
  });
  test("avgpool and rotary ties round half away from zero in all three builds", async () => {
    // four 2×2 channels with sums 2, -2, 6, -6: averages 0.5, -0.5, 1.5, -1.5
    const x = i8(1, 1, 0, 0, -1, -1, 0, 0, 3, 3, 0, 0, -3, -3, 0, 0);
    const pooled = await threeWay({ op: Op.avgpool, inputs: [x], params: [4, 2, 2, 2, 1] });
    assert.deepEqual([...new Int8Array(pooled.buffer)], [1, -1, 2, -2]);
    const rot = await threeWay({ op: Op.rotary, inputs: [i8(3, -3), i16(8192), i16(0)], params: [1, 1, 2, 0, 1] });
    assert.deepEqual([...new Int8Array(rot.buffer)], [2, -2]); // ±1.5 → ±2
  });
  test("matmul with K = 1, extreme multiplier and shift 0 saturates identically", async () => {
    const node = { op: Op.matmul, inputs: [i8(-128), i8(-128), i32(0), i32(0x7fffffff), i32(0)], params: [1, 1, 1] };
    assert.deepEqual([...(await threeWay(node))], [127]);
  });
  test("matmul and conv2d accumulators are exact: small operands with a ×1 requantization expose any off-by-one sum", async () => {
    const r = new Rng(77);
    const small = (n: number, lim: number) =>
      new Uint8Array(Int8Array.from({ length: n }, () => r.int(-lim, lim)).buffer);
    const ones = (n: number, v: number) => i32(...Array.from({ length: n }, () => v));
    for (let c = 0; c < 12; c++) {
      const M = r.int(1, 3),
        N = r.int(1, 9),
        K = r.int(1, 40);
      await threeWay({
        op: Op.matmul,
        inputs: [small(M * K, 1), small(N * K, 1), ones(N, r.int(-80, 80)), ones(N, 1 << 30), ones(N, 30)],
        params: [M, N, K],
      });
      const C = r.int(1, 3),
        H = r.int(3, 5),
        W = r.int(14, 36),
        OC = r.int(1, 3),
        KW = r.int(1, 3);
      await threeWay({
        op: Op.conv2d,
        inputs: [
          small(C * H * W, 1),
          small(OC * C * 3 * KW, 1),
          ones(OC, r.int(-50, 50)),
          ones(OC, 1 << 30),
          ones(OC, 30),
        ],
        params: [C, H, W, OC, 3, KW, 1, r.int(0, 1)],
      });
    }
  });
  test("bad quantization parameters: the reference throws DnnShapeError and both builds trap", async () => {
    const bad: NodeSpec[] = [
      { op: Op.matmul, inputs: [i8(1), i8(1), i32(0), i32(-1), i32(3)], params: [1, 1, 1] },
      { op: Op.requant, inputs: [i32(1), i32(1), i32(63)], params: [1, 1] },
      { op: Op.gather, inputs: [i8(1, 2), i32(2)], params: [2, 1, 1] },
      { op: Op.norm, inputs: [i8(1), i8(1), i32(0)], params: [1, 1, 2, 0, 1, 1] },
      { op: Op.softmax, inputs: [i8(1), expTable(0.1).subarray(0, 1020)], params: [1, 1] },
    ];
    for (const node of bad) {
      assert.throws(() => runReference(node.op, node.inputs, node.params), DnnShapeError);
      for (const flavor of ["vm", "simd"] as const) await assert.rejects(runKernel(flavor, node), DnnKernelTrapError);
    }
  });
  test("a descriptor with an unknown op code or a wrong version traps", async () => {
    for (const [offset, value] of [
      [4, 99],
      [0, 2],
    ] as const) {
      const image = buildNodeInput({ op: Op.relu, inputs: [i8(1)], params: [1] });
      new DataView(image.descriptor.buffer).setUint32(offset, value, true);
      await assert.rejects(runImage("vm", image, Op.relu), DnnKernelTrapError);
    }
  });
});
