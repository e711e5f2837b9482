/**
 * The importer's general Transpose (any permutation up to rank 4 → one `strided` node)
 * and numpy broadcasting in Add/Mul/Div (activations by a `strided` view, constants
 * expanded at import time, scalar constants of any sign), each against onnxruntime float.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { Rng } from "../../common/rng.ts";
import { OnnxUnsupportedError } from "../src/onnx/errors.ts";
import { compareWithOrt, normalFeeds } from "./onnxCompare.ts";

test("Transpose perm (3,1,0,2) of a [2][3][4][5] tensor is one strided node, within 0.5 LSB of onnxruntime (bytes only move)", async () => {
  const g = new GraphBuilder("perm4");
  const x = g.input("x", [2, 3, 4, 5]);
  g.node("Transpose", [g.node("Relu", [x])], { perm: [3, 1, 0, 2] }, "y");
  g.output("y", [5, 3, 2, 4]);
  const feeds = normalFeeds(1, 20, "x", [2, 3, 4, 5]);
  const { graph, maxLsb } = await compareWithOrt(g.build(17), feeds, feeds);
  assert.deepEqual(
    graph.nodes.map((n) => n.opName),
    ["relu", "strided"],
  );
  console.log(`perm4: max error ${maxLsb} LSB`);
  assert.ok(maxLsb <= 0.5 + 1e-6, `max error ${maxLsb} LSB`);
});

test("Transposes (1,0,2) (strided) and (2,0,1) (a rotation: 2-D transpose) of [2][3][8] between a MatMul and a Gemm: within 2 LSB of onnxruntime", async () => {
  const r = new Rng(5);
  const g = new GraphBuilder("perm3");
  const x = g.input("x", [2, 3, 8]);
  const w = g.init("w", [8, 8], Float32Array.from(r.normals(64, 0.4)));
  const w2 = g.init("w2", [6, 48], Float32Array.from(r.normals(288, 0.2)));
  const shape = g.init("shape", [2], BigInt64Array.from([1n, 48n]));
  const a = g.node("Transpose", [g.node("MatMul", [x, w])], { perm: [1, 0, 2] }); // [3][2][8]
  const b = g.node("Transpose", [a], { perm: [2, 0, 1] }); // [8][3][2]
  g.node("Gemm", [g.node("Reshape", [b, shape]), w2], { transB: 1 }, "y");
  g.output("y", [1, 6]);
  const feeds = normalFeeds(2, 30, "x", [2, 3, 8]);
  const { graph, maxLsb } = await compareWithOrt(g.build(17), feeds, feeds);
  assert.deepEqual(
    graph.nodes.map((n) => n.opName),
    ["matmul", "strided", "transpose", "matmul"],
  );
  console.log(`perm3: max error ${maxLsb} LSB`);
  assert.ok(maxLsb <= 2, `max error ${maxLsb} LSB`);
});

test("broadcasting Add/Mul/Div: a [1][1][8] row and a Sigmoid of it over [1][4][8], a [4][1] constant, scalars 0.5, −2 and ÷−4: within 3 LSB", async () => {
  const r = new Rng(6);
  const g = new GraphBuilder("broadcast");
  const x = g.input("x", [1, 4, 8]);
  const w = g.init("w", [8, 8], Float32Array.from(r.normals(64, 0.4)));
  const i64 = (name: string, v: number[]) => g.init(name, [v.length], BigInt64Array.from(v.map(BigInt)));
  const c = (name: string, dims: number[], v: number[]) => g.init(name, dims, Float32Array.from(v));
  const a = g.node("MatMul", [x, w]);
  const row = g.node("Slice", [a, i64("s", [0]), i64("e", [1]), i64("ax", [1])]); // [1][1][8]
  const b = g.node("Add", [a, row]);
  const col = g.node("Mul", [b, c("col", [4, 1], [0.5, -1, 1.5, 2])]);
  const d = g.node("Add", [col, c("half", [], [0.5])]);
  const e = g.node("Mul", [d, c("m2", [], [-2])]);
  const f = g.node("Div", [e, c("m4", [], [-4])]);
  g.node("Mul", [f, g.node("Sigmoid", [row])], {}, "y");
  g.output("y", [1, 4, 8]);
  const feeds = normalFeeds(3, 40, "x", [1, 4, 8]);
  const { graph, maxLsb, minCosine } = await compareWithOrt(g.build(17), feeds, feeds);
  const ops = graph.nodes.map((n) => n.opName);
  assert.deepEqual(ops, ["matmul", "slice", "strided", "add", "mul", "add", "mul", "mul", "lut", "strided", "mul"]);
  console.log(`broadcast: max error ${maxLsb} LSB, min cosine ${minCosine}`);
  assert.ok(maxLsb <= 3, `max error ${maxLsb} LSB`);
  assert.ok(minCosine >= 0.995, `min cosine ${minCosine}`);
});

test("a Transpose that leaves 5 axes (reverse of [2][2][2][2][2]) and a broadcast that leaves 5 are refused naming the op", async () => {
  const t = new GraphBuilder("perm5");
  const x = t.input("x", [2, 2, 2, 2, 2]);
  t.node("Transpose", [x], { perm: [4, 3, 2, 1, 0] }, "y");
  t.output("y", [2, 2, 2, 2, 2]);
  await assert.rejects(
    quantizeModel(t.build(17), normalFeeds(1, 1, "x", [2, 2, 2, 2, 2])),
    (e: unknown) =>
      e instanceof OnnxUnsupportedError &&
      e.what === "Transpose" &&
      /perm \[4,3,2,1,0\].*more than 4 axes/.test(e.message),
  );
  const b = new GraphBuilder("bcast5");
  const p = b.input("p", [2, 1, 2, 1, 2]);
  const q = b.input("q", [1, 2, 1, 2, 1]);
  b.node("Add", [p, q], {}, "y");
  b.output("y", [2, 2, 2, 2, 2]);
  const feeds = [{ ...normalFeeds(1, 1, "p", [2, 1, 2, 1, 2])[0], ...normalFeeds(2, 1, "q", [1, 2, 1, 2, 1])[0] }];
  await assert.rejects(
    quantizeModel(b.build(17), feeds),
    (e: unknown) => e instanceof OnnxUnsupportedError && e.what === "Add" && /more than 4 axes/.test(e.message),
  );
});
