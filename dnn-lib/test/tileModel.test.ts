import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { joinDepth, tileModel } from "../src/model/tileModel.ts";
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
import { expTable, randomNode } from "../src/randomNode.ts";
import { opInfo, type OpName } from "../src/ops.ts";
import { DEFAULT_MAX_STEPS } from "../src/model/compileGraph.ts";
import { decoderModel, DECODER_SHAPES } from "../models/decoderShapes.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../src/generation/generationState.ts";
import type { NodeSpec } from "../src/nodeInput.ts";

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
  test("matmul16 splits along N into fitted tiles of 2-byte columns joined by a balanced tree", () => {
    const model = matmul16Model();
    const budget = 40000;
    const first = model.nodes[0]!;
    assert.ok(estimateSteps(first.op, first.params) > budget);
    const tiled = tileModel(model, budget);
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget, `${n.op} ${n.params}`);
    assert.deepEqual(
      tiled.nodes.map((n) => n.op),
      [Op.matmul16, Op.matmul16, Op.matmul16, Op.concat, Op.concat],
    );
    // 32 columns in the fewest tiles that fit (3, not the 4 that halving gave), evened to 12 + 12 + 8;
    // tiles 0 and 1 pair up, then tile 2 joins them: 24 columns (48 bytes) and 8 more, 2 bytes each.
    assert.deepEqual(
      tiled.nodes.map((n) => n.params),
      [
        [4, 12, 64],
        [4, 12, 64],
        [4, 8, 64],
        [4, 24, 24],
        [4, 48, 16],
      ],
    );
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

/** A one-node model of a kernel-test node: its first operand is the input, the others weights. */
function oneNode(spec: NodeSpec): Model {
  const [x, ...rest] = spec.inputs;
  return {
    name: opInfo(spec.op).name,
    inputLength: x!.length,
    inputScale: 1,
    outputScale: 1,
    nodes: [{ op: spec.op, inputs: [A(0), ...rest.map((_, k) => W(k))], params: [...spec.params] }],
    weights: rest.map((w) => w.slice()),
  };
}

function outputOf(model: Model, x: Uint8Array): Uint8Array {
  const c = { model, nodeSteps: [], layouts: [], activationLengths: [], commitment: {} as never };
  return runModel(c, x, new ReferenceBackend()).output;
}

describe("tiling without limits: every op that can exceed the budget splits", () => {
  const ROW_OPS: OpName[] = [
    "add",
    "mul",
    "relu",
    "lut",
    "softmax",
    "norm",
    "argmax",
    "requant",
    "rotary",
    "gather",
    "add16",
    "mul16",
    "relu16",
    "lut16",
    "cvt8to16",
    "cvt16to8",
    "requant16",
    "attention",
    "attnCache",
  ];
  test("element-wise, row-wise and attention nodes split into tiles that fit, with the same output bits", () => {
    const r = new Rng(0x711e);
    for (const name of ROW_OPS) {
      let tiledCases = 0;
      for (let draw = 0; draw < 200 && tiledCases < 4; draw++) {
        const spec = randomNode(name, r, draw % 3 === 0);
        const model = oneNode(spec);
        // The tightest of these budgets the node splits under (a table operand's fixed cost can leave
        // no room for a row at the tightest); a node of one row (element) cannot split at all.
        let tiled: Model | undefined;
        let budget = 0;
        for (const f of [0.45, 0.6, 0.75, 0.9]) {
          budget = Math.floor(estimateSteps(spec.op, spec.params) * f);
          try {
            tiled = tileModel(model, budget);
            break;
          } catch (e) {
            assert.ok(
              e instanceof ModelGraphError && /cannot be tiled under the step budget/.test(e.message),
              String(e),
            );
          }
        }
        if (!tiled) continue;
        tiledCases++;
        assert.ok(tiled.nodes.filter((n) => n.op === spec.op).length >= 2, `${name}: tiles`);
        for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget, `${name} ${n.params}`);
        assert.deepEqual(outputOf(tiled, spec.inputs[0]!), outputOf(model, spec.inputs[0]!), `${name} ${spec.params}`);
      }
      assert.equal(tiledCases, 4, `${name}: four random nodes large enough to tile`);
    }
  });

  /** Attention of H = 3 heads, 10 queries at positions 3 … 12 against 13 keys. */
  function attentionSpec(): NodeSpec {
    const r = new Rng(0xa77);
    const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
    const [H, Tq, Dh, Tmax] = [3, 10, 8, 13];
    return {
      op: Op.attention,
      inputs: [i8(H * Tq * Dh), i8(H * Tmax * Dh), i8(H * Tmax * Dh), expTable(0.05)],
      params: [H, Tq, Dh, Tmax, 3, 1 << 30, 40, 1 << 30, 37],
    };
  }

  test("attention splits by head when one head fits the budget", () => {
    const spec = attentionSpec();
    const model = oneNode(spec);
    const oneHead = estimateSteps(Op.attention, [1, ...spec.params.slice(1)]);
    const tiled = tileModel(model, oneHead);
    const heads = tiled.nodes.filter((n) => n.op === Op.attention);
    assert.deepEqual(
      heads.map((n) => n.params.slice(0, 5)),
      [
        [1, 10, 8, 13, 3],
        [1, 10, 8, 13, 3],
        [1, 10, 8, 13, 3],
      ],
    );
    assert.deepEqual(outputOf(tiled, spec.inputs[0]!), outputOf(model, spec.inputs[0]!));
  });

  test("attention splits each head by query block, a block reading only the keys it attends to", async () => {
    const spec = attentionSpec();
    const model = oneNode(spec);
    const budget = Math.floor(estimateSteps(Op.attention, [1, ...spec.params.slice(1)]) / 3);
    const tiled = tileModel(model, budget);
    const blocks = tiled.nodes.filter((n) => n.op === Op.attention).map((n) => n.params.slice(0, 5));
    assert.ok(blocks.length > 3);
    for (let h = 0, k = 0; h < 3; h++) {
      // The blocks of one head cover queries 0 … 9 in order: block [q0, q0 + n) at pos0 3 + q0, keys 3 + q0 + n.
      for (let q0 = 0; q0 < 10; k++) {
        const [H, n, , keys, pos0] = blocks[k]!;
        assert.deepEqual([H, pos0, keys], [1, 3 + q0, 3 + q0 + n!]);
        q0 += n!;
      }
    }
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget);
    const x = spec.inputs[0]!;
    assert.deepEqual(outputOf(tiled, x), outputOf(model, x));
    const native = await NativeRunner.create(compileGraph(model, { maxStepsPerNode: budget }));
    assert.deepEqual(native.infer(x), outputOf(model, x));
  });

  test("a generation model's attnCache nodes split by head group, each tile reading its groups' columns of the caches", async () => {
    // 16 heads over 4 key/value groups of 8-byte heads, 48 positions: the caches are slots written in place.
    const shape = { name: "gqa", d: 128, layers: 1, heads: 16, kvHeads: 4, ffn: 64, vocab: 40, T: 48 };
    const gen = unrollGeneration(decoderModel(shape, { seed: 7 }), { context: 48, maxNew: 47 });
    const input = encodeGenerationRequest({ prompt: [3, 9], maxNew: 46 }, { C: 48 });
    const last = gen.model.nodes.filter((n) => n.op === Op.attnCache).at(-1)!;
    const budget = estimateSteps(Op.attnCache, [8, 8, 2, ...last.params.slice(3)]); // two groups of 4 heads
    const tiled = tileModel(gen.model, budget);
    const tiles = tiled.nodes.filter((n) => n.op === Op.attnCache && n.params[0]! < 16);
    assert.ok(tiles.length > 0);
    for (const n of tiles) assert.deepEqual([n.params[0], n.params[2], n.params[4]], [8, 2, 16]); // 2 groups, rows of 16 bytes
    assert.ok(tiled.nodes.some((n) => n.op === Op.slice && n.params[0] === 48 && n.params[3] === 16));
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= budget);
    const plain = outputOf(gen.model, input);
    assert.deepEqual(outputOf(tiled, input), plain);
    const native = await NativeRunner.create(compileGraph(gen.model, { maxStepsPerNode: budget }));
    assert.deepEqual(native.infer(input), plain);
  });

  test("an attnCache group over the budget splits by head, every tile reading the group's columns", async () => {
    const r = new Rng(0xcac);
    const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
    const [H, Dh, G, Tmax, S, pos] = [4, 16, 2, 20, 64, 17]; // rows hold 2 groups and 32 bytes of padding
    const spec: NodeSpec = {
      op: Op.attnCache,
      inputs: [i8(H * Dh), i8(Tmax * S), i8(Tmax * S), expTable(0.05)],
      params: [H, Dh, G, Tmax, S, pos, 1 << 30, 40, 1 << 30, 37],
    };
    const model = oneNode(spec);
    const budget = estimateSteps(Op.attnCache, [1, Dh, 1, Tmax, Dh, pos, 1 << 30, 40, 1 << 30, 37]);
    const tiled = tileModel(model, budget);
    const tiles = tiled.nodes.filter((n) => n.op === Op.attnCache);
    assert.deepEqual(
      tiles.map((n) => n.params.slice(0, 6)),
      Array(4).fill([1, Dh, 1, Tmax, Dh, pos]),
    );
    const x = spec.inputs[0]!;
    assert.deepEqual(outputOf(tiled, x), outputOf(model, x));
    const native = await NativeRunner.create(compileGraph(model, { maxStepsPerNode: budget }));
    assert.deepEqual(native.infer(x), outputOf(model, x));
  });

  test("13 tiles are joined by a balanced tree of 12 concats, 4 deep, not a chain of 12", () => {
    const r = new Rng(5);
    const spec: NodeSpec = {
      op: Op.matmul,
      inputs: [
        Uint8Array.from({ length: 2 * 16 }, () => r.int(0, 255)),
        Uint8Array.from({ length: 52 * 16 }, () => r.int(0, 255)),
        new Uint8Array(new Int32Array(52).fill(7).buffer),
        new Uint8Array(new Int32Array(52).fill(1 << 30).buffer),
        new Uint8Array(new Int32Array(52).fill(36).buffer),
      ],
      params: [2, 52, 16],
    };
    const model = oneNode(spec);
    const tiled = tileModel(model, estimateSteps(Op.matmul, [2, 4, 16]));
    assert.equal(tiled.nodes.filter((n) => n.op === Op.matmul).length, 13);
    assert.equal(tiled.nodes.filter((n) => n.op === Op.concat).length, 12);
    assert.equal(joinDepth(tiled), 4);
    assert.deepEqual(outputOf(tiled, spec.inputs[0]!), outputOf(model, spec.inputs[0]!));
  });

  test("the GPT-2-small decoder at its 1,024-token context compiles: every node under 2^32 steps, no concat chain", () => {
    const model = decoderModel(DECODER_SHAPES.gpt2small!, { zero: true, T: 1024 });
    assert.ok(model.nodes.some((n) => estimateSteps(n.op, n.params) > DEFAULT_MAX_STEPS));
    const tiled = tileModel(model, DEFAULT_MAX_STEPS);
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= DEFAULT_MAX_STEPS);
    // The most tiles of one node (the 50,257-column head) is below 2^7: its join is at most 7 deep.
    assert.ok(joinDepth(tiled) <= 7, `join depth ${joinDepth(tiled)}`);
    assert.ok(tiled.nodes.some((n) => n.op === Op.attention && n.params[0] === 1 && n.params[1]! < 1024));
  });

  test("the LLaMA-2-7B decoder at its 4,096-token context compiles: every node under 2^32 steps, no concat chain", () => {
    const model = decoderModel(DECODER_SHAPES.llama7b!, { zero: true, T: 4096 });
    const tiled = tileModel(model, DEFAULT_MAX_STEPS);
    for (const n of tiled.nodes) assert.ok(estimateSteps(n.op, n.params) <= DEFAULT_MAX_STEPS);
    // The head (32,000 columns, 4,096 rows) is the most tiles of one node: fewer than 2^11.
    assert.ok(joinDepth(tiled) <= 11, `join depth ${joinDepth(tiled)}`);
  });
});
