/**
 * The PyTorch 1.13 exports of models/train/onnx import unmodified and agree with onnxruntime
 * float on real inputs (calibrated on Fashion-MNIST training images and the language model's
 * training text, compared on test images and held-out text; generated ones when the Debian data
 * packages are missing), run by the native runner; lm_decode.onnx (a key/value-cache step) compiles
 * into the generation model lm_full.onnx makes, and graphs of several inputs of any other form are
 * refused, typed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  FMNIST_EXPORTS,
  LM_EXPORTS,
  TRAIN_ONNX,
  evaluateTrainModel,
  lmCalibration,
  readTrainModel,
} from "../models/trainModels.ts";
import { fashionMnist, fashionMnistCalibration, textWindows } from "../models/realData.ts";
import { CALIBRATION_SEED } from "../models/index.ts";
import { loadModelSource } from "../models/modelSource.ts";
import { encodeModel } from "../src/model/modelFile.ts";
import { toModel } from "../src/onnx/toModel.ts";
import { OnnxUnsupportedError } from "../src/onnx/errors.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LM_CONTEXT } from "../models/trainModels.ts";
import { DEFAULT_CALIBRATION_SAMPLES } from "../models/modelSource.ts";
import { GENERATION_MODELS } from "../models/generationModels.ts";
import { fullFromDecodeStep } from "../src/onnx/decodeStep.ts";
import { checkDecodeStep } from "../src/onnx/decodeStepCheck.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { writeOnnx, type OnnxNode } from "../src/onnx/model.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { generationShapeOf } from "../src/generation/generationShapeOf.ts";
import { decodeGenerationState, encodeGenerationRequest } from "../src/generation/generationState.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";

for (const file of FMNIST_EXPORTS)
  test(`${file}: calibrated on training images, quantized agrees with onnxruntime on test images`, async () => {
    const calib = fashionMnistCalibration(CALIBRATION_SEED, 32);
    const r = await evaluateTrainModel(readTrainModel(file), calib, fashionMnist("test", 200));
    console.log(
      `${file} (${calib.real ? "real" : "generated"} images): top-1 agreement ${r.top1}, cosine ${r.cosine.toFixed(4)}` +
        (r.floatAccuracy !== undefined ? `, accuracy float ${r.floatAccuracy} quantized ${r.quantAccuracy}` : ""),
    );
    assert.ok(r.top1 >= 0.97, `top-1 agreement ${r.top1}`);
    assert.ok(r.cosine >= 0.99, `cosine ${r.cosine}`);
    if (r.floatAccuracy !== undefined) assert.ok(r.quantAccuracy! >= r.floatAccuracy - 0.02);
    assert.ok(toModel(r.graph).nodes.length > 0);
  });

test("fmnist_mlp_small.onnx re-exported at opsets 13, 15 and 16 (same weights) quantizes to the opset-14 model's bytes", async () => {
  const calib = fashionMnistCalibration(CALIBRATION_SEED, 8);
  const files = ["", "_opset13", "_opset15", "_opset16"].map((s) => `variants/fmnist_mlp_small${s}.onnx`);
  const bytes: Uint8Array[] = [];
  for (const file of files) {
    const r = await evaluateTrainModel(readTrainModel(file), calib, fashionMnist("test", 8));
    bytes.push(encodeModel({ ...toModel(r.graph), name: "mlp" }));
  }
  for (const [i, b] of bytes.entries()) assert.deepEqual(b, bytes[0], `${files[i]} differs from ${files[0]}`);
});

test("lm_full.onnx and its unfolded export quantize to the same model and agree with onnxruntime on text", async () => {
  const bytes: Uint8Array[] = [];
  for (const file of LM_EXPORTS) {
    const r = await evaluateTrainModel(readTrainModel(file), lmCalibration(CALIBRATION_SEED, 2), textWindows(2));
    console.log(`${file}: next-byte top-1 agreement ${r.top1}, logit cosine ${r.cosine.toFixed(4)}`);
    assert.ok(r.top1 >= 0.85, `top-1 agreement ${r.top1}`);
    assert.ok(r.cosine >= 0.99, `cosine ${r.cosine}`);
    bytes.push(encodeModel({ ...toModel(r.graph), name: "lm" }));
  }
  // The folding pass makes the Shape/Concat arithmetic and the weight Transposes what the folded export holds.
  assert.deepEqual(bytes[0], bytes[1]);
});

test("opml model compile takes a PyTorch export as it is (fmnist_cnn.onnx, generated calibration)", async () => {
  const src = await loadModelSource(fileURLToPath(new URL("fmnist_cnn.onnx", TRAIN_ONNX)));
  assert.equal(src.kind, "onnx");
  assert.equal(src.model.inputLength, 784);
});

test("lm_decode.onnx, read as its full-context decoder, quantizes to lm_full.onnx's bytes: its generation model is byte-lm-generate", async () => {
  const step = readTrainModel("lm_decode.onnx");
  const full = fullFromDecodeStep(step);
  assert.equal(full.T, LM_CONTEXT);
  const feeds = lmCalibration(CALIBRATION_SEED, DEFAULT_CALIBRATION_SAMPLES).feeds;
  await checkDecodeStep(step, full, feeds[0]!.input_ids!.data as BigInt64Array);
  const decoder = toModel(await quantizeModel(full.model, feeds));
  const named = await loadModelSource("byte-lm-generate");
  const gen = unrollGeneration(decoder, GENERATION_MODELS["byte-lm-generate"]!.options).model;
  // The same bytes: every request gives the same tokens, on every runner and in the VM.
  assert.deepEqual(encodeModel({ ...gen, name: named.model.name }), encodeModel(named.model));
});

const LM_DECODE = fileURLToPath(new URL("lm_decode.onnx", TRAIN_ONNX));

test("opml model compile takes lm_decode.onnx as it is: a generation model over its cache, reference ≡ native", async () => {
  const whole = await loadModelSource(LM_DECODE);
  assert.equal(whole.decodeStep, true);
  assert.deepEqual(generationShapeOf(whole.model), { C: LM_CONTEXT, maxNew: LM_CONTEXT - 1, V: 256, endToken: -1 });
  const src = await loadModelSource(LM_DECODE, { generate: { context: 16, maxNew: 10 } });
  const compiled = compileGraph(src.model);
  const prompt = [...new TextEncoder().encode("Life is")];
  for (const req of [
    { prompt, maxNew: 9 },
    { prompt, maxNew: 9, seed: 7, invTemp: 40_000, topK: 8 },
  ]) {
    const input = encodeGenerationRequest(req, { C: 16, V: 256, maxNew: 10 });
    const native = (await NativeRunner.create(compiled)).run(input);
    assert.deepEqual(native.states, runModel(compiled, input, new ReferenceBackend()).states);
    const out = decodeGenerationState(native.output);
    assert.deepEqual([out.prompt, out.tokens.length, out.stop], [prompt, 9, "length"]);
  }
});

/** lm_decode.onnx with one node changed, written to a temporary file. */
function tampered(change: (nodes: OnnxNode[]) => void): string {
  const m = readTrainModel("lm_decode.onnx");
  change(m.graph.nodes);
  const file = join(mkdtempSync(join(tmpdir(), "lmdecode-")), "step.onnx");
  writeFileSync(file, writeOnnx(m));
  return file;
}

