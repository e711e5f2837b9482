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
