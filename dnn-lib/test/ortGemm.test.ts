/**
 * The native runner's large matmuls through onnxruntime's integer GEMM (src/runner/OrtGemm.ts)
 * and the kernels' requantization of its dot products: OrtGemm's int32 sums are the exact
 * wrapping dot products (extreme operands, sums that wrap, unaligned rows) with uint8 weights and
 * with the weights its probe picks; the probe's verdict on int8 weights is what they do; fuzzed matmul nodes
 * give the reference's bytes; a model run both ways gives the same outputs, activations and S_i.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Model } from "../src/model/Model.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { MAX_SIGNED_K, OrtGemm, signedPathExact } from "../src/runner/OrtGemm.ts";
import { OrtGemmError } from "../src/runner/errors.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";
import { DnnKernelTrapError } from "../src/errors.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { Op } from "../src/ops.ts";
import { Rng } from "../../common/rng.ts";
import { loadModelSource } from "../models/modelSource.ts";
import { decoderModel } from "../models/decoderShapes.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../src/generation/generationState.ts";
import { planGemms, type GemmGroup } from "../src/runner/planGemms.ts";

const i32s = (n: number, f: (i: number) => number) =>
  new Uint8Array(Int32Array.from({ length: n }, (_, i) => f(i)).buffer);

/** Σ_k x[m][k]·w[n][k] in wrapping int32, the slow way. */
function dots(x: Int8Array, w: Int8Array, M: number, N: number, K: number): Int32Array {
  const acc = new Int32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s = (s + x[m * K + k]! * w[n * K + k]!) | 0;
      acc[m * N + n] = s;
    }
  return acc;
}

test("OrtGemm's int32 sums are the exact wrapping dot products, for extreme, random and unaligned operands", () => {
  const r = new Rng(0x0e7a);
  const fills: [string, () => number][] = [
    ["all −128", () => -128],
    ["all 127", () => 127],
    ["±128 mixed", () => (r.int(0, 1) ? 127 : -128)],
    ["random", () => r.int(-128, 127)],
  ];
  for (const [M, N, K] of [
    [1, 1, 1],
    [3, 5, 7],
    [16, 68, 200],
    [7, 130, 33],
  ] as const)
    for (const [what, f] of fills) {
      const w = Int8Array.from({ length: N * K }, f);
      // Rows at byte offset 1 and 4: the sign flip has a word path and a byte path.
      for (const offset of [1, 4]) {
        const buf = new Int8Array(offset + M * K);
        for (let i = 0; i < M * K; i++) buf[offset + i] = f();
        const x = buf.subarray(offset);
        for (const weights of ["uint8", "auto"] as const) {
          const gemm = OrtGemm.create(w, M, N, K, 1, weights);
          const acc = new Int32Array(M * N);
          gemm.run(new Uint8Array(x.buffer, x.byteOffset, x.length), acc);
          gemm.dispose();
          const where = `${M}×${N}×${K}, ${what}, offset ${offset}, ${gemm.weights} weights`;
          assert.deepEqual(acc, dots(x, w, M, N, K), where);
        }
      }
    }
});

test("OrtGemm's sums wrap like int32 where Σ x·w passes 2^31", () => {
  // 16384·K with K = 2^17 + 48 is 2^31 + 786432: past int32 in both directions.
  const [M, N, K] = [2, 4, (1 << 17) + 48];
  const x = new Int8Array(M * K).fill(-128);
  x.fill(127, K);
  const w = Int8Array.from({ length: N * K }, (_, i) => (i < K ? -128 : i < 2 * K ? 127 : i % 2 ? -128 : 127));
  const gemm = OrtGemm.create(w, M, N, K);
  assert.equal(gemm.weights, "uint8", "K is past MAX_SIGNED_K: int8 weights are never taken");
  const acc = new Int32Array(M * N);
  gemm.run(new Uint8Array(x.buffer), acc);
  gemm.dispose();
  const want = dots(x, w, M, N, K);
  assert.equal(want[0], (16384 * K) | 0, "the check itself wraps");
  assert.notEqual(want[0], 16384 * K);
  assert.deepEqual(acc, want);
});

test("the int8-weight probe's verdict is what a forced int8 GEMM does with the largest pair sums", () => {
  assert.equal(signedPathExact(2, 4, MAX_SIGNED_K + 1), false);
  const r = new Rng(0x5a7);
  for (const [M, N, K] of [
    [1, 8, 64],
    [16, 96, 256],
    [5, 33, 70],
  ] as const) {
    // Inputs 127 (byte 0xff) against weights −128 and 127: each pair of products sums past int16.
    const x = new Int8Array(M * K).fill(127);
    const w = Int8Array.from({ length: N * K }, () => (r.int(0, 1) ? 127 : -128));
    const forced = OrtGemm.create(w, M, N, K, 1, "int8");
    const acc = new Int32Array(M * N);
    forced.run(new Uint8Array(x.buffer), acc);
    forced.dispose();
    const exact = Buffer.compare(Buffer.from(acc.buffer), Buffer.from(dots(x, w, M, N, K).buffer)) === 0;
    assert.equal(signedPathExact(M, N, K), exact, `${M}×${N}×${K}`);
    assert.equal(OrtGemm.create(w, M, N, K).weights, exact ? "int8" : "uint8");
  }
});

