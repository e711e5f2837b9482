/**
 * The ONNX importer on what it did not write: the ONNX conformance suite (Debian's
 * libonnx-testdata node tests, dnn-lib/conformance/runOnnxSuite.ts) counted as passed / failed /
 * refused (onnx.conformance.*), and the PyTorch exports of dnn-lib/models/train calibrated on the
 * training split and measured on the test split against onnxruntime float:
 *   real.fmnist_{mlp,cnn}.acc_{float,quant}: top-1 accuracy on the 10,000 Fashion-MNIST test images;
 *   real.lm.ppl_{float,quant}: per-byte perplexity on the held-out text (fortunes' `wisdom`);
 *   real.lm.greedy_token_match: greedy continuations of held-out prompts, token by token;
 *   onnx.<export>.top1_agreement / .logit_cosine for every export, variants included.
 */
import { existsSync } from "node:fs";
import { ONNX_SUITE_DIR, runOnnxSuite, summary } from "../dnn-lib/conformance/runOnnxSuite.ts";
import { CALIBRATION_SEED } from "../dnn-lib/models/index.ts";
import { FloatModel, QuantizedModel, measureAgreement } from "../dnn-lib/models/agreement.ts";
import { greedyMatch, perplexity } from "../dnn-lib/models/lmQuality.ts";
import { fashionMnist, fashionMnistCalibration, heldOutText, textWindows } from "../dnn-lib/models/realData.ts";
import {
  FMNIST_EXPORTS,
  LM_CONTEXT,
  LM_EXPORTS,
  lmCalibration,
  readTrainModel,
} from "../dnn-lib/models/trainModels.ts";
import { quantizeModel } from "../dnn-lib/src/onnx/quantize.ts";
import type { OnnxModel } from "../dnn-lib/src/onnx/model.ts";
import type { Feeds } from "../dnn-lib/src/onnx/ort.ts";
import { fmt, type BenchReport } from "./harness.ts";

const key = (file: string) => file.replace(/^variants\//, "").replace(/\.onnx$/, "");
/** Calibration inputs per export, from the training split. */
const CALIBRATION = 64;
/** Greedy generation: prompts of PROMPT bytes from the held-out text, GREEDY_STEPS bytes each. */
const [PROMPTS, PROMPT, GREEDY_STEPS] = [16, 32, 32];

async function both(model: OnnxModel, calib: Feeds[]): Promise<{ float: FloatModel; quant: QuantizedModel }> {
  const quant = await QuantizedModel.create(await quantizeModel(model, calib));
  return { quant, float: await FloatModel.create(model, quant.output.name) };
}

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const notes: string[] = [];
  if (existsSync(ONNX_SUITE_DIR)) {
    const r = await runOnnxSuite();
    metrics["onnx.conformance.passed"] = r.passed;
    metrics["onnx.conformance.failed"] = r.failed;
    metrics["onnx.conformance.refused"] = r.refused;
    metrics["onnx.conformance.seconds"] = r.seconds;
    rows.push(["conformance suite", summary(r), `${r.tests.length} node tests, ${fmt(r.seconds)} s`]);
  } else
    notes.push(`The conformance suite was not run: ${ONNX_SUITE_DIR} is missing (apt-get install libonnx-testdata).`);

  const test = fashionMnist("test", 10_000);
  const calib = fashionMnistCalibration(CALIBRATION_SEED, CALIBRATION);
  if (!test.real) notes.push("Fashion-MNIST is not installed: the images are generated, the accuracies meaningless.");
  for (const file of FMNIST_EXPORTS) {
    const { float, quant } = await both(readTrainModel(file), calib.feeds);
    const r = await measureAgreement(float, quant, test.feeds, test.labels);
    await float.release();
    const k = key(file);
    metrics[`onnx.${k}.top1_agreement`] = r.top1;
    metrics[`onnx.${k}.logit_cosine`] = r.cosine;
    if (r.quantAccuracy !== undefined && r.floatAccuracy !== undefined) {
      const real = k === "fmnist_mlp" || k === "fmnist_cnn" ? `real.${k}` : `onnx.${k}`;
      metrics[`${real}.acc_float`] = r.floatAccuracy;
      metrics[`${real}.acc_quant`] = r.quantAccuracy;
    }
    rows.push([
      file,
      `top-1 agreement ${fmt(r.top1)}, cosine ${r.cosine.toFixed(4)}`,
      r.quantAccuracy !== undefined
        ? `accuracy ${(100 * r.quantAccuracy).toFixed(2)}% quantized, ${(100 * r.floatAccuracy!).toFixed(2)}% float (${test.feeds.length.toLocaleString("en-US")} test images)`
        : `${test.feeds.length} generated images`,
    ]);
  }

  const held = heldOutText();
  if (!held.real)
    notes.push("fortunes is not installed: the text is a built-in passage, the perplexities meaningless.");
  const lmCalib = lmCalibration(CALIBRATION_SEED, 8).feeds;
  const windows = textWindows(Math.floor(held.bytes.length / LM_CONTEXT)).feeds;
  for (const file of LM_EXPORTS) {
    const { float, quant } = await both(readTrainModel(file), lmCalib);
    const k = key(file);
    const a = await measureAgreement(float, quant, windows.slice(0, 16));
    metrics[`onnx.${k}.top1_agreement`] = a.top1;
    metrics[`onnx.${k}.logit_cosine`] = a.cosine;
    rows.push([
      file,
      `top-1 agreement ${fmt(a.top1)}, cosine ${a.cosine.toFixed(4)}`,
      "next-byte argmax, 16 × 128 bytes",
    ]);
    if (file === "lm_full.onnx") {
      const p = await perplexity(float, quant, windows);
      metrics["real.lm.ppl_float"] = p.float;
      metrics["real.lm.ppl_quant"] = p.quant;
      rows.push([
        "lm_full.onnx: per-byte perplexity",
        `${p.float.toFixed(3)} float, ${p.quant.toFixed(3)} quantized (${((100 * (p.quant - p.float)) / p.float).toFixed(2)}%)`,
        `${p.bytes.toLocaleString("en-US")} bytes of held-out text, ${windows.length} windows of ${LM_CONTEXT}`,
      ]);
      const stride = Math.floor(held.bytes.length / PROMPTS);
      const prompts = Array.from({ length: PROMPTS }, (_, i) => held.bytes.subarray(i * stride, i * stride + PROMPT));
      const g = await greedyMatch(float, quant, prompts, GREEDY_STEPS, LM_CONTEXT);
      metrics["real.lm.greedy_token_match"] = g.same / g.total;
      rows.push([
        "lm_full.onnx: greedy bytes equal to onnxruntime's",
        `${g.same}/${g.total}`,
        `${PROMPTS} held-out prompts of ${PROMPT} bytes, ${GREEDY_STEPS} steps each`,
      ]);
      const s = g.samples[0]!;
      const show = (t: string) => JSON.stringify(t.replace(/\s+/g, " "));
      notes.push(`A greedy continuation of ${show(s.prompt)}: float ${show(s.float)}, quantized ${show(s.quant)}.`);
    }
    await float.release();
  }
  notes.push(
    `Calibration: ${CALIBRATION} Fashion-MNIST training images (seeded draw), 8 windows of the language model's training text; evaluation on the test split and the held-out file only.`,
    "Goals: quantized accuracy within 0.5 points of float; quantized perplexity within 5% of float; conformance failed = 0.",
  );
  return { title: "ONNX importer: conformance suite and PyTorch exports on real data", metrics, rows, notes };
}
