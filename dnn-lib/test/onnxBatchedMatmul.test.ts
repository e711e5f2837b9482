/**
 * MatMul by a constant B with batch dims (one `matmul` per batch joined by `concat`s) against
 * onnxruntime: equal batches, A broadcast over B's batches, B broadcast over A's, 4-D, a batch of
 * one, and a following bias Add; within 2 output LSB, the SIMD build equal to the reference.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../common/rng.ts";
import { GraphBuilder } from "../src/onnx/builder.ts";
import { compareWithOrt, normalFeeds } from "./onnxCompare.ts";

const CASES: { a: number[]; b: number[]; bias?: boolean; matmuls: number }[] = [
  { a: [2, 3, 4], b: [2, 4, 5], matmuls: 2 },
  { a: [3, 4], b: [3, 4, 5], matmuls: 3 },
  { a: [3, 2, 4], b: [1, 4, 5], matmuls: 1 },
  { a: [1, 2, 3, 4], b: [2, 1, 4, 6], matmuls: 4 },
  { a: [2, 2, 3, 4], b: [2, 1, 4, 6], bias: true, matmuls: 4 },
];

for (const c of CASES)
  test(`MatMul [${c.a}] × constant [${c.b}]${c.bias ? " + bias" : ""}: ${c.matmuls} matmuls, within 2 LSB of onnxruntime`, async () => {
    const r = new Rng(c.a.length * 7 + c.b[0]!);
    const g = new GraphBuilder("bmm");
    const x = g.input("x", c.a);
    const w = g.init(
      "w",
      c.b,
      Float32Array.from(
        r.normals(
          c.b.reduce((p, q) => p * q, 1),
          0.5,
        ),
      ),
    );
    const N = c.b[c.b.length - 1]!;
    if (c.bias)
      g.node("Add", [g.node("MatMul", [x, w]), g.init("bias", [N], Float32Array.from(r.normals(N)))], {}, "y");
    else g.node("MatMul", [x, w], {}, "y");
    g.output("y", []);
    const feeds = normalFeeds(5, 8, "x", c.a);
    const { graph, maxLsb } = await compareWithOrt(g.build(17), feeds, feeds);
    const ops = graph.nodes.map((n) => n.opName);
    assert.equal(ops.filter((o) => o === "matmul").length, c.matmuls, `${ops}`);
    assert.ok(!ops.includes("add"), `the bias Add is fused: ${ops}`);
    assert.ok(maxLsb <= 2, `max error ${maxLsb} LSB`);
  });