test("OrtGemm refuses operands of the wrong shape with a typed error", () => {
  assert.throws(() => OrtGemm.create(new Int8Array(10), 2, 3, 4), OrtGemmError);
  const gemm = OrtGemm.create(new Int8Array(12), 2, 3, 4);
  assert.throws(() => gemm.run(new Uint8Array(7), new Int32Array(6)), OrtGemmError);
  assert.throws(() => gemm.run(new Uint8Array(8), new Int32Array(5)), OrtGemmError);
  gemm.dispose();
});

/** One matmul node (N, K and requantization drawn from r), then a relu, over M rows. */
function oneMatmul(r: Rng, M: number, N: number, K: number, badColumn?: number): Model {
  return {
    name: `matmul${M}x${N}x${K}`,
    inputLength: M * K,
    inputScale: 1,
    outputScale: 1,
    nodes: [
      {
        op: Op.matmul,
        inputs: [
          { kind: SlotKind.activation, slot: 0 },
          ...[0, 1, 2, 3].map((k) => ({ kind: SlotKind.weight, slot: k })),
        ],
        params: [M, N, K],
      },
      { op: Op.relu, inputs: [{ kind: SlotKind.activation, slot: 1 }], params: [M * N] },
    ],
    weights: [
      Uint8Array.from({ length: N * K }, () => r.int(0, 255)),
      i32s(N, () => r.int(-1 << 31, 0x7fffffff)),
      i32s(N, (n) => (n === badColumn ? -1 : r.int(0, 0x7fffffff))),
      // Shifts over the whole range the requantization takes: its fast and exact paths.
      i32s(N, () => r.int(0, 62)),
    ],
  };
}

test("fuzzed matmul nodes through onnxruntime's GEMM and the kernels' requantization give the reference's bytes", async () => {
  const r = new Rng(0x9e11);
  for (let t = 0; t < 24; t++) {
    const [M, N, K] = [r.int(1, 20), r.int(1, 80), r.int(1, 300)];
    const compiled = compileGraph(oneMatmul(r, M, N, K));
    const input = Uint8Array.from({ length: M * K }, () => r.int(0, 255));
    const ref = runModel(compiled, input, new ReferenceBackend());
    const runner = await NativeRunner.create(compiled, "simd", { minGemmMacs: 0 });
    try {
      assert.deepEqual(runner.externalGemms, { nodes: 1, calls: 1, sessions: 1 }, "the matmul goes to onnxruntime");
      assert.deepEqual(runner.run(input), ref, `M = ${M}, N = ${N}, K = ${K}`);
    } finally {
      await runner.close();
    }
  }
});

test("a negative multiplier traps in the requantization after onnxruntime's GEMM, as a typed error naming the node", async () => {
  const compiled = compileGraph(oneMatmul(new Rng(5), 4, 12, 32, 7));
  const runner = await NativeRunner.create(compiled, "simd", { minGemmMacs: 0 });
  try {
    assert.throws(
      () => runner.infer(new Uint8Array(4 * 32)),
      (e: unknown) => {
        assert.ok(e instanceof DnnKernelTrapError);
        assert.match(e.shortMessage, /node 0 \(matmul\)/);
        return true;
      },
    );
  } finally {
    await runner.close();
  }
});

test("the demo gpt gives the same outputs, activations and S_i with onnxruntime's GEMM as with the kernels', on 1 and 2 threads", async () => {
  const { model } = await loadModelSource("gpt");
  const compiled = compileGraph(model);
  const r = new Rng(0x6e7);
  const feed = new Uint8Array(Int32Array.from({ length: model.inputLength / 4 }, () => r.below(64)).buffer);
  const kernels = await NativeRunner.create(compiled, "simd", { gemm: "kernels" });
  const want = kernels.run(feed);
  for (const threads of [1, 2]) {
    const ort = await NativeRunner.create(compiled, "simd", { minGemmMacs: 0, threads });
    try {
      assert.ok(ort.externalGemms.calls > 0 && ort.externalGemms.calls < ort.externalGemms.nodes, "grouped");
      assert.deepEqual(ort.run(feed), want, `${threads} threads`);
      assert.deepEqual(ort.infer(feed), want.output);
    } finally {
      await ort.close();
    }
  }
});

/**
 * in → mm0 → relu1 → mm2, and mm3 (on in), mm4 (on relu1): the group {mm0, mm3} is live while
 * {mm2, mm4} starts, so their dot products need two regions; a third group after both reuses one.
 */
