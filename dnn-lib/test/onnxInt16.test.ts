/**
 * The importer's int16 residual stream (`int16Residual`): the decoder's residual
 * Adds become add16 over int16 tensors, and the graph still meets the decoder's
 * accuracy bounds, runs bit-exactly on the SIMD kernels, and converts to a Model
 * that the native runner runs to the same bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readOnnx } from "../src/onnx/model.ts";
import { measureAccuracy } from "../src/onnx/accuracy.ts";
import { CALIBRATION_SEED, EVAL_SEED, modelPath, modelSpec } from "../models/index.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { quantizeFeeds, runQuantGraph, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import { toModel } from "../src/onnx/toModel.ts";
import { validateModel } from "../src/model/validateModel.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";

test("gpt with an int16 residual stream: 4 add16 (int16 tensors of 2 bytes per element), top-1 ≥ 0.9 and cosine ≥ 0.995 against onnxruntime, SIMD = reference, and the native runner gives the same bytes", async () => {
  const spec = modelSpec("gpt");
  const onnx = new Uint8Array(readFileSync(modelPath("gpt")));
  const g = await quantizeModel(readOnnx(onnx), spec.feeds(CALIBRATION_SEED, 32), { int16Residual: true });
  const count = (op: string) => g.nodes.filter((n) => n.opName === op).length;
  assert.deepEqual([count("add16"), count("cvt8to16"), count("cvt16to8")], [4, 5, 4]);
  for (const n of g.nodes.filter((n) => n.opName === "add16"))
    assert.equal(g.tensors[n.output]!.dtype, "i16", `${n.source} output`);
  const r = await measureAccuracy(onnx, [], spec.feeds(EVAL_SEED, 64), spec.logits, g);
  console.log(
    `gpt int16 residual: top-1 ${r.top1Agreement}, cosine mean ${r.meanCosine} min ${r.minCosine}, ${r.rows} rows`,
  );
  assert.ok(r.top1Agreement >= 0.9, `top-1 agreement ${r.top1Agreement}`);
  assert.ok(r.meanCosine >= 0.995, `mean logit cosine ${r.meanCosine}`);

  const feed = quantizeFeeds(g, spec.feeds(EVAL_SEED, 1)[0]!);
  const ref = runQuantGraph(g, feed);
  const simd = await runQuantGraphKernels(g, feed, "simd");
  for (const n of g.nodes) assert.deepEqual(simd.get(n.output), ref.get(n.output), `${n.opName} (${n.source})`);
  const model = toModel(g);
  const lengths = validateModel(model);
  const add16 = model.nodes.findIndex((n) => n.op === g.nodes.find((q) => q.opName === "add16")!.op);
  assert.equal(lengths[add16 + 1], 2 * 16 * 32, "an add16 slot holds T·d_model int16 values");
  const native = await NativeRunner.create(compileGraph(model), "simd");
  assert.deepEqual(native.infer(feed.get(g.inputs[0]!.id)!), ref.get(g.outputs[0]!.id));
});
