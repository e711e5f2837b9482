/**
 * The PyTorch 1.13 exports of models/train/onnx import unmodified and agree with onnxruntime
 * float on real inputs (calibrated on Fashion-MNIST training images and the language model's
 * training text, compared on test images and held-out text; generated ones when the Debian data
 * packages are missing), run by the native runner; lm_decode.onnx is refused, typed.
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

test("lm_decode.onnx (several inputs, a KV-cache step) is refused before calibration, naming its inputs", async () => {
  await assert.rejects(
    loadModelSource(fileURLToPath(new URL("lm_decode.onnx", TRAIN_ONNX))),
    (e: unknown) =>
      e instanceof OnnxUnsupportedError &&
      /one input and one output/.test(e.message) &&
      /10 inputs/.test(e.message) &&
      /past_key_values\.0\.key/.test(e.details ?? ""),
  );
});
