/**
 * The WebGPU backend (dnn-lib/src/webgpu, Dawn through the `webgpu` package; Mesa's llvmpipe on a
 * machine without a GPU): every op bit-exact with the reference and both kernel builds on seeded
 * random nodes, tiny models run through it give the native runner's outputs and S_0 … S_N, a Dawn
 * crash in the child process is retried and changes nothing, and bad input is a typed error.
 * Correctness only: no timing here (npm run bench -- webgpu).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Op, type OpName } from "../src/ops.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runKernel } from "../src/runKernel.ts";
import { randomNode } from "../src/randomNode.ts";
import { Rng } from "../../common/rng.ts";
import { WebGpuBackend } from "../src/runner/WebGpuBackend.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { runModel } from "../src/runner/runModel.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { tinyMixed, tinyMlp } from "../models/tiny.ts";
import { DnnKernelTrapError, DnnShapeError } from "../src/errors.ts";
import { WebGpuCrashError } from "../src/webgpu/errors.ts";

/** Seeded random nodes per op on the GPU, and as many edge cases: small, so CI on llvmpipe stays quick. */
const CASES = 3;
/** A child that hangs (Dawn on llvmpipe sometimes does instead of aborting) is killed and retried after this. */
const TRY_MS = 60_000;

describe("four-way differential: reference = VM build = SIMD build = WebGPU, bit for bit", () => {
  let gpu: WebGpuBackend;
  before(async () => {
    gpu = await WebGpuBackend.create([], { timeoutMs: TRY_MS });
  });
  after(() => gpu.close());

  for (const name of Object.keys(Op) as OpName[]) {
    test(`${name}: ${CASES} seeded random and ${CASES} edge-case nodes agree on the GPU`, async () => {
      const rng = new Rng(0x6e0e0000 + Op[name]);
      for (let i = 0; i < 2 * CASES; i++) {
        const node = randomNode(name, rng, i >= CASES);
        const what = `${name} case ${i} params [${node.params.join(", ")}]`;
        const ref = runReference(node.op, node.inputs, node.params);
        assert.deepEqual(await runKernel("vm", node), ref, `VM build differs from the reference: ${what}`);
        assert.deepEqual(await runKernel("simd", node), ref, `SIMD build differs from the reference: ${what}`);
        assert.deepEqual(gpu.runNode(node.op, node.inputs, node.params), ref, `WebGPU differs: ${what}`);
      }
    });
  }

  test("bad input is a typed error naming it: a wrong operand length, a gather id out of range", () => {
    assert.throws(
      () => gpu.runNode(Op.relu, [new Uint8Array(3)], [4]),
      (e) => e instanceof DnnShapeError && /relu: operand x:i8 has the wrong length/.test(e.message),
    );
    const ids = new Uint8Array(Int32Array.of(0, 7).buffer);
    assert.throws(
      () => gpu.runNode(Op.gather, [new Uint8Array(8), ids], [4, 2, 2]),
      (e) => e instanceof DnnKernelTrapError && /index operand is out of range/.test(e.message),
    );
  });
});

describe("models on the WebGPU backend: weights uploaded once, the native runner's bits", () => {
  for (const model of [tinyMlp(), tinyMixed()]) {
    test(`${model.name}: output and S_0 … S_N equal NativeRunner's on 2 inputs`, async () => {
      const compiled = compileGraph(model);
      const native = await NativeRunner.create(compiled);
      const gpu = await WebGpuBackend.create(model.weights, { timeoutMs: TRY_MS });
      try {
        for (const seed of [1, 2]) {
          const r = new Rng(seed);
          const input = Uint8Array.from({ length: model.inputLength }, () => r.int(0, 255));
          const want = native.run(input);
          const got = runModel(compiled, input, gpu);
          assert.deepEqual(got.output, want.output);
          assert.deepEqual(got.states, want.states);
        }
      } finally {
        await gpu.close();
      }
    });
  }

  test("a Dawn abort in the child is retried in a fresh child with the weights: same output", async () => {
    const model = tinyMlp();
    const compiled = compileGraph(model);
    const input = new Uint8Array(model.inputLength).fill(3);
    const want = (await NativeRunner.create(compiled)).infer(input);
    const gpu = await WebGpuBackend.create(model.weights, { timeoutMs: TRY_MS });
    try {
      gpu.crashNext();
      assert.deepEqual(runModel(compiled, input, gpu).output, want);
      assert.ok(gpu.restarts >= 1, `restarts ${gpu.restarts}`);
    } finally {
      await gpu.close();
    }
  });

  test("a child that dies on every try is a WebGpuCrashError, not a hang or a wrong output", async () => {
    const gpu = await WebGpuBackend.create([], { retries: 0, timeoutMs: TRY_MS });
    try {
      gpu.crashNext();
      assert.throws(() => gpu.runNode(Op.relu, [new Uint8Array(4)], [4]), WebGpuCrashError);
      // The next node starts a fresh child. With no retries in the backend, a real Dawn abort there
      // is a WebGpuCrashError too: tried again here, so only a wrong output can fail the test.
      let out: Uint8Array | undefined;
      for (let i = 0; i < 5 && !out; i++) {
        try {
          out = gpu.runNode(Op.relu, [Uint8Array.of(1, 255, 0, 127)], [4]);
        } catch (e) {
          if (!(e instanceof WebGpuCrashError)) throw e;
        }
      }
      assert.deepEqual(out, Uint8Array.of(1, 0, 0, 127));
    } finally {
      await gpu.close();
    }
  });
});
