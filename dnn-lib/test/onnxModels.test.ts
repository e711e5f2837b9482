/**
 * The project's models end to end: the generator reproduces the committed
 * .onnx bytes, onnxruntime runs the file, the importer quantizes it with a
 * calibration set, the TS reference runs the quantized graph node by node, and
 * the accuracy against onnxruntime float stays within the bounds of
 * docs/fixed-point.md ("ONNX import").
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readOnnx, writeOnnx } from "../src/onnx/model.ts";
import { measureAccuracy } from "../src/onnx/accuracy.ts";
import { CALIBRATION_SEED, EVAL_SEED, modelPath, modelSpec } from "../models/index.ts";
import { OP_INFO } from "../src/ops.ts";
import { quantizeModel, type QuantGraph } from "../src/onnx/quantize.ts";
import { OrtModel } from "../src/onnx/ort.ts";
import { generateFloat, generateQuant } from "../src/onnx/generate.ts";
import { quantizeFeeds, runQuantGraph, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import { toModel } from "../src/onnx/toModel.ts";
import { decodeModel, encodeModel } from "../src/model/modelFile.ts";
import { validateModel } from "../src/model/validateModel.ts";
import { runReference } from "../src/reference/runReference.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { Rng } from "../../common/rng.ts";
import { GPT } from "../models/gpt.ts";

/** docs/fixed-point.md, "ONNX import": the bounds each model must meet. */
const BOUNDS = {
  mlp: { top1: 0.97, cosine: 0.995, calib: 64, evaluate: 200 },
  cnn: { top1: 0.97, cosine: 0.995, calib: 64, evaluate: 200 },
  gpt: { top1: 0.9, cosine: 0.995, calib: 32, evaluate: 64 },
};
/** Greedy generation: share of generated tokens equal to onnxruntime's greedy tokens (same prompts). */
const GPT_GREEDY_MATCH = 0.85;

describe("project models through ONNX → quantized reference", () => {
  for (const [name, b] of Object.entries(BOUNDS)) {
    const spec = modelSpec(name);
    test(`${name}: the generator reproduces the committed ${name}.onnx byte for byte`, () => {
      assert.deepEqual(writeOnnx(spec.make()), new Uint8Array(readFileSync(modelPath(name))));
    });

    test(`${name}: quantized graph agrees with onnxruntime (top-1 ≥ ${b.top1}, logit cosine ≥ ${b.cosine}) and runs bit-exactly on the SIMD kernels`, async () => {
      const onnx = new Uint8Array(readFileSync(modelPath(name)));
      const r = await measureAccuracy(
        onnx,
        spec.feeds(CALIBRATION_SEED, b.calib),
        spec.feeds(EVAL_SEED, b.evaluate),
        spec.logits,
      );
      for (const n of r.graph.nodes) {
        assert.equal(n.inputs.length, OP_INFO[n.op].inputs.length, `${n.source}: operand count`);
        assert.equal(n.params.length, OP_INFO[n.op].params.length, `${n.source}: param count`);
      }
      console.log(`${name}: top-1 ${r.top1Agreement}, cosine mean ${r.meanCosine} min ${r.minCosine}, ${r.rows} rows`);
      assert.ok(r.top1Agreement >= b.top1, `top-1 agreement ${r.top1Agreement} < ${b.top1}`);
      assert.ok(r.meanCosine >= b.cosine, `mean logit cosine ${r.meanCosine} < ${b.cosine}`);

      // The same graph on the SIMD kernel build gives the reference's bytes at every node.
      const inputs = quantizeFeeds(r.graph, spec.feeds(EVAL_SEED, 1)[0]!);
      const ref = runQuantGraph(r.graph, inputs);
      const simd = await runQuantGraphKernels(r.graph, inputs, "simd");
      for (const n of r.graph.nodes)
        assert.deepEqual(simd.get(n.output), ref.get(n.output), `${n.opName} (${n.source}): SIMD ≠ reference`);
    });

    test(`${name}: the quantized graph converts to a valid dnn-lib Model that the slot interpreter and the native runner run to the same output`, async () => {
      const spec = modelSpec(name);
      const g = await quantizeModel(readOnnx(readFileSync(modelPath(name))), spec.feeds(CALIBRATION_SEED, 8));
      const model = toModel(g);
      assert.deepEqual(decodeModel(encodeModel(model)), model, "the model file round-trips");
      const lengths = validateModel(model);
      const feed = quantizeFeeds(g, spec.feeds(EVAL_SEED, 1)[0]!);
      // Run the model's slots with the reference: slot 0 the input, node i writes slot i + 1.
      const act: Uint8Array[] = [feed.get(g.inputs[0]!.id)!];
      for (const n of model.nodes)
        act.push(
          runReference(
            n.op,
            n.inputs.map((s) => (s.kind === SlotKind.weight ? model.weights[s.slot]! : act[s.slot]!)),
            n.params,
          ),
        );
      assert.equal(act[act.length - 1]!.length, lengths[lengths.length - 1]);
      const want = runQuantGraph(g, feed).get(g.outputs[0]!.id);
      assert.deepEqual(act[act.length - 1], want);
      // And dnn-lib's native runner (compiled model, weights resident in one SIMD instance) gives the same bytes.
      const native = await NativeRunner.create(compileGraph(model), "simd");
      assert.deepEqual(native.infer(feed.get(g.inputs[0]!.id)!), want);
    });
  }
});

