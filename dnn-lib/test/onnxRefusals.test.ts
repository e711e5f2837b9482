/**
 * Every way the ONNX lowering refuses a graph, one small graph each: the error is typed
 * (OnnxUnsupportedError naming the operator, attribute value, data type or domain in `what`;
 * OnnxRunError for a tensor without a calibrated shape; OnnxFormatError for a node without an
 * input its op requires) and its message names the node and what was wrong. The graphs are
 * lowered with a hand-written calibration (shapes, and magnitudes where one matters), so
 * onnxruntime does not run: some of them it would refuse too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { OnnxFormatError, OnnxRunError, OnnxUnsupportedError } from "../src/onnx/errors.ts";
import type { OnnxModel } from "../src/onnx/model.ts";
import { DataType } from "../src/onnx/proto.ts";
import { lowerModel, type LowerOptions } from "../src/onnx/quantize.ts";

interface Refusal {
  title: string;
  /** Writes the graph (inputs, constants, nodes, outputs). */
  build: (g: GraphBuilder) => void;
  /** Calibrated shapes of the graph's inputs and node outputs. */
  dims: Record<string, number[]>;
  /** Calibrated magnitudes (1 where not given). */
  maxAbs?: Record<string, number>;
  edit?: (m: OnnxModel) => void;
  opts?: LowerOptions;
  error: typeof OnnxUnsupportedError | typeof OnnxRunError | typeof OnnxFormatError;
  what?: string;
  message: RegExp;
  details?: RegExp;
}

const f32 = (n: number, v = 0.5) => new Float32Array(n).fill(v);
const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));
/** A single-node graph x → op → y. */
const unary =
  (op: string, attrs: Parameters<GraphBuilder["node"]>[2] = {}, xShape = [1, 4]) =>
  (g: GraphBuilder) => {
    g.node(op, [g.input("x", xShape)], attrs, "y");
    g.output("y", []);
  };
const conv =
  (attrs: Parameters<GraphBuilder["node"]>[2], xShape = [1, 1, 4, 4], wData: Float32Array | Int32Array = f32(9)) =>
  (g: GraphBuilder) => {
    g.node("Conv", [g.input("x", xShape), g.init("w", [1, 1, 3, 3], wData)], { kernel_shape: [3, 3], ...attrs }, "y");
    g.output("y", []);
  };
const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[]) => (g: GraphBuilder) => {
  const ins = [g.input("x", [2, 6]), g.init("s", [starts.length], i64(starts)), g.init("e", [ends.length], i64(ends))];
  if (axes) ins.push(g.init("a", [axes.length], i64(axes)));
  if (steps) ins.push(g.init("st", [steps.length], i64(steps)));
  g.node("Slice", ins, {}, "y");
  g.output("y", []);
};
/** Causal attention over q, k, v inputs of the given shapes, with `mask` as its additive mask. */
const attention = (qk: number[], v: number[], mask: Float32Array) => (g: GraphBuilder) => {
  const T = qk[qk.length - 2]!;
  const kt = g.node("Transpose", [g.input("k", qk)], { perm: [0, 2, 1] }, "kt");
  const s = g.node("MatMul", [g.input("q", qk), kt], {}, "s");
  const z = g.node("Mul", [s, g.init("alpha", [], Float32Array.from([0.5]))], {}, "z");
  const p = g.node("Softmax", [g.node("Add", [z, g.init("mask", [T, T], mask)], {}, "zm")], { axis: -1 }, "p");
  g.node("MatMul", [p, g.input("v", v)], {}, "y");
  g.output("y", []);
};
const causal = (T: number, above = -1e9) =>
  Float32Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : above));
const attentionDims = (qk: number[], v: number[]) => {
  const T = qk[qk.length - 2]!;
  return { q: qk, k: qk, v, kt: [2, qk[2]!, T], s: [2, T, T], z: [2, T, T], zm: [2, T, T], p: [2, T, T] };
};

