import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { tileModel } from "../src/model/tileModel.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { estimateSteps } from "../src/model/estimateSteps.ts";
import { ModelGraphError } from "../src/model/errors.ts";
import { runModel } from "../src/runner/runModel.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { Op } from "../src/ops.ts";
import type { Model } from "../src/model/Model.ts";
import { tinyMlp } from "../models/tiny.ts";
import { Rng } from "../../common/rng.ts";

const A = (slot: number) => ({ kind: SlotKind.activation, slot });
const W = (slot: number) => ({ kind: SlotKind.weight, slot });

/** in[2][6][6] → conv2d(2→5, 3×3, pad 1). */
function convModel(): Model {
  const r = new Rng(9);
  const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
  const i32 = (n: number, f: () => number) => new Uint8Array(Int32Array.from({ length: n }, f).buffer);
  return {
    name: "conv",
    inputLength: 72,
    inputScale: 1,
    outputScale: 1,
    nodes: [{ op: Op.conv2d, inputs: [A(0), W(0), W(1), W(2), W(3)], params: [2, 6, 6, 5, 3, 3, 1, 1] }],
    weights: [i8(90), i32(5, () => r.int(-300, 300)), i32(5, () => 1 << 30), i32(5, () => 38)],
  };
}

/** in[32][64] → matmul of the input with itself as the weight operand (an activation): x · xᵀ. */
function gramModel(): Model {
  const i32 = (n: number, v: number) => new Uint8Array(Int32Array.from({ length: n }, () => v).buffer);
  return {
    name: "gram",
    inputLength: 2048,
    inputScale: 1,
    outputScale: 1,
    nodes: [{ op: Op.matmul, inputs: [A(0), A(0), W(0), W(1), W(2)], params: [32, 32, 64] }],
    weights: [i32(32, 0), i32(32, 1 << 30), i32(32, 45)],
  };
}

/** in[4][64] int16 → matmul16(64→32): int16 output columns of 2 bytes each. */
function matmul16Model(): Model {
  const r = new Rng(12);
  const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
  const i32 = (n: number, f: () => number) => new Uint8Array(Int32Array.from({ length: n }, f).buffer);
  return {
    name: "matmul16",
    inputLength: 512,
    inputScale: 1,
    outputScale: 1,
    nodes: [{ op: Op.matmul16, inputs: [A(0), W(0), W(1), W(2), W(3)], params: [4, 32, 64] }],
    weights: [
      i8(32 * 64),
      i32(32, () => r.int(-9000, 9000)),
      i32(32, () => r.int(1 << 30, 0x7fffffff)),
      i32(32, () => 44),
    ],
  };
}

function sameOutputs(a: Model, b: Model): void {
  const r = new Rng(3);
  for (let k = 0; k < 3; k++) {
    const x = Uint8Array.from({ length: a.inputLength }, () => r.int(0, 255));
    const c = { model: a, nodeSteps: [], layouts: [], activationLengths: [], commitment: {} as never };
    const d = { ...c, model: b };
    assert.deepEqual(runModel(d, x, new ReferenceBackend()).output, runModel(c, x, new ReferenceBackend()).output);
  }
}

describe("graph compiler tiling under a step budget", () => {
  test("a budget below the matmuls' bound splits them; every node fits and the output bits are unchanged", () => {
    const model = tinyMlp();
    const budget = 8500;
    const tiled = tileModel(model, budget);
    assert.ok(tiled.nodes.length > model.nodes.length);
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget);
    assert.ok(tiled.nodes.some((n) => n.op === Op.concat));
    sameOutputs(model, tiled);
  });
  test("conv2d splits along output channels; an activation weight operand is split with slice nodes", () => {
    for (const [model, budget] of [
      [convModel(), 60000],
      [gramModel(), 300000],
    ] as const) {
      assert.ok(model.nodes.every((n) => estimateSteps(n.op, n.params) > budget));
      const tiled = tileModel(model, budget);
      for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget, `${n.op} ${n.params}`);
      assert.ok(tiled.nodes.filter((n) => n.op === model.nodes[0]!.op).length > 1, model.name);
      sameOutputs(model, tiled);
    }
    assert.ok(tileModel(gramModel(), 300000).nodes.some((n) => n.op === Op.slice));
  });
  test("matmul16 splits along N with 2-byte output columns joined by concat; the output bits are unchanged", () => {
    const model = matmul16Model();
    const budget = 40000;
    const first = model.nodes[0]!;
    assert.ok(estimateSteps(first.op, first.params) > budget);
    const tiled = tileModel(model, budget);
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget, `${n.op} ${n.params}`);
    assert.deepEqual(
      tiled.nodes.map((n) => n.op),
      [Op.matmul16, Op.matmul16, Op.concat, Op.matmul16, Op.concat, Op.matmul16, Op.concat],
    );
    assert.deepEqual(tiled.nodes.at(-1)!.params, [4, 48, 16]); // bytes: 24 columns done, 8 more, 2 bytes each
    sameOutputs(model, tiled);
  });
  test("a LLaMA-7B prefill projection (4096 tokens × 4096 → 11008, 45 MB out) tiles under 2^32 steps, joins included", () => {
    const [M, N, K] = [4096, 11008, 4096];
    const i32 = (v: number) => new Uint8Array(Int32Array.from({ length: N }, () => v).buffer);
    const model: Model = {
      name: "llama-7b-up-proj",
      inputLength: M * K,
      inputScale: 1,
      outputScale: 1,
      nodes: [{ op: Op.matmul, inputs: [A(0), W(0), W(1), W(2), W(3)], params: [M, N, K] }],
      weights: [new Uint8Array(N * K), i32(0), i32(1 << 30), i32(40)],
    };
    const tiled = tileModel(model, 2 ** 32);
    const joins = tiled.nodes.filter((n) => n.op === Op.concat);
    assert.ok(joins.length > 100, `${joins.length} joins`);
    const [O, a, b] = joins.at(-1)!.params;
    assert.deepEqual([O, a! + b!], [M, N], "the last join writes all N columns of every token's row");
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= 2 ** 32, `op ${n.op} [${n.params}]`);
  });
  test("a generous budget leaves the model as it is", () => {
    assert.deepEqual(tileModel(tinyMlp(), 2 ** 32), tinyMlp());
  });
  test("a budget below one output column is refused, naming the node", () => {
    assert.throws(
      () => tileModel(tinyMlp(), 500),
      (e: unknown) => e instanceof ModelGraphError && /node 0 \(matmul\) cannot be tiled/.test(e.message),
    );
  });
  test("compileGraph commits the tiled graph, and the resident runner runs it to the same output", async () => {
    const model = convModel();
    const plain = compileGraph(model);
    const tiled = compileGraph(model, { maxStepsPerNode: 60000 });
    assert.equal(tiled.commitment.nodeCount, tiled.model.nodes.length);
    assert.ok(tiled.nodeSteps.every((s) => s <= 60000));
    assert.notDeepEqual(tiled.commitment.graphRoot, plain.commitment.graphRoot);
    const x = Uint8Array.from({ length: 72 }, (_, i) => i * 7);
    assert.deepEqual((await NativeRunner.create(tiled)).infer(x), (await NativeRunner.create(plain)).infer(x));
  });
});
