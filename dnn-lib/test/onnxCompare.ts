/** Test support: quantize an ONNX model built with GraphBuilder and compare it with onnxruntime float. */
import assert from "node:assert/strict";
import type { OnnxModel } from "../src/onnx/model.ts";
import { writeOnnx } from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import { quantizeModel, type QuantGraph } from "../src/onnx/quantize.ts";
import { cosine, quantizeFeeds, runQuantFloat, runQuantGraph, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import { Rng } from "../../common/rng.ts";
import { compareSet } from "../conformance/runOnnxSuite.ts";
import { KernelInstance } from "../src/KernelInstance.ts";
import { makeTensor, type OnnxTensor } from "../src/onnx/model.ts";

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

/**
 * The conformance suite's comparison (docs/onnx.md) for a graph built here: `model` quantized on
 * `feeds`, then each feed's outputs within two steps of onnxruntime on the int8-rounded inputs and
 * within the derived tolerance of onnxruntime on the exact inputs (standing for the expected
 * outputs), the SIMD build equal to the reference. Returns the graph and the largest errors in steps.
 */
export async function withinSuiteTolerance(
  model: OnnxModel,
  feeds: Feeds[],
): Promise<{ graph: QuantGraph; ort: number; expected: number }> {
  const graph = await quantizeModel(model, feeds);
  const ort = await OrtModel.load(writeOnnx(model));
  const kernels = await KernelInstance.create("simd");
  const worst = { ort: 0, expected: 0 };
  try {
    for (const f of feeds) {
      const exact = await ort.run(f);
      const expected = new Map<string, OnnxTensor>(
        Object.entries(exact).map(([name, t]) => [name, makeTensor(name, [...t.dims], t.data)]),
      );
      const r = await compareSet(graph, f, expected, kernels, ort);
      if (typeof r === "string") assert.fail(r);
      worst.ort = Math.max(worst.ort, r.ort);
      worst.expected = Math.max(worst.expected, r.expected);
    }
  } finally {
    await ort.release();
  }
  return { graph, ...worst };
}
