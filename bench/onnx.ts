/**
 * The ONNX importer on what it did not write: the ONNX conformance suite (Debian's
 * libonnx-testdata node tests, dnn-lib/conformance/runOnnxSuite.ts) counted as passed / failed /
 * refused (onnx.conformance.*), and the PyTorch exports of dnn-lib/models/train quantized against
 * onnxruntime float on real inputs (onnx.<export>.top1_agreement, .logit_cosine; the classifiers'
 * quantized and float test accuracy on 1,000 Fashion-MNIST test images).
 */
import { existsSync } from "node:fs";
import { ONNX_SUITE_DIR, runOnnxSuite, summary } from "../dnn-lib/conformance/runOnnxSuite.ts";
import {
  FMNIST_EXPORTS,
  LM_EXPORTS,
  evaluateTrainModel,
  fashionMnist,
  readTrainModel,
  textWindows,
} from "../dnn-lib/models/trainModels.ts";
import { fmt, type BenchReport } from "./harness.ts";

const key = (file: string) => file.replace(/^variants\//, "").replace(/\.onnx$/, "");

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
  const images = fashionMnist(1000);
  for (const file of FMNIST_EXPORTS) {
    const r = await evaluateTrainModel(readTrainModel(file), fashionMnist(64, 5000), images);
    const k = key(file);
    metrics[`onnx.${k}.top1_agreement`] = r.top1;
    metrics[`onnx.${k}.logit_cosine`] = r.cosine;
    if (r.quantAccuracy !== undefined) {
      metrics[`onnx.${k}.accuracy_quantized`] = r.quantAccuracy;
      metrics[`onnx.${k}.accuracy_float`] = r.floatAccuracy!;
    }
    rows.push([
      file,
      `top-1 ${fmt(r.top1)}, cosine ${r.cosine.toFixed(4)}`,
      r.quantAccuracy !== undefined
        ? `accuracy ${fmt(r.quantAccuracy)} quantized, ${fmt(r.floatAccuracy!)} float (1,000 test images)`
        : "generated images",
    ]);
  }
  for (const file of LM_EXPORTS) {
    const r = await evaluateTrainModel(readTrainModel(file), textWindows(4, 100), textWindows(8));
    const k = key(file);
    metrics[`onnx.${k}.top1_agreement`] = r.top1;
    metrics[`onnx.${k}.logit_cosine`] = r.cosine;
    rows.push([
      file,
      `top-1 ${fmt(r.top1)}, cosine ${r.cosine.toFixed(4)}`,
      "next-byte argmax over 8 × 128 bytes of text",
    ]);
  }
  return { title: "ONNX importer: conformance suite and PyTorch exports", metrics, rows, notes };
}
