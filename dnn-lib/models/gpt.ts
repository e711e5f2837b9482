/**
 * The small GPT-style decoder: vocabulary 64, d_model 32, 2 layers of
 * pre-LayerNorm blocks with 2-head causal self-attention (each head its own
 * Q/K/V MatMuls, scores scaled by 1/√16, a causal mask, Softmax, heads joined
 * by Concat) and a GELU MLP (32 → 128 → 32), learned positions, a final
 * LayerNorm and an output head tied to the token embedding. Context T = 16:
 * the graph maps ids[16] (int64) to logits[16][64]; the causal mask makes the
 * logits at position t depend on ids[0..t] only, so generation pads the
 * context and reads row len−1. Weights are seeded (not trained).
 */
import { GraphBuilder } from "../src/onnx/builder.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import type { Feeds } from "../src/onnx/ort.ts";
import { DataType } from "../src/onnx/proto.ts";
import { Rng } from "../../common/rng.ts";

export const GPT = { V: 64, D: 32, H: 2, Dh: 16, L: 2, FF: 128, T: 16 } as const;

/** A decoder's sizes: vocabulary, model width, heads of Dh, layers, MLP width, context. */
export interface GptShape {
  V: number;
  D: number;
  H: number;
  Dh: number;
  L: number;
  FF: number;
  T: number;
}

/**
 * The same decoder scaled up: width D, L layers, D/64 heads of 64, MLP 4·D, context 16, vocabulary 64
 * (the benchmark ladder's shapes: d256/6, d512/12, d768/12 is GPT-2-small's body).
 */
export function gptLadderShape(D: number, L: number): GptShape {
  return { V: 64, D, H: D / 64, Dh: 64, L, FF: 4 * D, T: 16 };
}

export function gptFeeds(seed: number, n: number, shape: GptShape = GPT): Feeds[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => ({
    ids: { dims: [shape.T], data: BigInt64Array.from({ length: shape.T }, () => BigInt(r.below(shape.V))) },
  }));
}

/** Scales the tied head so that logits stay in a range where sampling at temperature 1 is not one-hot. */
const HEAD_SCALE = 0.15;

export function gptModel(shape: GptShape = GPT): OnnxModel {
  const { V, D, H, Dh, L, FF, T } = shape;
  const r = new Rng(0x6e7);
  const f32 = (n: number, std: number) => Float32Array.from(r.normals(n, std));
  const g = new GraphBuilder("gpt");
  const ids = g.input("ids", [T], DataType.INT64);
  const wteData = f32(V * D, 1);
  const wte = g.init("wte", [V, D], wteData);
  const wpe = g.init("wpe", [T, D], f32(T * D, 0.3));
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  const maskName = g.init("causal_mask", [T, T], mask);
  const scale = g.init("attn_scale", [], Float32Array.from([1 / Math.sqrt(Dh)]));
  const ln = (x: string, name: string) =>
    g.node(
      "LayerNormalization",
      [
        x,
        g.init(
          `${name}.g`,
          [D],
          Float32Array.from(r.normals(D, 0.1), (v) => 1 + v),
        ),
        g.init(`${name}.b`, [D], f32(D, 0.05)),
      ],
      {
        axis: -1,
        epsilon: { float: 1e-5 },
      },
    );
  const linear = (x: string, name: string, K: number, N: number, bias = true) => {
    const y = g.node("MatMul", [x, g.init(`${name}.w`, [K, N], f32(K * N, 1.5 / Math.sqrt(K)))]);
    return bias ? g.node("Add", [y, g.init(`${name}.b`, [N], f32(N, 0.02))]) : y;
  };

  let x = g.node("Add", [g.node("Gather", [wte, ids], { axis: 0 }), wpe]);
  for (let l = 0; l < L; l++) {
    const h = ln(x, `h${l}.ln1`);
    const heads: string[] = [];
    for (let j = 0; j < H; j++) {
      const q = linear(h, `h${l}.attn.q${j}`, D, Dh);
      const k = linear(h, `h${l}.attn.k${j}`, D, Dh);
      const v = linear(h, `h${l}.attn.v${j}`, D, Dh);
      const s = g.node("Mul", [g.node("MatMul", [q, g.node("Transpose", [k], { perm: [1, 0] })]), scale]);
      const p = g.node("Softmax", [g.node("Add", [s, maskName])], { axis: -1 });
      heads.push(g.node("MatMul", [p, v]));
    }
    x = g.node("Add", [x, linear(g.node("Concat", heads, { axis: -1 }), `h${l}.attn.o`, D, D)]);
    const f = g.node("Gelu", [linear(ln(x, `h${l}.ln2`), `h${l}.mlp.fc`, D, FF)]);
    x = g.node("Add", [x, linear(f, `h${l}.mlp.proj`, FF, D)]);
  }
  // Output head tied to the token embedding: logits = lnf(x) · (HEAD_SCALE · wte)ᵀ.
  const wteT = new Float32Array(D * V);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) wteT[d * V + v] = HEAD_SCALE * wteData[v * D + d]!;
  g.node("MatMul", [ln(x, "lnf"), g.init("lm_head.w", [D, V], wteT)], {}, "logits");
  g.output("logits", [T, V]);
  return g.build(
    20,
    `GPT-style decoder V${V} D${D} ${L} layers ${H} heads T${T}, seeded weights (dnn-lib/models/gpt.ts)`,
  );
}
