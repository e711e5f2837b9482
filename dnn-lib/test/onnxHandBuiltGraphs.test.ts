/**
 * The hand-built graphs the importer once refused, each now lowered and compared with onnxruntime
 * by the conformance suite's rule (docs/onnx.md: two steps of the output scale against onnxruntime
 * on the int8-rounded inputs, and the derived tolerance against the exact inputs' output): grouped,
 * depthwise and dilated Conv, Conv with each auto_pad, tanh-GELU written out, standalone
 * BatchNormalization as an affine (after Relu, after Gemm), padded max and average pooling, and
 * constants made by the folding pass from Range, ConstantOfShape, Trilu and a Where on a constant mask.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../common/rng.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import { normalFeeds, withinSuiteTolerance } from "./onnxCompare.ts";

const f32 = (r: Rng, n: number, std = 0.5) => Float32Array.from(r.normals(n, std));
const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

interface Case {
  title: string;
  x: number[];
  build: (g: GraphBuilder, r: Rng, x: string) => void;
  /** Ops the quantized graph must hold (and, with `not`, must not). */
  ops: string[];
  not?: string[];
}

/** x → Conv(W [outC, inC/group, k, k]) with the given attributes → y. */
const conv = (w: number[], attrs: Parameters<GraphBuilder["node"]>[2]) => (g: GraphBuilder, r: Rng, x: string) => {
  const b = g.init("b", [w[0]!], f32(r, w[0]!, 0.1));
  g.node("Conv", [x, g.init("w", w, f32(r, size(w))), b], attrs, "y");
};

/** An affine BatchNormalization over `c` channels of `input`. */
function batchNorm(g: GraphBuilder, r: Rng, input: string, c: number, out: string): void {
  const pos = Float32Array.from(r.normals(c, 0.3), (v) => 0.5 + Math.abs(v));
  const ins = [input, g.init("gamma", [c], f32(r, c)), g.init("beta", [c], f32(r, c, 0.2))];
  g.node("BatchNormalization", [...ins, g.init("mean", [c], f32(r, c, 0.3)), g.init("var", [c], pos)], {}, out);
}

const CASES: Case[] = [
  {
    title: "grouped Conv (group 2, pads 1)",
    x: [1, 4, 6, 6],
    build: conv([4, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }),
    ops: ["conv2d"],
  },
  {
    title: "depthwise Conv (group = channels)",
    x: [1, 3, 6, 6],
    build: conv([3, 1, 3, 3], { group: 3 }),
    ops: ["conv2d"],
  },
  {
    title: "dilated Conv (dilations 2)",
    x: [1, 3, 7, 7],
    build: conv([2, 3, 3, 3], { dilations: [2, 2] }),
    ops: ["conv2d"],
  },
  {
    title: "Conv auto_pad SAME_UPPER, stride 2",
    x: [1, 2, 7, 7],
    build: conv([3, 2, 3, 3], { auto_pad: "SAME_UPPER", strides: [2, 2] }),
    ops: ["conv2d"],
  },
  {
    title: "Conv auto_pad SAME_LOWER, kernel 2",
    x: [1, 2, 5, 5],
    build: conv([3, 2, 2, 2], { auto_pad: "SAME_LOWER" }),
    ops: ["conv2d", "concat"],
  },
  { title: "Conv auto_pad VALID", x: [1, 2, 5, 5], build: conv([3, 2, 3, 3], { auto_pad: "VALID" }), ops: ["conv2d"] },
  {
    title: "tanh-GELU written out (Pow(x, 3)) becomes one table",
    x: [1, 16],
    build: (g, _r, x) => {
      const c = (name: string, v: number) => g.init(name, [], Float32Array.of(v));
      const cube = g.node("Mul", [g.node("Pow", [x, c("three", 3)]), c("k1", 0.044715)]);
      const inner = g.node("Mul", [g.node("Add", [x, cube]), c("k2", Math.sqrt(2 / Math.PI))]);
      const t = g.node("Add", [g.node("Tanh", [inner]), c("one", 1)]);
      g.node("Mul", [g.node("Mul", [x, t]), c("half", 0.5)], {}, "y");
    },
    ops: ["lut"],
    not: ["mul", "add"],
  },
  {
    title: "BatchNormalization after Relu (a per-channel affine on its own)",
    x: [1, 3, 5, 5],
    build: (g, r, x) => batchNorm(g, r, g.node("Relu", [x]), 3, "y"),
    ops: ["relu", "conv2d"],
  },
  {
    title: "BatchNormalization after Gemm",
    x: [1, 8],
    build: (g, r, x) => batchNorm(g, r, g.node("Gemm", [x, g.init("w", [6, 8], f32(r, 48))], { transB: 1 }), 6, "y"),
    ops: ["matmul"],
  },
  {
    title: "MaxPool 3×3 stride 2 with pads 1",
    x: [1, 2, 7, 7],
    build: (g, _r, x) =>
      void g.node("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, "y"),
    ops: ["maxpool", "concat"],
  },
  {
    title: "AveragePool 3×3 with pads 1 (count_include_pad 1)",
    x: [1, 2, 6, 6],
    build: (g, _r, x) =>
      void g.node("AveragePool", [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }, "y"),
    ops: ["avgpool", "concat"],
  },
  {
    title: "Range, ConstantOfShape, Trilu and Where on a constant mask fold into a MatMul's weights and bias",
    x: [1, 8],
    build: (g, _r, x) => {
      const c = (name: string, v: number) => g.init(name, [], Float32Array.of(v));
      const ones = g.node("Add", [g.node("ConstantOfShape", [g.init("shape", [2], i64([8, 8]))]), c("one", 1)]);
      const mask = g.node("Greater", [g.node("Trilu", [ones], { upper: 1 }), c("half", 0.5)]);
      const w = g.node("Where", [mask, c("pos", 0.5), c("neg", -0.25)]);
      const bias = g.node("Range", [c("start", -1), c("limit", 1), c("delta", 0.25)]);
      g.node("Add", [g.node("MatMul", [x, w]), bias], {}, "y");
    },
    ops: ["matmul"],
    not: ["add", "mul"],
  },
];

for (const c of CASES)
  test(`hand-built graph within the suite's tolerance of onnxruntime: ${c.title}`, async () => {
    const r = new Rng(c.title.length * 131);
    const g = new GraphBuilder("handbuilt");
    const x = g.input("x", c.x);
    c.build(g, r, x);
    g.output("y", []);
    const m: OnnxModel = g.build(17);
    const { graph, ort, expected } = await withinSuiteTolerance(m, normalFeeds(c.x.length, 6, "x", c.x));
    const ops: string[] = graph.nodes.map((n) => n.opName);
    for (const op of c.ops) assert.ok(ops.includes(op), `${op} missing from ${ops}`);
    for (const op of c.not ?? []) assert.ok(!ops.includes(op), `${op} in ${ops}`);
    console.log(`${c.title}: ${ops.join(",")}; ${ort.toFixed(2)} steps (${expected.toFixed(2)} from the exact inputs)`);
  });
