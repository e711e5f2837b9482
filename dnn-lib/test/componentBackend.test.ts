/**
 * The kernel library as a WebAssembly component (dnn-lib/component/dnn.wit,
 * built by jco): bit-exact with the core SIMD module and the reference on the
 * tiny models and the project's mlp/cnn/gpt, weights loaded once and never
 * sent again, the WIT `kernel-error` cases and a kernel trap as typed errors.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { compileGraph, type CompiledGraph } from "../src/model/compileGraph.ts";
import { runModel } from "../src/runner/runModel.ts";
import { ReferenceBackend, SimdBackend } from "../src/runner/Backend.ts";
import { ComponentBackend } from "../src/runner/ComponentBackend.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { Op } from "../src/ops.ts";
import { DnnKernelTrapError } from "../src/errors.ts";
import { DnnComponentError } from "../component/errors.ts";
import { loadComponent } from "../component/build.ts";
import { readOnnx } from "../src/onnx/model.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { toModel } from "../src/onnx/toModel.ts";
import { quantizeFeeds } from "../src/onnx/runQuant.ts";
import { CALIBRATION_SEED, modelPath, modelSpec } from "../models/index.ts";
import type { Model } from "../src/model/Model.ts";
import { tinyMixed, tinyMlp } from "../models/tiny.ts";
import { Rng } from "../../common/rng.ts";

interface Case {
  compiled: CompiledGraph;
  input: (seed: number) => Uint8Array;
}

async function tinyCase(model: Model): Promise<Case> {
  const input = (seed: number) => {
    const r = new Rng(seed);
    return Uint8Array.from({ length: model.inputLength }, () => r.int(0, 255));
  };
  return { compiled: compileGraph(model), input };
}

/** A project model imported from its ONNX file; inputs are the model's own feeds, quantized. */
async function projectCase(name: string): Promise<Case> {
  const spec = modelSpec(name);
  const g = await quantizeModel(readOnnx(readFileSync(modelPath(name))), spec.feeds(CALIBRATION_SEED, 8));
  const input = (seed: number) => quantizeFeeds(g, spec.feeds(seed, 1)[0]!).get(g.inputs[0]!.id)!;
  return { compiled: compileGraph(toModel(g)), input };
}

/** Bytes of activation operands a forward pass sends: every node's non-weight operands. */
function activationBytesPerRun(c: CompiledGraph): number {
  return c.model.nodes
    .flatMap((n) => n.inputs)
    .filter((s) => s.kind === SlotKind.activation)
    .reduce((sum, s) => sum + c.activationLengths[s.slot]!, 0);
}