/** Rotate-half rotary on x[1][4][4] whose cos/sin tables differ between the halves at position 1. */
const skewedRotary = (g: GraphBuilder) => {
  const x = g.input("x", [1, 4, 4]);
  const table = (f: (a: number) => number) =>
    Float32Array.from({ length: 16 }, (_, i) => f(Math.floor(i / 4) * (i % 4 < 2 ? 1 : 0.5)));
  const c = (i: number, v: number) => g.init(`c${i}`, [1], i64([v]));
  const [s0, s2, s4, ax] = [c(0, 0), c(1, 2), c(2, 4), c(3, -1)];
  const x1 = g.node("Slice", [x, s0, s2, ax], {}, "x1");
  const x2 = g.node("Slice", [x, s2, s4, ax], {}, "x2");
  const rot = g.node("Concat", [g.node("Neg", [x2], {}, "nx2"), x1], { axis: -1 }, "rot");
  const mc = g.node("Mul", [x, g.init("cos", [4, 4], table(Math.cos))], {}, "mc");
  const ms = g.node("Mul", [rot, g.init("sin", [4, 4], table(Math.sin))], {}, "ms");
  g.node("Add", [mc, ms], {}, "y");
  g.output("y", []);
};

const REFUSALS: Refusal[] = [
  {
    title: "an operator set of another domain",
    build: unary("Relu"),
    dims: { x: [1, 4], y: [1, 4] },
    edit: (m) => m.opsetImports.push({ domain: "com.microsoft", version: 1 }),
    error: OnnxUnsupportedError,
    what: "com.microsoft",
    message: /unsupported operator set domain "com\.microsoft"/,
  },
  {
    title: "a node of another domain",
    build: unary("Relu"),
    dims: { x: [1, 4], y: [1, 4] },
    edit: (m) => (m.graph.nodes[0]!.domain = "com.microsoft"),
    error: OnnxUnsupportedError,
    what: "Relu",
    message: /ONNX Relu \(node Relu_0\): domain "com\.microsoft" is not supported/,
  },
  {
    title: "a graph input of type DOUBLE",
    build: (g) => {
      g.node("Relu", [g.input("x", [1, 4], DataType.DOUBLE)], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "DOUBLE",
    message: /graph input x has unsupported type DOUBLE/,
  },
  {
    title: "a graph input without a calibrated shape",
    build: unary("Relu"),
    dims: { y: [1, 4] },
    error: OnnxRunError,
    message: /no calibrated shape for tensor x/,
  },
  {
    title: "a graph output no node writes",
    build: (g) => {
      unary("Relu")(g);
      g.output("z", []);
    },
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxRunError,
    message: /graph output z was not produced/,
  },
  {
    title: "an operand that is neither an input, a constant nor an earlier output",
    build: (g) => {
      g.input("x", [1, 4]);
      g.node("Relu", ["nowhere"], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Relu",
    message: /Relu Relu_0: operand nowhere is not available/,
  },
  {
    title: "an operator the importer does not know",
    build: unary("Hardmax"),
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Hardmax",
    message: /ONNX Hardmax \(node Hardmax_0\): operator not supported by the importer/,
  },
  {
    title: "MatMul of two activations outside an attention subgraph",
    build: (g) => {
      g.node("MatMul", [g.input("x", [1, 4]), g.input("w", [4, 3])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], w: [4, 3], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "MatMul",
    message: /both operands are activations outside a causal attention subgraph/,
  },
  {
    title: "Gemm with a 3-D weight",
    build: (g) => {
      g.node("Gemm", [g.input("x", [1, 4]), g.init("w", [2, 4, 3], f32(24))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "Gemm",
    message: /weight w must be 2-D, is \[2,4,3\]/,
  },
  {
    title: "MatMul whose input's inner dimension is not the weight's",
    build: (g) => {
      g.node("MatMul", [g.input("x", [1, 5]), g.init("w", [4, 3], f32(12))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 5], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "MatMul",
    message: /input inner dimension 5 ≠ weight 4/,
  },
  {
    title: "Gemm with transA = 1",
    build: (g) => {
      g.node("Gemm", [g.input("x", [4, 1]), g.init("w", [4, 3], f32(12))], { transA: 1 }, "y");
      g.output("y", []);
    },
    dims: { x: [4, 1], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "Gemm",
    message: /ONNX Gemm \(node Gemm_0\): transA = 1/,
  },
  {
    title: "Gemm with an alpha that is not a float",
    build: (g) => {
      g.node("Gemm", [g.input("x", [1, 4]), g.init("w", [4, 3], f32(12))], { alpha: 2 }, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "Gemm",
    message: /Gemm Gemm_0: attribute alpha is not a float/,
  },
  {
    title: "Gemm with a bias of the wrong length",
    build: (g) => {
      g.node("Gemm", [g.input("x", [1, 4]), g.init("w", [4, 3], f32(12)), g.init("b", [2], f32(2))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 3] },
    error: OnnxUnsupportedError,
    what: "Gemm",
    message: /bias must be a constant of 3 values/,
  },
  {
    title: "Conv with weights that are not a constant",
    build: (g) => {
      g.node("Conv", [g.input("x", [1, 1, 4, 4]), g.input("w", [1, 1, 3, 3])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 1, 4, 4], w: [1, 1, 3, 3], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /weights must be a constant/,
  },
  {
    title: "Conv with int32 weights",
    build: conv({}, [1, 1, 4, 4], new Int32Array(9)),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "INT32",
    message: /Conv Conv_0: constant w is INT32, not float/,
  },
  {
    title: "Conv with a group that does not divide the output channels",
    build: conv({ group: 2 }),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /group 2 does not divide 1 output channels/,
  },
  {
    title: "Conv with a group that is not an int",
    build: conv({ group: [1] }),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /attribute group is not an int/,
  },
  {
    title: "Conv with an auto_pad ONNX does not define",
    build: conv({ auto_pad: "SAME_MIDDLE" }),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 4, 4] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /ONNX Conv \(node Conv_0\): auto_pad SAME_MIDDLE/,
  },
  {
    title: "Conv with dilation 0",
    build: conv({ dilations: [0, 0] }, [1, 1, 6, 6]),
    dims: { x: [1, 1, 6, 6], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /dilations \[0,0\]/,
  },
  {
    title: "Conv with unequal strides",
    build: conv({ strides: [1, 2] }),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 1] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /unequal strides \[1,2\]/,
  },
  {
    title: "Conv with negative pads",
    build: conv({ pads: [-1, 1, 0, 0] }),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 3, 3] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /pads \[-1,1,0,0\]/,
  },
  {
    title: "Conv over a batch of 2",
    build: conv({}, [2, 1, 4, 4]),
    dims: { x: [2, 1, 4, 4], y: [2, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /input must be \[1\]\[1\]\[H\]\[W\], is \[2,1,4,4\]/,
  },
  {
    title: "MaxPool with a kernel that is not square",
    build: unary("MaxPool", { kernel_shape: [2, 3] }, [1, 1, 4, 6]),
    dims: { x: [1, 1, 4, 6], y: [1, 1, 3, 4] },
    error: OnnxUnsupportedError,
    what: "MaxPool",
    message: /kernel_shape must be square 2-D, is \[2,3\]/,
  },
  {
    title: "MaxPool with a kernel_shape that is not ints",
    build: unary("MaxPool", { kernel_shape: 2 }, [1, 1, 4, 4]),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 3, 3] },
    error: OnnxUnsupportedError,
    what: "MaxPool",
    message: /attribute kernel_shape is not ints/,
  },
  {
    title: "MaxPool with unequal strides",
    build: unary("MaxPool", { kernel_shape: [2, 2], strides: [2, 1] }, [1, 1, 4, 4]),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 3] },
    error: OnnxUnsupportedError,
    what: "MaxPool",
    message: /unequal strides \[2,1\]/,
  },
  {
    title: "AveragePool with padding",
    build: unary("AveragePool", { kernel_shape: [2, 2], pads: [1, 1, 1, 1] }, [1, 1, 4, 4]),
    dims: { x: [1, 1, 4, 4], y: [1, 1, 5, 5] },
    error: OnnxUnsupportedError,
    what: "AveragePool",
    message: /ONNX AveragePool \(node AveragePool_0\): padding with count_include_pad = 0/,
  },
  {
    title: "AveragePool with ceil_mode = 1",
    build: unary("AveragePool", { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [1, 1, 5, 5]),
    dims: { x: [1, 1, 5, 5], y: [1, 1, 3, 3] },
    error: OnnxUnsupportedError,
    what: "AveragePool",
    message: /ceil_mode = 1/,
  },
  {
    title: "MaxPool over a 3-D input",
    build: unary("MaxPool", { kernel_shape: [2, 2] }, [1, 4, 4]),
    dims: { x: [1, 4, 4], y: [1, 3, 3] },
    error: OnnxUnsupportedError,
    what: "MaxPool",
    message: /input must be \[1\]\[C\]\[H\]\[W\], is \[1,4,4\]/,
  },
  {
    title: "Clip with a bound that is not a constant",
    build: (g) => {
      g.node("Clip", [g.input("x", [1, 4]), g.input("lo", [])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], lo: [], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Clip",
    message: /min must be a scalar constant/,
  },
  {
    title: "Softmax on an axis past the rank",
    build: unary("Softmax", { axis: 2 }),
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Softmax",
    message: /axis 2 out of range for rank 2/,
  },
  {
    title: "LayerNormalization over the first axis",
    build: (g) => {
      g.node("LayerNormalization", [g.input("x", [2, 4]), g.init("gamma", [4], f32(4))], { axis: 0 }, "y");
      g.output("y", []);
    },
    dims: { x: [2, 4], y: [2, 4] },
    error: OnnxUnsupportedError,
    what: "LayerNormalization",
    message: /only the last axis is supported, got axis 0/,
  },
  {
    title: "LayerNormalization with a scale of the wrong length",
    build: (g) => {
      g.node("LayerNormalization", [g.input("x", [2, 4]), g.init("gamma", [3], f32(3))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [2, 4], y: [2, 4] },
    error: OnnxUnsupportedError,
    what: "LayerNormalization",
    message: /scale and bias must be constants of 4 values/,
  },
  {
    title: "Gather on axis 1",
    build: (g) => {
      g.node("Gather", [g.init("table", [4, 2], f32(8)), g.input("ids", [1, 3], DataType.INT64)], { axis: 1 }, "y");
      g.output("y", []);
    },
    dims: { ids: [1, 3], y: [4, 1, 3] },
    error: OnnxUnsupportedError,
    what: "Gather",
    message: /axis ≠ 0/,
  },
  {
    title: "Gather from a table that is not a constant",
    build: (g) => {
      g.node("Gather", [g.input("table", [4, 2]), g.input("ids", [1, 3], DataType.INT64)], {}, "y");
      g.output("y", []);
    },
    dims: { table: [4, 2], ids: [1, 3], y: [1, 3, 2] },
    error: OnnxUnsupportedError,
    what: "Gather",
    message: /the table must be a constant/,
  },
  {
    title: "Gather from a 3-D table",
    build: (g) => {
      g.node("Gather", [g.init("table", [4, 2, 2], f32(16)), g.input("ids", [1, 3], DataType.INT64)], {}, "y");
      g.output("y", []);
    },
    dims: { ids: [1, 3], y: [1, 3, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Gather",
    message: /table must be 2-D, is \[4,2,2\]/,
  },
  {
    title: "Gather with float indices",
    build: (g) => {
      g.node("Gather", [g.init("table", [4, 2], f32(8)), g.input("ids", [1, 3])], {}, "y");
      g.output("y", []);
    },
    dims: { ids: [1, 3], y: [1, 3, 2] },
    error: OnnxUnsupportedError,
    what: "Gather",
    message: /indices must be an integer graph input/,
  },
  {
    title: "Div by a zero constant",
    build: (g) => {
      g.node("Div", [g.input("x", [1, 4]), g.init("zero", [], Float32Array.from([0]))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Div",
    message: /ONNX Div \(node Div_0\): division by zero/,
  },
  {
    title: "Div by an activation",
    build: (g) => {
      g.node("Div", [g.input("x", [1, 4]), g.input("d", [1, 4])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], d: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Div",
    message: /division by a tensor/,
  },
  {
    title: "Add of shapes that do not broadcast",
    build: (g) => {
      g.node("Add", [g.input("x", [1, 3]), g.input("b", [1, 4])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 3], b: [1, 4], y: [1, 4] },
    error: OnnxUnsupportedError,
    what: "Add",
    message: /\[1,3\] does not broadcast to \[1,4\]/,
  },
  {
    title: "Mul whose requantization factor is out of range",
    build: (g) => {
      g.node("Mul", [g.input("x", [1, 4]), g.input("b", [1, 4])], {}, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], b: [1, 4], y: [1, 4] },
    maxAbs: { x: 1e20, b: 1e20, y: 1e-20 },
    error: OnnxUnsupportedError,
    what: "scale",
    message: /Mul_0: requantization factor out of range/,
    details: /M = /,
  },
  {
    title: "Concat on an axis past the rank",
    build: (g) => {
      const x = g.input("x", [1, 4]);
      g.node("Concat", [x, x], { axis: 2 }, "y");
      g.output("y", []);
    },
    dims: { x: [1, 4], y: [1, 8] },
    error: OnnxUnsupportedError,
    what: "Concat",
    message: /axis 2 out of range for rank 2/,
  },
  {
    title: "Slice with bounds that are not constants",
    build: (g) => {
      const x = g.input("x", [2, 6]);
      g.node("Slice", [x, g.input("s", [1], DataType.INT64), g.init("e", [1], i64([2]))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [2, 6], s: [1], y: [2, 6] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /input 1 must be a constant/,
  },
  {
    title: "Slice with a negative step over more than 256 elements",
    build: (g) => {
      const c = (name: string, v: number) => g.init(name, [1], i64([v]));
      g.node("Slice", [g.input("x", [2, 300]), c("s", -1), c("e", -1000), c("a", 1), c("st", -1)], {}, "y");
      g.output("y", []);
    },
    dims: { x: [2, 300], y: [2, 300] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /a negative step over 300 elements of axis 1 \(at most 256\)/,
  },
  {
    title: "Slice with steps on five axes (more than 4 strided axes)",
    build: (g) => {
      const c = (name: string, v: number) => g.init(name, [5], i64(new Array<number>(5).fill(v)));
      const ins = [
        g.input("x", [3, 3, 3, 3, 3]),
        c("s", 0),
        c("e", 3),
        g.init("a", [5], i64([0, 1, 2, 3, 4])),
        c("st", 2),
      ];
      g.node("Slice", ins, {}, "y");
      g.output("y", []);
    },
    dims: { x: [3, 3, 3, 3, 3], y: [2, 2, 2, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /more than 4 strided axes/,
  },
  {
    title: "Split with sizes that do not add up to the axis",
    build: (g) => {
      g.node("Split", [g.input("x", [2, 6]), g.init("sp", [2], i64([2, 3]))], { axis: 1 }, "y");
      g.output("y", []);
    },
    edit: (m) => void (m.graph.nodes[0]!.outputs = ["y", "z"]),
    dims: { x: [2, 6], y: [2, 2], z: [2, 3] },
    error: OnnxUnsupportedError,
    what: "Split",
    message: /split sizes \[2,3\] do not add up to axis 1's 6/,
  },
  {
    title: "Split with sizes that are not a constant",
    build: (g) => {
      g.node("Split", [g.input("x", [2, 6]), g.input("sp", [2], DataType.INT64)], { axis: 1 }, "y");
      g.output("y", []);
    },
    edit: (m) => void (m.graph.nodes[0]!.outputs = ["y", "z"]),
    dims: { x: [2, 6], sp: [2], y: [2, 3], z: [2, 3] },
    error: OnnxUnsupportedError,
    what: "Split",
    message: /input split must be a constant/,
  },
  {
    title: "Split with an empty part",
    build: (g) => {
      g.node("Split", [g.input("x", [2, 6]), g.init("sp", [2], i64([0, 6]))], { axis: 1 }, "y");
      g.output("y", []);
    },
    edit: (m) => void (m.graph.nodes[0]!.outputs = ["y", "z"]),
    dims: { x: [2, 6], y: [2, 0], z: [2, 6] },
    error: OnnxUnsupportedError,
    what: "Split",
    message: /an empty output/,
  },
  {
    title: "a Cast of an activation to an integer type",
    build: unary("Cast", { to: DataType.INT64 }, [2, 3]),
    dims: { x: [2, 3], y: [2, 3] },
    error: OnnxUnsupportedError,
    what: "Cast",
    message: /attribute to = 7: a cast of an activation to a non-float type/,
  },
  {
    title: "a MatMul by a batched constant whose batch dims do not broadcast with the input's",
    build: (g) => {
      g.node("MatMul", [g.input("x", [3, 2, 4]), g.init("w", [2, 4, 5], f32(40))], {}, "y");
      g.output("y", []);
    },
    dims: { x: [3, 2, 4], y: [3, 2, 5] },
    error: OnnxUnsupportedError,
    what: "MatMul",
    message: /batch dims \[3\] and \[2\] do not broadcast/,
  },
  {
    title: "an empty Slice",
    build: slice([4], [2], [1]),
    dims: { x: [2, 6], y: [2, 0] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /empty slice/,
  },
  {
    title: "Slice on an axis past the rank",
    build: slice([0], [1], [-3]),
    dims: { x: [2, 6], y: [2, 6] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /axis -3 out of range for rank 2/,
  },
  {
    title: "a Transpose that leaves 5 axes",
    build: unary("Transpose", { perm: [4, 3, 2, 1, 0] }, [2, 2, 2, 2, 2]),
    dims: { x: [2, 2, 2, 2, 2], y: [2, 2, 2, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Transpose",
    message: /perm \[4,3,2,1,0\] of \[2,2,2,2,2\] leaves more than 4 axes to permute/,
  },
  {
    title: "an attention mask that is not causal",
    build: attention([2, 4, 8], [2, 4, 8], causal(4, -1)),
    dims: { ...attentionDims([2, 4, 8], [2, 4, 8]), y: [2, 4, 8] },
    error: OnnxUnsupportedError,
    what: "Add",
    message: /ONNX Add \(node Add_3\): attention mask is not causal/,
    details: /≤ −1e4 above/,
  },
  {
    title: "attention whose V has another shape than Q and K",
    build: attention([2, 4, 8], [2, 4, 6], causal(4)),
    dims: { ...attentionDims([2, 4, 8], [2, 4, 6]), y: [2, 4, 6] },
    error: OnnxUnsupportedError,
    what: "MatMul",
    message: /attention: Q \[2,4,8\], K \[2,4,8\] and V \[2,4,6\] must have one shape/,
  },
  {
    title: "rotary tables whose halves differ",
    build: skewedRotary,
    dims: { x: [1, 4, 4], x1: [1, 4, 2], x2: [1, 4, 2], nx2: [1, 4, 2], rot: [1, 4, 4], mc: [1, 4, 4], ms: [1, 4, 4] },
    error: OnnxUnsupportedError,
    what: "RotaryEmbedding",
    message: /rotary embedding at ONNX Add \(node Add_6\): the cos\/sin tables differ between the two halves/,
    details: /^position 1, pair 0: /,
  },
  {
    title: "a Conv without its weights (a malformed node)",
    build: (g) => {
      g.node("Conv", [g.input("x", [1, 1, 4, 4])], { kernel_shape: [3, 3] }, "y");
      g.output("y", []);
    },
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 2] },
    error: OnnxFormatError,
    message: /ONNX Conv \(node Conv_0\): input 1 is missing \(the node has 1\)/,
  },
  {
    title: "a Conv whose bias is not one value per output channel",
    build: (g) => {
      const ins = [g.input("x", [1, 1, 4, 4]), g.init("w", [1, 1, 3, 3], f32(9)), g.init("b", [2], f32(2))];
      g.node("Conv", ins, { kernel_shape: [3, 3] }, "y");
      g.output("y", []);
    },
    dims: { x: [1, 1, 4, 4], y: [1, 1, 2, 2] },
    error: OnnxUnsupportedError,
    what: "Conv",
    message: /the bias has 2 values for 1 output channels/,
  },
  {
    title: "a Transpose whose perm is not a permutation",
    build: unary("Transpose", { perm: [0, 0] }, [2, 3]),
    dims: { x: [2, 3], y: [2, 2] },
    error: OnnxUnsupportedError,
    what: "Transpose",
    message: /perm \[0,0\] is not a permutation of 2 axes/,
  },
  {
    title: "a Slice with starts and ends as attributes (before opset 10)",
    build: unary("Slice", { starts: [0], ends: [1] }, [2, 6]),
    dims: { x: [2, 6], y: [1, 6] },
    error: OnnxUnsupportedError,
    what: "Slice",
    message: /starts and ends must be inputs/,
  },
];

for (const r of REFUSALS)
  test(`refused: ${r.title}`, () => {
    const g = new GraphBuilder("refused");
    r.build(g);
    const m = g.build(17);
    r.edit?.(m);
    const calibration = {
      dims: new Map(Object.entries(r.dims)),
      maxAbs: new Map(Object.keys(r.dims).map((k) => [k, r.maxAbs?.[k] ?? 1])),
    };
    assert.throws(
      () => lowerModel(m, calibration, r.opts),
      (e: unknown) => {
        assert.ok(e instanceof r.error, `${String(e)} is not a ${r.error.name}`);
        if (r.what !== undefined) assert.equal((e as OnnxUnsupportedError).what, r.what);
        assert.match(e.shortMessage, r.message);
        if (r.details) assert.match(e.details ?? "", r.details);
        return true;
      },
    );
  });