function interleaved(r: Rng, M: number, K: number): Model {
  const weights: Uint8Array[] = [];
  const mm = (x: number, N: number, k: number): Model["nodes"][number] => {
    const w = weights.length;
    weights.push(
      Uint8Array.from({ length: N * k }, () => r.int(0, 255)),
      i32s(N, () => r.int(-5000, 5000)),
      i32s(N, () => r.int(1 << 28, 0x7fffffff)),
      i32s(N, () => r.int(30, 40)),
    );
    return {
      op: Op.matmul,
      inputs: [
        { kind: SlotKind.activation, slot: x },
        ...[0, 1, 2, 3].map((j) => ({ kind: SlotKind.weight, slot: w + j })),
      ],
      params: [M, N, k],
    };
  };
  const nodes: Model["nodes"] = [
    mm(0, K, K),
    { op: Op.relu, inputs: [{ kind: SlotKind.activation, slot: 1 }], params: [M * K] },
    mm(2, 20, K),
    mm(0, 36, K),
    mm(2, 12, K),
    { op: Op.relu, inputs: [{ kind: SlotKind.activation, slot: 5 }], params: [M * 12] },
  ];
  nodes.push(mm(6, 8, 12), mm(6, 16, 12));
  return { name: "interleaved", inputLength: M * K, inputScale: 1, outputScale: 1, nodes, weights };
}

test("groups of matmuls on one input share one GEMM; live groups get their own regions, a finished group's is reused", async () => {
  const r = new Rng(0x1a7e);
  const [M, K] = [6, 40];
  const compiled = compileGraph(interleaved(r, M, K));
  const slots = new Map<number, number>([[0, M * K]]);
  compiled.model.nodes.forEach((n, i) => slots.set(i + 1, n.op === Op.matmul ? M * n.params[1]! : n.params[0]!));
  const { groups, bytes } = planGemms(compiled.model, (s) => ({ addr: 0, byteLength: slots.get(s)! }), 0);
  assert.deepEqual(
    groups.map((g) => g.members.map((m) => [m.node, m.col, m.N])),
    [
      [
        [0, 0, K],
        [3, K, 36],
      ],
      [
        [2, 0, 20],
        [4, 20, 12],
      ],
      [
        [6, 0, 8],
        [7, 8, 16],
      ],
    ],
  );
  const [g0, g1, g2] = groups as [GemmGroup, GemmGroup, GemmGroup];
  assert.ok(g1.acc >= g0.acc + 4 * M * g0.N, "the second group does not overwrite the live first");
  assert.equal(g2.acc, 0, "the third reuses the first's region");
  assert.equal(bytes, g1.acc + Math.ceil((4 * M * g1.N) / 64) * 64);
  // A cap on onnxruntime's weight bytes keeps the groups up to it, in node order.
  const capped = planGemms(compiled.model, (s) => ({ addr: 0, byteLength: slots.get(s)! }), 0, (K + 36) * K + 10);
  assert.deepEqual(
    capped.groups.map((g) => g.members[0]!.node),
    [0],
  );
  const input = Uint8Array.from({ length: M * K }, () => r.int(0, 255));
  const runner = await NativeRunner.create(compiled, "simd", { minGemmMacs: 0 });
  try {
    assert.deepEqual(runner.externalGemms, { nodes: 6, calls: 3, sessions: 3 });
    assert.deepEqual(runner.run(input), runModel(compiled, input, new ReferenceBackend()));
  } finally {
    await runner.close();
  }
});

test("a generation model's positions share their layer's GEMM sessions and give the kernels' outputs and S_i", async () => {
  const decoder = decoderModel({ name: "gen", d: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 256, vocab: 64, T: 16 });
  const C = 8;
  const gen = unrollGeneration(decoder, { context: C, maxNew: C - 1 });
  const compiled = compileGraph(gen.model);
  const input = encodeGenerationRequest({ prompt: [3, 17], maxNew: 6 }, { C, V: gen.shape.V, maxNew: C - 1 });
  const kernels = await NativeRunner.create(compiled, "simd", { gemm: "kernels" });
  const ort = await NativeRunner.create(compiled, "simd", { gemm: "onnxruntime", minGemmMacs: 0 });
  try {
    const { calls, sessions } = ort.externalGemms;
    assert.ok(
      calls >= 4 * sessions,
      `${calls} calls over ${sessions} sessions: one per layer's matmuls, not per position`,
    );
    const want = kernels.run(input);
    assert.deepEqual(ort.run(input), want);
    // Closed, its onnxruntime GEMMs are gone: a later run takes the kernels' GEMM, same bits.
    await ort.close();
    assert.deepEqual(ort.externalGemms, { nodes: 0, calls: 0, sessions: 0 });
    assert.deepEqual(ort.infer(input), want.output);
  } finally {
    await Promise.all([ort.close(), kernels.close()]);
  }
});