describe("decoder generation (gpt.onnx)", () => {
  const onnx = () => new Uint8Array(readFileSync(modelPath("gpt")));
  let graph: QuantGraph | undefined;
  const quantized = async () =>
    (graph ??= await quantizeModel(readOnnx(onnx()), modelSpec("gpt").feeds(CALIBRATION_SEED, BOUNDS.gpt.calib)));

  test("seeded sampling is deterministic: the same seed gives the same tokens, another seed others", async () => {
    const g = await quantized();
    const ort = await OrtModel.load(onnx());
    const sample = (seed: number) => ({ kind: "sample" as const, seed, temperature: 1 });
    const a = generateQuant(g, [1, 2, 3], 12, sample(11));
    assert.deepEqual(generateQuant(g, [1, 2, 3], 12, sample(11)), a);
    assert.notDeepEqual(generateQuant(g, [1, 2, 3], 12, sample(12)), a);
    const f = await generateFloat(ort, GPT.T, [1, 2, 3], 12, sample(11));
    assert.deepEqual(await generateFloat(ort, GPT.T, [1, 2, 3], 12, sample(11)), f);
    await ort.release();
    assert.equal(a.length, 12);
    assert.ok(new Set(a).size > 1, `sampling gave one repeated token: ${a}`);
  });

  test(`greedy tokens match onnxruntime's greedy tokens for ≥ ${GPT_GREEDY_MATCH} of the steps`, async () => {
    const g = await quantized();
    const ort = await OrtModel.load(onnx());
    const r = new Rng(5);
    let same = 0;
    let total = 0;
    for (let p = 0; p < 6; p++) {
      const prompt = [r.below(GPT.V), r.below(GPT.V), r.below(GPT.V), r.below(GPT.V)];
      const q = generateQuant(g, prompt, 12, { kind: "greedy" });
      const f = await generateFloat(ort, GPT.T, prompt, 12, { kind: "greedy" });
      q.forEach((t, i) => {
        total++;
        if (t === f[i]) same++;
      });
    }
    await ort.release();
    console.log(`gpt greedy: ${same}/${total} tokens equal to onnxruntime's`);
    assert.ok(same / total >= GPT_GREEDY_MATCH, `${same}/${total}`);
  });

  test("generation past the context length is refused", async () => {
    const g = await quantized();
    assert.throws(() => generateQuant(g, [1, 2, 3], GPT.T, { kind: "greedy" }), /past the context/);
  });
});
