/**
 * The project's models end to end: the generator reproduces the committed
 * .onnx bytes, onnxruntime runs the file, the importer quantizes it with a
 * calibration set, the TS reference runs the quantized graph node by node, and
 * the accuracy against onnxruntime float stays within the bounds of
 * docs/fixed-point.md ("ONNX import").
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeOnnx } from "../src/onnx/model.ts";
import { measureAccuracy } from "../src/onnx/accuracy.ts";
import { CALIBRATION_SEED, EVAL_SEED, MODELS, modelPath } from "../models/index.ts";
import { OP_INFO } from "../src/ops.ts";

/** docs/fixed-point.md, "ONNX import": the bounds each model must meet. */
const BOUNDS = {
  mlp: { top1: 0.97, cosine: 0.995, calib: 64, evaluate: 200 },
  cnn: { top1: 0.97, cosine: 0.995, calib: 64, evaluate: 200 },
};

describe("project models through ONNX → quantized reference", () => {
  for (const [name, b] of Object.entries(BOUNDS)) {
    const spec = MODELS[name];
    test(`${name}: the generator reproduces the committed ${name}.onnx byte for byte`, () => {
      assert.deepEqual(writeOnnx(spec.make()), new Uint8Array(readFileSync(modelPath(name))));
    });

    test(`${name}: quantized graph agrees with onnxruntime (top-1 ≥ ${b.top1}, logit cosine ≥ ${b.cosine})`, async () => {
      const onnx = new Uint8Array(readFileSync(modelPath(name)));
      const r = await measureAccuracy(
        onnx,
        spec.feeds(CALIBRATION_SEED, b.calib),
        spec.feeds(EVAL_SEED, b.evaluate),
        spec.logits,
      );
      for (const n of r.graph.nodes) {
        assert.equal(n.inputs.length, OP_INFO[n.op].inputs.length, `${n.source}: operand count`);
        assert.equal(n.params.length, OP_INFO[n.op].params.length, `${n.source}: param count`);
      }
      console.log(`${name}: top-1 ${r.top1Agreement}, cosine mean ${r.meanCosine} min ${r.minCosine}, ${r.rows} rows`);
      assert.ok(r.top1Agreement >= b.top1, `top-1 agreement ${r.top1Agreement} < ${b.top1}`);
      assert.ok(r.meanCosine >= b.cosine, `mean logit cosine ${r.meanCosine} < ${b.cosine}`);
    });
  }
});
