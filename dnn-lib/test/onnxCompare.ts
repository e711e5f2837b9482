/** Test support: quantize an ONNX model built with GraphBuilder and compare it with onnxruntime float. */
import assert from "node:assert/strict";
import type { OnnxModel } from "../src/onnx/model.ts";
import { writeOnnx } from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import { quantizeModel, type QuantGraph } from "../src/onnx/quantize.ts";
import { cosine, quantizeFeeds, runQuantFloat, runQuantGraph, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import { Rng } from "../../common/rng.ts";

/** n feeds of a single float input `name` of dims `dims`, standard normal. */
export function normalFeeds(seed: number, n: number, name: string, dims: number[]): Feeds[] {
  const r = new Rng(seed);
  const size = dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => ({ [name]: { dims, data: Float32Array.from(r.normals(size)) } }));
}

export interface Comparison {
  graph: QuantGraph;
  /** Largest |onnxruntime − dequantized| over every output element, in output LSB. */
  maxLsb: number;
  minCosine: number;
}

/**
 * Quantizes `model` on `calib`, then for every feed of `evalFeeds` runs onnxruntime and the quantized
 * graph (reference), and checks that the SIMD kernel build gives the reference's bytes at every node.
 */
export async function compareWithOrt(
  model: OnnxModel,
  calib: Feeds[],
  evalFeeds: Feeds[],
  output = "y",
): Promise<Comparison> {
  const graph = await quantizeModel(model, calib);
  const ort = await OrtModel.load(writeOnnx(model));
  const o = graph.outputs.find((x) => x.name === output)!;
  let maxLsb = 0;
  let minCosine = 1;
  try {
    for (const f of evalFeeds) {
      const want = (await ort.run(f))[output]!.data as Float32Array;
      const got = runQuantFloat(graph, f)[output]!.data as Float32Array;
      want.forEach((v, i) => (maxLsb = Math.max(maxLsb, Math.abs(v - got[i]!) / o.scale)));
      minCosine = Math.min(minCosine, cosine(want, got));
    }
    const inputs = quantizeFeeds(graph, evalFeeds[0]!);
    const ref = runQuantGraph(graph, inputs);
    const simd = await runQuantGraphKernels(graph, inputs, "simd");
    for (const n of graph.nodes)
      assert.deepEqual(simd.get(n.output), ref.get(n.output), `SIMD ≠ reference at ${n.source}`);
  } finally {
    await ort.release();
  }
  return { graph, maxLsb, minCosine };
}

/**
 * For graphs that only move bytes (Slice, Split): quantizes `m` on `feeds`, checks that every output
 * element is onnxruntime's rounded to the int8 scale (within half a step) and that the SIMD build
 * gives the reference's bytes; returns the op names of the quantized graph.
 */
export async function movesBytesExactly(m: OnnxModel, feeds: Feeds[], label: string): Promise<string[]> {
  const q = await quantizeModel(m, feeds);
  const ort = await OrtModel.load(writeOnnx(m));
  try {
    for (const f of feeds) {
      const want = await ort.run(f);
      const got = runQuantFloat(q, f);
      for (const o of q.outputs) {
        const w = want[o.name]!;
        assert.deepEqual(o.dims, [...w.dims], `${label}: ${o.name} dims`);
        const g = got[o.name]!.data as Float32Array;
        Array.from(w.data as ArrayLike<number | bigint>, Number).forEach((v, i) => {
          const err = Math.abs(v - g[i]!);
          assert.ok(err <= o.scale / 2 + 1e-6, `${label}: ${o.name}[${i}] ${g[i]} vs ${v}`);
        });
      }
    }
    const inputs = quantizeFeeds(q, feeds[0]!);
    const ref = runQuantGraph(q, inputs);
    const simd = await runQuantGraphKernels(q, inputs, "simd");
    for (const n of q.nodes) assert.deepEqual(simd.get(n.output), ref.get(n.output), `${label}: SIMD ≠ reference`);
    return q.nodes.map((n) => n.opName);
  } finally {
    await ort.release();
  }
}