test("a decode step whose present is not Concat(past, new), or whose mask the causal mask does not reproduce, is refused, typed", async () => {
  const swapped = tampered((nodes) => {
    const cat = nodes.find((n) => n.outputs[0] === "present.0.key")!;
    cat.inputs.reverse();
  });
  await assert.rejects(
    loadModelSource(swapped),
    (e: unknown) => e instanceof OnnxUnsupportedError && /present\.0\.key is not Concat/.test(e.message),
  );
  // The mask's "127 − position" made "120 − position": early steps attend to empty cache slots.
  const shifted = tampered((nodes) => {
    const sub = nodes.find((n) => n.opType === "Sub" && n.inputs[1] === "position_ids")!;
    const konst = nodes.find((n) => n.outputs[0] === sub.inputs[0])!;
    const v = konst.attributes["value"]!;
    if (v.type === "tensor") v.value.data = BigInt64Array.from(v.value.data as BigInt64Array, (x) => x - 7n);
  });
  await assert.rejects(
    loadModelSource(shifted),
    (e: unknown) => e instanceof OnnxUnsupportedError && /does not compute the step's logits/.test(e.message),
  );
});

test("a graph of several inputs that is not a decode step is refused before calibration, naming its inputs", async () => {
  const b = new GraphBuilder("two_inputs");
  b.node("Add", [b.input("a", [1, 4]), b.input("b", [1, 4])], {}, "y");
  b.output("y", [1, 4]);
  const file = join(mkdtempSync(join(tmpdir(), "lmdecode-")), "two.onnx");
  writeFileSync(file, writeOnnx(b.build(14)));
  await assert.rejects(
    loadModelSource(file),
    (e: unknown) =>
      e instanceof OnnxUnsupportedError && /one input and one output/.test(e.message) && /a, b/.test(e.details ?? ""),
  );
});
