/**
 * Multi-head causal self-attention in one subgraph (Q, K, V split into heads by
 * Reshape + Transpose, one batched MatMul per side) with rotary embedding in the
 * rotate-half form on Q and K, imported as `rotary` + one `attention` node of
 * H = 2 heads, against onnxruntime float.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { Rng } from "../../common/rng.ts";
import { OnnxUnsupportedError } from "../src/onnx/errors.ts";
import { compareWithOrt, normalFeeds } from "./onnxCompare.ts";

const T = 8;
const H = 2;
const Dh = 8;
const D = H * Dh;

/** cos/sin [T][Dh] of the rotate-half form: angle t·10000^(−2i/Dh), duplicated across the halves unless `skew`. */
function tables(skew: boolean): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(T * Dh);
  const sin = new Float32Array(T * Dh);
  for (let t = 0; t < T; t++)
    for (let j = 0; j < Dh; j++) {
      const i = j % (Dh / 2);
      const angle = t * 10000 ** ((-2 * (skew ? j / 2 : i)) / Dh);
      cos[t * Dh + j] = Math.cos(angle);
      sin[t * Dh + j] = Math.sin(angle);
    }
  return { cos, sin };
}

function model(skew = false) {
  const r = new Rng(8);
  const g = new GraphBuilder("mha-rope");
  const x = g.input("x", [1, T, D]);
  const { cos, sin } = tables(skew);
  const cosT = g.init("cos", [T, Dh], cos);
  const sinT = g.init("sin", [T, Dh], sin);
  const i64 = (name: string, v: number[]) => g.init(name, [v.length], BigInt64Array.from(v.map(BigInt)));
  const heads = i64("heads", [1, T, H, Dh]);
  const flat = i64("flat", [1, T, D]);
  const [s0, sh, se, ax] = [i64("s0", [0]), i64("sh", [Dh / 2]), i64("se", [Dh]), i64("ax", [-1])];
  const proj = (name: string) =>
    g.node("MatMul", [x, g.init(name, [D, D], Float32Array.from(r.normals(D * D, 1 / Math.sqrt(D))))]);
  const split = (t: string) => g.node("Transpose", [g.node("Reshape", [t, heads])], { perm: [0, 2, 1, 3] });
  const rope = (t: string) => {
    const x1 = g.node("Slice", [t, s0, sh, ax]);
    const x2 = g.node("Slice", [t, sh, se, ax]);
    const rot = g.node("Concat", [g.node("Neg", [x2]), x1], { axis: -1 });
    return g.node("Add", [g.node("Mul", [t, cosT]), g.node("Mul", [rot, sinT])]);
  };
  const q = rope(split(proj("wq")));
  const k = rope(split(proj("wk")));
  const v = split(proj("wv"));
  const mask = g.init(
    "mask",
    [T, T],
    Float32Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9)),
  );
  const scores = g.node("Mul", [
    g.node("MatMul", [q, g.node("Transpose", [k], { perm: [0, 1, 3, 2] })]),
    g.init("alpha", [], Float32Array.from([1 / Math.sqrt(Dh)])),
  ]);
  const p = g.node("Softmax", [g.node("Add", [scores, mask])], { axis: -1 });
  const o = g.node("Reshape", [g.node("Transpose", [g.node("MatMul", [p, v])], { perm: [0, 2, 1, 3] }), flat]);
  g.node("MatMul", [o, g.init("wo", [D, D], Float32Array.from(r.normals(D * D, 1 / Math.sqrt(D))))], {}, "y");
  g.output("y", [1, T, D]);
  return g.build(17);
}

test("multi-head attention (H = 2, heads by Reshape + Transpose) with rotate-half rotary on Q and K: one attention node, two rotary nodes; within 4 LSB and cosine ≥ 0.995 of onnxruntime", async () => {
  // Calibrated on a set that contains the evaluation inputs: nothing saturates, so what is measured is the
  // rounding of the int8 path (rotary Q14 tables, per-tensor activations, 1/127 attention probabilities).
  const evalFeeds = normalFeeds(2, 20, "x", [1, T, D]);
  const { graph, maxLsb, minCosine } = await compareWithOrt(
    model(),
    [...normalFeeds(1, 32, "x", [1, T, D]), ...evalFeeds],
    evalFeeds,
  );
  const count = (op: string) => graph.nodes.filter((n) => n.opName === op).length;
  assert.deepEqual(
    ["matmul", "strided", "rotary", "attention", "transpose", "slice", "concat"].map(count),
    [4, 4, 2, 1, 0, 0, 0],
  );
  const att = graph.nodes.find((n) => n.opName === "attention")!;
  assert.deepEqual(att.params.slice(0, 5), [H, T, Dh, T, 0]);
  const rot = graph.nodes.find((n) => n.opName === "rotary")!;
  assert.deepEqual(rot.params, [H * T, 1, Dh, 0, H * T]);
  console.log(`mha-rope: max error ${maxLsb} LSB, min cosine ${minCosine}`);
  assert.ok(maxLsb <= 4, `max error ${maxLsb} LSB`);
  assert.ok(minCosine >= 0.995, `min cosine ${minCosine}`);
});

test("rotary tables whose halves differ (another pairing convention) are refused as RotaryEmbedding naming the position and pair", async () => {
  await assert.rejects(
    quantizeModel(model(true), normalFeeds(1, 2, "x", [1, T, D])),
    (e: unknown) =>
      e instanceof OnnxUnsupportedError &&
      e.what === "RotaryEmbedding" &&
      /differ between the two halves/.test(e.message) &&
      /position 1, pair 0:/.test(e.details ?? ""),
  );
});
