/**
 * The PyTorch exports of models/train/onnx (README there), by file and by name, with the data
 * they are calibrated on: Fashion-MNIST training images, and 128-byte windows of the language
 * model's training corpus (Debian's fortunes, minus the held-out `wisdom`). Evaluation uses the
 * other split (realData.ts). `evaluateTrainModel` quantizes one export and compares it with
 * onnxruntime float.
 */
import { existsSync, readFileSync } from "node:fs";
import { Rng } from "../../common/rng.ts";
import { readOnnx, type OnnxModel } from "../src/onnx/model.ts";
import type { Feeds } from "../src/onnx/ort.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import type { QuantGraph } from "../src/onnx/QuantGraph.ts";
import { FloatModel, QuantizedModel, measureAgreement, type Agreement } from "./agreement.ts";
import { fashionMnist, fashionMnistCalibration, heldOutText, textWindows, type Samples } from "./realData.ts";

export const TRAIN_ONNX = new URL("./train/onnx/", import.meta.url);

/** The Fashion-MNIST exports (main and variants) and the full-sequence language models. */
export const FMNIST_EXPORTS = [
  "fmnist_mlp.onnx",
  "fmnist_cnn.onnx",
  "variants/fmnist_mlp_opset17.onnx",
  "variants/fmnist_mlp_small.onnx",
  "variants/fmnist_mlp_small_opset13.onnx",
  "variants/fmnist_mlp_small_opset15.onnx",
  "variants/fmnist_mlp_small_opset16.onnx",
  "variants/fmnist_cnn_nofold.onnx",
  "variants/fmnist_cnn_gap.onnx",
];
export const LM_EXPORTS = ["lm_full.onnx", "variants/lm_full_nofold.onnx"];

export function readTrainModel(file: string): OnnxModel {
  return readOnnx(new Uint8Array(readFileSync(new URL(file, TRAIN_ONNX))));
}

/** The language model's context (lm.json `architecture.context`). */
export const LM_CONTEXT = 128;

/** The language model's training corpus (lm.json `corpus`): its files concatenated, or the built-in passage. */
function trainingText(): { bytes: Uint8Array; real: boolean } {
  const meta = JSON.parse(readFileSync(new URL("lm.json", TRAIN_ONNX), "utf8")) as {
    corpus: { directory: string; train_files: string[] };
  };
  const files = meta.corpus.train_files.map((f) => `${meta.corpus.directory}/${f}`);
  if (!files.every((f) => existsSync(f))) return { bytes: heldOutText().bytes, real: false };
  return { bytes: new Uint8Array(Buffer.concat(files.map((f) => readFileSync(f)))), real: true };
}

/** `count` calibration windows of the training corpus at seeded offsets, as `input_ids` feeds. */
export function lmCalibration(seed: number, count: number): Samples {
  const corpus = trainingText();
  let text = corpus.bytes;
  while (text.length < 2 * LM_CONTEXT) text = new Uint8Array([...text, ...text]);
  const rng = new Rng(seed);
  const feeds = Array.from({ length: count }, () => {
    const at = rng.below(text.length - LM_CONTEXT);
    return {
      input_ids: { dims: [1, LM_CONTEXT], data: BigInt64Array.from(text.subarray(at, at + LM_CONTEXT), BigInt) },
    };
  });
  return { feeds, real: corpus.real };
}

/** A trained model by name: its export and its calibration inputs. */
export interface TrainedModel {
  name: string;
  file: string;
  describe: string;
  calibration: (seed: number, n: number) => Feeds[];
  /** `n` evaluation inputs, from the split it was not trained or calibrated on. */
  evaluation: (n: number) => Feeds[];
}

/** A Fashion-MNIST classifier: calibrated on training images, evaluated on test images. */
const fmnist = (name: string, file: string, describe: string): TrainedModel => ({
  name,
  file,
  describe,
  calibration: (seed, n) => fashionMnistCalibration(seed, n).feeds,
  evaluation: (n) => fashionMnist("test", n).feeds,
});

export const TRAINED_MODELS: Record<string, TrainedModel> = {
  "fmnist-mlp": fmnist(
    "fmnist-mlp",
    "fmnist_mlp.onnx",
    "a Fashion-MNIST MLP trained here (PyTorch export; LayerNorm, GELU, 784 → 10 classes)",
  ),
  "fmnist-cnn": fmnist(
    "fmnist-cnn",
    "fmnist_cnn.onnx",
    "a Fashion-MNIST CNN trained here (PyTorch export; 2 conv + BN + pool, 92% test accuracy)",
  ),
  "byte-lm": {
    name: "byte-lm",
    file: "lm_full.onnx",
    describe: "a byte-level LLaMA-style language model trained here (853k parameters, 128-byte context)",
    calibration: (seed, n) => lmCalibration(seed, n).feeds,
    evaluation: (n) => textWindows(n).feeds,
  },
};

export interface TrainAgreement extends Agreement {
  graph: QuantGraph;
}

/** Quantizes `model` on `calib`, runs it (native runner) and onnxruntime float on `evaluate`, and compares. */
export async function evaluateTrainModel(model: OnnxModel, calib: Samples, evaluate: Samples): Promise<TrainAgreement> {
  const graph = await quantizeModel(model, calib.feeds);
  const quant = await QuantizedModel.create(graph);
  const float = await FloatModel.create(model, quant.output.name);
  try {
    return { ...(await measureAgreement(float, quant, evaluate.feeds, evaluate.labels)), graph };
  } finally {
    await float.release();
  }
}
