import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../src/ops.ts";
import { draw, exp2Table, fmix32, genSample, sampleToken } from "../src/reference/generation.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runImage } from "../src/runKernel.ts";
import { buildNodeInput, DESC_PARAMS, type NodeSpec } from "../src/nodeInput.ts";
import { DnnKernelTrapError, DnnShapeError } from "../src/errors.ts";
import { wordBytes } from "../src/randomGenNode.ts";
import { Rng } from "../../common/rng.ts";

const M32 = (1n << 32n) - 1n;
/** fmix32 in BigInt arithmetic, an implementation independent of Math.imul. */
function fmix32Big(x: bigint): bigint {
  x ^= x >> 16n;
  x = (x * 0x85ebca6bn) & M32;
  x ^= x >> 13n;
  x = (x * 0xc2b2ae35n) & M32;
  return x ^ (x >> 16n);
}

/** Pearson's χ² of observed counts against expected probabilities. */
function chiSquare(counts: number[], p: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * p[i]!) ** 2 / (n * p[i]!), 0);
}
/** How often each token is drawn at positions 0 … n − 1 with one fixed seed. */
function histogram(logits: number[], invTemp: number, topK: number, n: number): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  const l = Int8Array.from(logits),
    exp2 = exp2Table();
  for (let pos = 0; pos < n; pos++) counts[sampleToken(l, exp2, invTemp, topK, draw(0xc0ffee, pos))]!++;
  return counts;
}

describe("genSample's weight table and draw (reference)", () => {
  test("exp2Table: entry f is 65536 · 2^(−f/256) correctly rounded (checked exactly in BigInt), 65536 down to 32857", () => {
    const t = exp2Table();
    assert.equal(t.length, 256);
    assert.equal(t[0], 65536);
    assert.equal(t[255], 32857);
    t.forEach((r, f) => {
      // r = round(x) with x^256 = 2^(4096 − f)  ⇔  (2r − 1)^256 ≤ 2^(4352 − f) < (2r + 1)^256
      const x256 = 1n << BigInt(4352 - f);
      assert.ok((2n * BigInt(r) - 1n) ** 256n <= x256 && x256 < (2n * BigInt(r) + 1n) ** 256n, `entry ${f} = ${r}`);
    });
  });

  test("draw = fmix32(fmix32(seed) + pos·0x9E3779B9 mod 2^32), equal to a BigInt fmix32 on 2000 seeded inputs", () => {
    assert.equal(fmix32(0), 0);
    const r = new Rng(0xd7a3);
    for (let i = 0; i < 2000; i++) {
      const seed = r.u32(),
        pos = r.int(0, 1 << 20);
      const inner = (fmix32Big(BigInt(seed)) + BigInt(pos) * 0x9e3779b9n) & M32;
      assert.equal(BigInt(draw(seed, pos)), fmix32Big(inner), `seed ${seed} pos ${pos}`);
      assert.equal(draw(seed | 0, pos), draw(seed, pos), "the seed word read as u32");
    }
  });

  test("invTemp 0 over 4 candidates (top-4 of 10, ties at θ included) hits each uniformly: χ² < 16.27 (p 0.001, 3 dof) over 8000 positions", () => {
    // θ = 9: 20 and 15 above it, then the first two of the three 9s (indices 2 and 6)
    const logits = [1, -4, 9, 20, 3, 15, 9, 0, 9, -128];
    const counts = histogram(logits, 0, 4, 8000);
    const hit = [3, 5, 2, 6];
    assert.deepEqual(
      counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0),
      [...hit].sort((a, b) => a - b),
    );
    const chi = chiSquare(
      hit.map((i) => counts[i]!),
      [0.25, 0.25, 0.25, 0.25],
    );
    assert.ok(chi < 16.27, `χ² = ${chi.toFixed(2)}, counts ${hit.map((i) => counts[i])}`);
  });

  test("invTemp 1.0 (65536): logits 1 and 2 units below the maximum weigh ½ and ¼ (χ² < 13.82, p 0.001, 2 dof)", () => {
    const counts = histogram([5, 7, 6], 65536, 0, 7000);
    const chi = chiSquare([counts[1]!, counts[2]!, counts[0]!], [4 / 7, 2 / 7, 1 / 7]);
    assert.ok(chi < 13.82, `χ² = ${chi.toFixed(2)}, counts ${counts}`);
  });
});

describe("genInit and genSample: parameter checks", () => {
  const state = (C: number) => wordBytes(new Int32Array(8 + C).fill(1));
  const sample = (C: number, V: number, pos: number, eos: number): NodeSpec => ({
    op: Op.genSample,
    inputs: [state(C), new Uint8Array(V), wordBytes(exp2Table())],
    params: [C, V, pos, eos],
  });
  const init = (C: number, Gmax: number, V: number): NodeSpec => ({
    op: Op.genInit,
    inputs: [state(C)],
    params: [C, Gmax, V],
  });

  test("C < 2, Gmax ∉ [1, C), V < 1, pos ∉ [0, C − 2], eos ∉ [−1, V): DnnShapeError, and a descriptor carrying it traps in both builds", async () => {
    // [good node, param index, bad value]
    const bad: [NodeSpec, number, number][] = [
      [init(4, 2, 5), 0, 1],
      [init(4, 2, 5), 1, 0],
      [init(4, 2, 5), 1, 4],
      [init(4, 2, 5), 2, 0],
      [sample(4, 5, 1, -1), 0, 1],
      [sample(4, 5, 1, -1), 1, 0],
      [sample(4, 5, 1, -1), 2, -1],
      [sample(4, 5, 1, -1), 2, 3],
      [sample(4, 5, 1, -1), 3, -2],
      [sample(4, 5, 1, -1), 3, 5],
    ];
    for (const [node, i, v] of bad) {
      const params = [...node.params];
      params[i] = v;
      const what = `op ${node.op} param ${i} = ${v}`;
      assert.throws(() => runReference(node.op, node.inputs, params), DnnShapeError, what);
      assert.ok(runReference(node.op, node.inputs, node.params).length > 0);
      for (const flavor of ["vm", "simd"] as const) {
        const image = buildNodeInput(node);
        new DataView(image.descriptor.buffer).setInt32(DESC_PARAMS + 4 * i, v, true);
        await assert.rejects(runImage(flavor, image, node.op), DnnKernelTrapError, `${flavor} ${what}`);
      }
    }
  });

  test("operands of the wrong length: DnnShapeError naming the operand", () => {
    const s = new Int32Array(12);
    assert.throws(() => genSample(s, new Int8Array(3), exp2Table(), { C: 4, V: 4, pos: 0, eos: -1 }), /logits/);
    assert.throws(() => genSample(s, new Int8Array(4), new Int32Array(255), { C: 4, V: 4, pos: 0, eos: -1 }), /exp2/);
    assert.throws(
      () => genSample(s.subarray(1), new Int8Array(4), exp2Table(), { C: 4, V: 4, pos: 0, eos: -1 }),
      /state/,
    );
  });
});