describe("kernel component (WIT opml:dnn/kernels) behind the Backend interface", async () => {
  const cases = [
    await tinyCase(tinyMlp()),
    await tinyCase(tinyMixed()),
    ...(await Promise.all(["mlp", "cnn", "gpt"].map(projectCase))),
  ];

  for (const { compiled: c, input: inputFor } of cases)
    test(`${c.model.name}: output and S_0 … S_N equal the reference's and the core SIMD module's (NativeRunner, SimdBackend), bit for bit`, async () => {
      const component = await ComponentBackend.create(c.model.weights);
      const native = await NativeRunner.create(c);
      const simd = await SimdBackend.create();
      for (const seed of [1, 2]) {
        const x = inputFor(seed);
        const got = runModel(c, x, component);
        const ref = runModel(c, x, new ReferenceBackend());
        assert.deepEqual(got.activations, ref.activations, `${c.model.name} seed ${seed}: activations`);
        assert.deepEqual(got.states, ref.states, `${c.model.name} seed ${seed}: states`);
        assert.deepEqual(native.run(x).states, got.states, `${c.model.name} seed ${seed}: core runner`);
        assert.deepEqual(runModel(c, x, simd).states, got.states, `${c.model.name} seed ${seed}: SimdBackend`);
      }
    });

  test("weights cross once: one constructor call per model load, then only activations; memory stays the same size", async () => {
    for (const { compiled: c, input: inputFor } of cases) {
      const component = await ComponentBackend.create(c.model.weights);
      const weightBytes = c.model.weights.reduce((s, w) => s + w.length, 0);
      const loaded = component.stats();
      assert.equal(loaded.weightsCreated, 1, c.model.name);
      assert.equal(loaded.residentBytes, BigInt(weightBytes), c.model.name);
      assert.equal(loaded.activationBytesIn, 0n);
      runModel(c, inputFor(3), component);
      const first = component.stats();
      for (const seed of [4, 5, 6]) runModel(c, inputFor(seed), component);
      const after = component.stats();
      assert.equal(after.weightsCreated, 1, `${c.model.name}: the constructor ran once`);
      assert.equal(after.nodesRun, BigInt(4 * c.model.nodes.length));
      assert.equal(
        after.activationBytesIn,
        BigInt(4 * activationBytesPerRun(c)),
        `${c.model.name}: no weight byte sent`,
      );
      assert.equal(after.memoryBytes, first.memoryBytes, `${c.model.name}: memory grew after the first run`);
    }
  });

  test("a kernel trap (matmul given a short activation) is a DnnKernelTrapError; the backend restarts the instance and runs on", async () => {
    const { compiled: c, input: inputFor } = cases[0]!;
    const component = await ComponentBackend.create(c.model.weights);
    const first = c.model.nodes[0]!;
    const [, ...w] = first.inputs.map((s) => c.model.weights[s.slot]!);
    assert.throws(
      () => component.runNode(Op.matmul, [new Uint8Array(15), ...w], first.params),
      (e: unknown) => e instanceof DnnKernelTrapError && e.cause instanceof WebAssembly.RuntimeError,
    );
    assert.equal(component.instances, 2);
    const x = inputFor(7);
    assert.deepEqual(runModel(c, x, component).states, runModel(c, x, new ReferenceBackend()).states);
    assert.equal(component.stats().weightsCreated, 1, "the fresh instance loaded the weights once");
  });

  test("the component's kernel-error variant comes back as DnnComponentError: unknown weight, too many operands", async () => {
    const c = cases[0]!.compiled;
    const component = await ComponentBackend.create(c.model.weights);
    const x = { tag: "activation" as const, val: new Uint8Array(16) };
    assert.throws(
      () => component.runOperands(Op.relu, [{ tag: "weight", val: 8 }], [16]),
      (e: unknown) =>
        e instanceof DnnComponentError &&
        e.error.tag === "unknown-weight" &&
        e.error.val.index === 8 &&
        e.error.val.count === 8 &&
        /weight 8, the component holds 8/.test(e.message),
    );
    assert.throws(
      () => component.runOperands(Op.relu, new Array<typeof x>(7).fill(x), [16]),
      (e: unknown) => e instanceof DnnComponentError && e.error.tag === "too-many-operands" && e.error.val === 7,
    );
    assert.equal(component.instances, 1, "a refused call does not poison the instance");
    assert.deepEqual(component.runOperands(Op.relu, [x], [16]), new Uint8Array(16));
  });

  test("a dropped weights resource gives its memory back to the next one", async () => {
    const k = (await loadComponent()).instantiate();
    const tensors = [new Uint8Array(300_000).fill(7), new Uint8Array(5).fill(1)];
    new k.Weights(tensors)[Symbol.dispose]();
    const before = k.stats();
    const w = new k.Weights(tensors);
    const after = k.stats();
    assert.deepEqual([after.weightsCreated, after.weightsLive, before.weightsLive], [2, 1, 0]);
    assert.equal(after.memoryBytes, before.memoryBytes, "the second load reused the dropped region");
    assert.equal(after.residentBytes, 300_005n);
    assert.equal(w.count(), 2);
    assert.deepEqual(
      k.runNode(w, {
        op: Op.relu,
        operands: [{ tag: "weight", val: 1 }],
        params: [5],
        outputLength: 5,
        scratchLength: 0,
      }),
      new Uint8Array(5).fill(1),
    );
  });
});
