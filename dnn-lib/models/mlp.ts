/**
 * The MLP classifier: 64 → 128 (ReLU) → 10, trained in TypeScript (plain SGD
 * on softmax cross-entropy, fixed seed and order) on a synthetic task: ten
 * Gaussian class prototypes in R^64 seen through heavy noise. Layer 1 is a
 * Gemm (transB = 1), layer 2 a MatMul + Add, so the importer sees both forms.
 */
import { GraphBuilder } from "../src/onnx/builder.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import type { Feeds } from "../src/onnx/ort.ts";
import { Rng } from "../../common/rng.ts";
import { addScaled, dot, softmaxGrad, subScaled } from "./train.ts";

export const MLP_IN = 64;
export const MLP_HIDDEN = 128;
export const MLP_CLASSES = 10;
const NOISE = 2.5;

function prototypes(): Float64Array {
  return new Rng(0x6d6c70).normals(MLP_CLASSES * MLP_IN);
}

/** n labelled samples of the synthetic task from `seed`. */
export function mlpData(seed: number, n: number): { x: Float64Array[]; y: number[] } {
  const P = prototypes();
  const r = new Rng(seed);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = r.below(MLP_CLASSES);
    x.push(Float64Array.from({ length: MLP_IN }, (_, k) => P[c * MLP_IN + k]! + NOISE * r.normal()));
    y.push(c);
  }
  return { x, y };
}

export function mlpFeeds(seed: number, n: number): Feeds[] {
  return mlpData(seed, n).x.map((x) => ({ x: { dims: [1, MLP_IN], data: Float32Array.from(x) } }));
}

interface MlpWeights {
  w1: Float64Array; // [H][I]
  b1: Float64Array;
  w2: Float64Array; // [C][H]
  b2: Float64Array;
}

function train(): MlpWeights {
  const r = new Rng(0x7472);
  const w1 = r.normals(MLP_HIDDEN * MLP_IN, Math.sqrt(2 / MLP_IN));
  const b1 = new Float64Array(MLP_HIDDEN);
  const w2 = r.normals(MLP_CLASSES * MLP_HIDDEN, Math.sqrt(1 / MLP_HIDDEN));
  const b2 = new Float64Array(MLP_CLASSES);
  const { x, y } = mlpData(0x5eed, 1500);
  const h = new Float64Array(MLP_HIDDEN);
  const z = new Float64Array(MLP_CLASSES);
  const gz = new Float64Array(MLP_CLASSES);
  const gh = new Float64Array(MLP_HIDDEN);
  const w1Row = (j: number) => w1.subarray(j * MLP_IN, (j + 1) * MLP_IN);
  const w2Row = (c: number) => w2.subarray(c * MLP_HIDDEN, (c + 1) * MLP_HIDDEN);
  for (let epoch = 0; epoch < 4; epoch++) {
    const lr = 0.02 / (1 + epoch);
    x.forEach((xi, i) => {
      for (let j = 0; j < MLP_HIDDEN; j++) {
        const a = dot(b1[j]!, w1Row(j), xi);
        h[j] = a > 0 ? a : 0;
      }
      for (let c = 0; c < MLP_CLASSES; c++) z[c] = dot(b2[c]!, w2Row(c), h);
      softmaxGrad(z, y[i]!, gz);
      gh.fill(0);
      for (let c = 0; c < MLP_CLASSES; c++) {
        addScaled(gh, gz[c]!, w2Row(c)); // with w2 before this row's update
        subScaled(w2Row(c), lr * gz[c]!, h);
        b2[c]! -= lr * gz[c]!;
      }
      for (let j = 0; j < MLP_HIDDEN; j++) {
        if (h[j]! <= 0) continue;
        subScaled(w1Row(j), lr * gh[j]!, xi);
        b1[j]! -= lr * gh[j]!;
      }
    });
  }
  return { w1, b1, w2, b2 };
}

export function mlpModel(): OnnxModel {
  const { w1, b1, w2, b2 } = train();
  // MatMul takes B as [K][N]: transpose w2 [C][H] into [H][C].
  const w2t = new Float32Array(MLP_HIDDEN * MLP_CLASSES);
  for (let c = 0; c < MLP_CLASSES; c++)
    for (let j = 0; j < MLP_HIDDEN; j++) w2t[j * MLP_CLASSES + c] = w2[c * MLP_HIDDEN + j]!;
  const g = new GraphBuilder("mlp");
  const x = g.input("x", [1, MLP_IN]);
  const W1 = g.init("fc1.weight", [MLP_HIDDEN, MLP_IN], Float32Array.from(w1));
  const B1 = g.init("fc1.bias", [MLP_HIDDEN], Float32Array.from(b1));
  const W2 = g.init("fc2.weight_t", [MLP_HIDDEN, MLP_CLASSES], w2t);
  const B2 = g.init("fc2.bias", [MLP_CLASSES], Float32Array.from(b2));
  const h = g.node("Relu", [g.node("Gemm", [x, W1, B1], { transB: 1 })]);
  g.node("Add", [g.node("MatMul", [h, W2]), B2], {}, "logits");
  g.output("logits", [1, MLP_CLASSES]);
  return g.build(17, "MLP classifier 64-128-10, trained on a synthetic prototype task (dnn-lib/models/mlp.ts)");
}
