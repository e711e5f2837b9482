/**
 * The importer's operators that the three project models do not use (Sigmoid,
 * Tanh, Mul of two activations, Div by a scalar, Concat with a tied-scale
 * input, Reshape, a standalone Softmax), in one small seeded graph compared
 * with onnxruntime float.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { writeOnnx } from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { cosine, runQuantFloat } from "../src/onnx/runQuant.ts";
import { Rng } from "../../common/rng.ts";

function model() {
  const r = new Rng(3);
  const g = new GraphBuilder("ops");
  const x = g.input("x", [1, 16]);
  const w1 = g.init("w1", [16, 16], Float32Array.from(r.normals(256, 0.4)));
  const b1 = g.init("b1", [16], Float32Array.from(r.normals(16, 0.1)));
  const w2 = g.init("w2", [8, 32], Float32Array.from(r.normals(256, 0.5)));
  const eight = g.init("eight", [], Float32Array.from([8]));
  const shape = g.init("shape", [2], BigInt64Array.from([1n, 32n]));
  const a = g.node("Gemm", [x, w1, b1], { transB: 1 });
  const m = g.node("Mul", [g.node("Sigmoid", [a]), g.node("Tanh", [a])]);
  const d = g.node("Div", [g.node("Relu", [a]), eight]);
  const c = g.node("Reshape", [g.node("Concat", [m, d], { axis: -1 }), shape]);
  g.node("Softmax", [g.node("Gemm", [c, w2], { transB: 1 })], { axis: -1 }, "y");
  g.output("y", [1, 8]);
  return g.build(17);
}

function feeds(seed: number, n: number): Feeds[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => ({ x: { dims: [1, 16], data: Float32Array.from(r.normals(16)) } }));
}

test("Sigmoid, Tanh, Mul, Div by a scalar, Concat of a tied scale, Reshape, Softmax: quantized within 0.03 of onnxruntime", async () => {
  const m = model();
  const g = await quantizeModel(m, feeds(1, 64));
  assert.deepEqual(
    g.nodes.map((n) => n.opName),
    ["matmul", "lut", "lut", "mul", "relu", "add", "concat", "matmul", "softmax"],
  );
  const ort = await OrtModel.load(writeOnnx(m));
  let worst = 0;
  let minCos = 1;
  for (const f of feeds(2, 50)) {
    const want = (await ort.run(f)).y!.data as Float32Array;
    const got = runQuantFloat(g, f).y!.data as Float32Array;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]!))));
    minCos = Math.min(minCos, cosine(want, got));
  }
  await ort.release();
  console.log(`ops graph: max |Δp| ${worst}, min cosine ${minCos}`);
  assert.ok(worst <= 0.03, `max probability error ${worst}`);
  assert.ok(minCos >= 0.99, `min cosine ${minCos}`);
});

test("Transpose (perm 0,2,1), Slice on a middle axis, Concat on a middle axis, Flatten: quantized within 2 LSB of onnxruntime", async () => {
  const r = new Rng(4);
  const g = new GraphBuilder("layout");
  const x = g.input("x", [1, 4, 6]);
  const w = g.init("w", [6, 8], Float32Array.from(r.normals(48, 0.5)));
  const wf = g.init("wf", [5, 32], Float32Array.from(r.normals(160, 0.3)));
  const i64 = (name: string, v: number[]) => g.init(name, [v.length], BigInt64Array.from(v.map(BigInt)));
  const t = g.node("Transpose", [g.node("MatMul", [x, w])], { perm: [0, 2, 1] }); // [1, 8, 4]
  const a = g.node("Slice", [t, i64("s0", [2]), i64("e0", [6]), i64("ax", [1])]); // [1, 4, 4]
  const b = g.node("Slice", [t, i64("s1", [-4]), i64("e1", [2 ** 40]), i64("ax1", [1])]); // rows 4..7
  const c = g.node("Concat", [a, b], { axis: 1 }); // [1, 8, 4]
  g.node("Gemm", [g.node("Flatten", [c], { axis: 1 }), wf], { transB: 1 }, "y");
  g.output("y", [1, 5]);
  const m = g.build(17);
  // Calibrated on the evaluation inputs themselves: nothing saturates, so a wrong layout is all that could
  // move the output by more than the rounding of three requantizations.
  const evalFeeds = feedsOf(11, 30);
  const q = await quantizeModel(m, evalFeeds);
  const ops = q.nodes.map((n) => n.opName);
  for (const op of ["transpose", "slice", "concat"] as const) assert.ok(ops.includes(op), `${op} missing from ${ops}`);
  const ort = await OrtModel.load(writeOnnx(m));
  const lsb = q.outputs[0]!.scale;
  let worst = 0;
  for (const f of evalFeeds) {
    const want = (await ort.run(f)).y!.data as Float32Array;
    const got = runQuantFloat(q, f).y!.data as Float32Array;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]!) / lsb)));
  }
  await ort.release();
  console.log(`layout graph: max error ${worst} output LSB`);
  assert.ok(worst <= 2, `max error ${worst} LSB`);
});

function feedsOf(seed: number, n: number): Feeds[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => ({ x: { dims: [1, 4, 6], data: Float32Array.from(r.normals(24)) } }));
}

test("GELU written out with Erf, in both Mul orders, becomes one lut each and matches onnxruntime within 2 LSB", async () => {
  const r = new Rng(6);
  const g = new GraphBuilder("erf-gelu");
  const x = g.input("x", [1, 16]);
  const w = g.init("w", [16, 16], Float32Array.from(r.normals(256, 0.5)));
  const c = (name: string, v: number) => g.init(name, [], Float32Array.from([v]));
  const [sqrt2, one, half] = [c("sqrt2", Math.SQRT2), c("one", 1), c("half", 0.5)];
  const a = g.node("Gemm", [x, w], { transB: 1 });
  const erf1 = g.node("Add", [g.node("Erf", [g.node("Div", [a, sqrt2])]), one]);
  const gelu1 = g.node("Mul", [g.node("Mul", [a, erf1]), half]); // (x · (1 + erf)) · 0.5
  const erf2 = g.node("Add", [g.node("Erf", [g.node("Div", [a, sqrt2])]), one]);
  const gelu2 = g.node("Mul", [g.node("Mul", [a, half]), erf2]); // (x · 0.5) · (1 + erf)
  g.node("Add", [gelu1, gelu2], {}, "y");
  g.output("y", [1, 16]);
  const m = g.build(17);
  const feeds = Array.from({ length: 40 }, () => ({ x: { dims: [1, 16], data: Float32Array.from(r.normals(16)) } }));
  const q = await quantizeModel(m, feeds);
  assert.deepEqual(
    q.nodes.map((n) => n.opName),
    ["matmul", "lut", "lut", "add"],
  );
  const ort = await OrtModel.load(writeOnnx(m));
  const lsb = q.outputs[0]!.scale;
  let worst = 0;
  for (const f of feeds) {
    const want = (await ort.run(f)).y!.data as Float32Array;
    const got = runQuantFloat(q, f).y!.data as Float32Array;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]!) / lsb)));
  }
  await ort.release();
  console.log(`erf-gelu graph: max error ${worst} output LSB`);
  assert.ok(worst <= 2, `max error ${worst} LSB`);
});
