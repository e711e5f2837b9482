/**
 * The PyTorch exports of models/train/onnx (README there) with their real inputs: Fashion-MNIST
 * test images normalised as the sidecars say (Debian's dataset-fashion-mnist; seeded synthetic
 * images when it is not installed), and 128-byte windows of English text for the byte-level
 * language model (Debian's fortunes `wisdom` file, the model's held-out text, or a built-in
 * passage). `evaluateTrainModel` quantizes one export and compares it with onnxruntime float.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Rng } from "../../common/rng.ts";
import { readOnnx, writeOnnx, type OnnxModel } from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import type { QuantGraph } from "../src/onnx/QuantGraph.ts";
import { argmaxRows, cosine, quantizeFeeds, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import { KernelInstance } from "../src/KernelInstance.ts";

export const TRAIN_ONNX = new URL("./train/onnx/", import.meta.url);
export const FMNIST_DIR = "/usr/share/datasets/fashion-mnist";
const WISDOM = "/usr/share/games/fortunes/wisdom";

/** The Fashion-MNIST exports (main and variants) and the full-sequence language models. */
export const FMNIST_EXPORTS = [
  "fmnist_mlp.onnx",
  "fmnist_cnn.onnx",
  "variants/fmnist_mlp_opset17.onnx",
  "variants/fmnist_mlp_small.onnx",
  "variants/fmnist_cnn_nofold.onnx",
  "variants/fmnist_cnn_gap.onnx",
];
export const LM_EXPORTS = ["lm_full.onnx", "variants/lm_full_nofold.onnx"];

export function readTrainModel(file: string): OnnxModel {
  return readOnnx(new Uint8Array(readFileSync(new URL(file, TRAIN_ONNX))));
}

export interface Samples {
  feeds: Feeds[];
  /** The true classes, for real images only. */
  labels?: number[];
  /** Whether the inputs are the real data set (else generated). */
  real: boolean;
}

/** `count` test images from `offset`, as the models' `input` feeds ((p/255 − 0.2860)/0.3530). */
export function fashionMnist(count: number, offset = 0): Samples {
  const norm = (p: number) => (p / 255 - 0.286) / 0.353;
  const images = `${FMNIST_DIR}/t10k-images-idx3-ubyte.gz`;
  const labels = `${FMNIST_DIR}/t10k-labels-idx1-ubyte.gz`;
  if (existsSync(images) && existsSync(labels)) {
    const img = gunzipSync(readFileSync(images));
    const lab = gunzipSync(readFileSync(labels));
    const feeds = Array.from({ length: count }, (_, i) => {
      const at = 16 + (offset + i) * 784;
      return { input: { dims: [1, 1, 28, 28], data: Float32Array.from(img.subarray(at, at + 784), norm) } };
    });
    return { feeds, labels: Array.from(lab.subarray(8 + offset, 8 + offset + count)), real: true };
  }
  const rng = new Rng(0xf3a5 + offset);
  const feeds = Array.from({ length: count }, () => ({
    input: { dims: [1, 1, 28, 28], data: Float32Array.from({ length: 784 }, () => norm(Math.floor(rng.next() * 256))) },
  }));
  return { feeds, real: false };
}

const PASSAGE =
  "The best way to predict the future is to invent it. A man who does not read has no advantage over one who cannot read. " +
  "Whatever you are, be a good one. Life is what happens to you while you are busy making other plans. ";

/** `count` consecutive 128-byte windows of English text from `offset` windows in, as `input_ids` feeds. */
export function textWindows(count: number, offset = 0): Samples {
  const real = existsSync(WISDOM);
  let text = real ? new Uint8Array(readFileSync(WISDOM)) : new TextEncoder().encode(PASSAGE);
  while (text.length < (offset + count) * 128) text = new Uint8Array([...text, ...text]);
  const feeds = Array.from({ length: count }, (_, i) => ({
    input_ids: {
      dims: [1, 128],
      data: BigInt64Array.from(text.subarray((offset + i) * 128, (offset + i + 1) * 128), BigInt),
    },
  }));
  return { feeds, real };
}

export interface Agreement {
  /** Rows (images, or positions of the text) whose quantized argmax is the float argmax. */
  top1: number;
  /** Mean cosine of the quantized and float output rows. */
  cosine: number;
  /** Accuracy on the labels, float and quantized (real images only). */
  floatAccuracy?: number;
  quantAccuracy?: number;
  graph: QuantGraph;
}

/** Quantizes `model` on `calib`, runs it (SIMD build) and onnxruntime float on `evaluate`, and compares. */
export async function evaluateTrainModel(model: OnnxModel, calib: Samples, evaluate: Samples): Promise<Agreement> {
  const g = await quantizeModel(model, calib.feeds);
  const out = g.outputs[0]!; // quantizeModel refuses a graph without outputs
  const L = out.dims[out.dims.length - 1] ?? 1;
  const ort = await OrtModel.load(writeOnnx(model));
  const kernels = await KernelInstance.create("simd");
  let [agree, rows, cos, right, rightQ] = [0, 0, 0, 0, 0];
  try {
    for (const [i, f] of evaluate.feeds.entries()) {
      const want = (await ort.run(f))[out.name]!.data as Float32Array; // the graph's own output
      const vals = await runQuantGraphKernels(g, quantizeFeeds(g, f), "simd", kernels);
      const b = vals.get(out.id)!;
      const got = Float32Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength), (v) => v * out.scale);
      const [a, q] = [argmaxRows(want, L), argmaxRows(got, L)];
      a.forEach((c, r) => {
        agree += c === q[r] ? 1 : 0;
        cos += cosine(want.subarray(r * L, (r + 1) * L), got.subarray(r * L, (r + 1) * L));
      });
      rows += a.length;
      if (evaluate.labels) {
        right += a[0] === evaluate.labels[i] ? 1 : 0;
        rightQ += q[0] === evaluate.labels[i] ? 1 : 0;
      }
    }
  } finally {
    await ort.release();
  }
  const n = evaluate.feeds.length;
  return {
    top1: agree / rows,
    cosine: cos / rows,
    ...(evaluate.labels && { floatAccuracy: right / n, quantAccuracy: rightQ / n }),
    graph: g,
  };
}
