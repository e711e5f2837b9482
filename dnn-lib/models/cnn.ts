/**
 * The small CNN: 1×16×16 → Conv 3×3 (8, pad 1) → ReLU → MaxPool 2 → Conv 3×3
 * (16, pad 1) → ReLU → AveragePool 2 → Flatten → Gemm 256 → 10. The two
 * convolutions keep their seeded He-initialised weights (random features);
 * the linear head is trained in TypeScript (SGD, softmax cross-entropy, fixed
 * seed and order) on a synthetic task: ten smooth random patterns, each seen
 * shifted by up to one pixel and through noise.
 */
import { GraphBuilder } from "../src/onnx/builder.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import type { Feeds } from "../src/onnx/ort.ts";
import { Rng } from "../../common/rng.ts";
import { dot, softmaxGrad, subScaled } from "./train.ts";

const S = 16;
const C1 = 8;
const C2 = 16;
export const CNN_CLASSES = 10;
const FEAT = C2 * 4 * 4;

function patterns(): Float64Array[] {
  const r = new Rng(0xc44);
  return Array.from({ length: CNN_CLASSES }, () => {
    const p = new Float64Array(S * S);
    for (let k = 0; k < 4; k++) {
      const fx = 0.2 + r.next() * 0.8;
      const fy = 0.2 + r.next() * 0.8;
      const ph = r.next() * 2 * Math.PI;
      const a = r.normal();
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) p[y * S + x]! += a * Math.sin(fx * x + fy * y + ph);
    }
    return p;
  });
}

export function cnnData(seed: number, n: number): { x: Float64Array[]; y: number[] } {
  const P = patterns();
  const r = new Rng(seed);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = r.below(CNN_CLASSES);
    const pattern = P[c]!;
    const dx = r.below(3) - 1;
    const dy = r.below(3) - 1;
    const img = new Float64Array(S * S);
    for (let yy = 0; yy < S; yy++)
      for (let xx = 0; xx < S; xx++) {
        const sy = Math.min(S - 1, Math.max(0, yy + dy));
        const sx = Math.min(S - 1, Math.max(0, xx + dx));
        img[yy * S + xx] = pattern[sy * S + sx]! + 0.7 * r.normal();
      }
    x.push(img);
    y.push(c);
  }
  return { x, y };
}

export function cnnFeeds(seed: number, n: number): Feeds[] {
  return cnnData(seed, n).x.map((x) => ({ x: { dims: [1, 1, S, S], data: Float32Array.from(x) } }));
}

/** Float conv 3×3, pad 1, stride 1 with ReLU: x[C][H][W] → [OC][H][W] (the reads stay inside those shapes). */
function convRelu(x: Float64Array, C: number, H: number, w: Float64Array, b: Float64Array, OC: number): Float64Array {
  const out = new Float64Array(OC * H * H);
  for (let o = 0; o < OC; o++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) {
        let a = b[o]!;
        for (let c = 0; c < C; c++)
          for (let u = 0; u < 3; u++)
            for (let v = 0; v < 3; v++) {
              const yy = i + u - 1;
              const xx = j + v - 1;
              if (yy >= 0 && yy < H && xx >= 0 && xx < H)
                a += x[(c * H + yy) * H + xx]! * w[((o * C + c) * 3 + u) * 3 + v]!;
            }
        out[(o * H + i) * H + j] = a > 0 ? a : 0;
      }
  return out;
}

function pool2(x: Float64Array, C: number, H: number, kind: "max" | "avg"): Float64Array {
  const h = H / 2;
  const out = new Float64Array(C * h * h);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++) {
        const at = (k: number) => x[(c * H + 2 * i + (k >> 1)) * H + 2 * j + (k & 1)]!;
        const [v0, v1, v2, v3] = [at(0), at(1), at(2), at(3)];
        out[(c * h + i) * h + j] = kind === "max" ? Math.max(v0, v1, v2, v3) : (v0 + v1 + v2 + v3) / 4;
      }
  return out;
}

export function cnnModel(): OnnxModel {
  const r = new Rng(0xc0ffee);
  const w1 = r.normals(C1 * 9, Math.sqrt(2 / 9));
  const b1 = r.normals(C1, 0.05);
  const w2 = r.normals(C2 * C1 * 9, Math.sqrt(2 / (C1 * 9)));
  const b2 = r.normals(C2, 0.05);
  // Round the conv weights to float32 first, so the head is trained on the features the file computes.
  const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const [W1, B1, W2, B2] = [f32(w1), f32(b1), f32(w2), f32(b2)];
  const features = (img: Float64Array) =>
    pool2(convRelu(pool2(convRelu(img, 1, S, W1, B1, C1), C1, S, "max"), C1, S / 2, W2, B2, C2), C2, S / 2, "avg");

  const wf = r.normals(CNN_CLASSES * FEAT, Math.sqrt(1 / FEAT));
  const bf = new Float64Array(CNN_CLASSES);
  const { x, y } = cnnData(0x5eed, 1000);
  const feats = x.map(features);
  const z = new Float64Array(CNN_CLASSES);
  const gz = new Float64Array(CNN_CLASSES);
  const wfRow = (c: number) => wf.subarray(c * FEAT, (c + 1) * FEAT);
  for (let epoch = 0; epoch < 6; epoch++) {
    const lr = 0.01 / (1 + epoch);
    feats.forEach((f, i) => {
      for (let c = 0; c < CNN_CLASSES; c++) z[c] = dot(bf[c]!, wfRow(c), f);
      softmaxGrad(z, y[i]!, gz);
      for (let c = 0; c < CNN_CLASSES; c++) {
        subScaled(wfRow(c), lr * gz[c]!, f);
        bf[c]! -= lr * gz[c]!;
      }
    });
  }

  const g = new GraphBuilder("cnn");
  const inp = g.input("x", [1, 1, S, S]);
  const conv = (xn: string, w: string, b: string) =>
    g.node("Conv", [xn, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  const cw1 = g.init("conv1.weight", [C1, 1, 3, 3], Float32Array.from(W1));
  const cb1 = g.init("conv1.bias", [C1], Float32Array.from(B1));
  const cw2 = g.init("conv2.weight", [C2, C1, 3, 3], Float32Array.from(W2));
  const cb2 = g.init("conv2.bias", [C2], Float32Array.from(B2));
  const fw = g.init("fc.weight", [CNN_CLASSES, FEAT], Float32Array.from(wf));
  const fb = g.init("fc.bias", [CNN_CLASSES], Float32Array.from(bf));
  let h = g.node("MaxPool", [g.node("Relu", [conv(inp, cw1, cb1)])], { kernel_shape: [2, 2], strides: [2, 2] });
  h = g.node("AveragePool", [g.node("Relu", [conv(h, cw2, cb2)])], { kernel_shape: [2, 2], strides: [2, 2] });
  g.node("Gemm", [g.node("Flatten", [h], { axis: 1 }), fw, fb], { transB: 1 }, "logits");
  g.output("logits", [1, CNN_CLASSES]);
  return g.build(
    17,
    "CNN 1x16x16 conv-pool-conv-pool-linear, seeded convolutions, head trained on a synthetic pattern task (dnn-lib/models/cnn.ts)",
  );
}

/** Accuracy of the float model's features + head on labelled data (for the generator's own check). */
export function cnnLabels(seed: number, n: number): number[] {
  return cnnData(seed, n).y;
}
