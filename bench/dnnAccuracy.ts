/**
 * Accuracy of the project's three models (dnn-lib/models/*.onnx) imported and
 * quantized by dnn-lib/src/onnx, run node by node, against onnxruntime-node
 * float (CPU, one thread) on the same file: per model top-1 agreement and
 * mean logit cosine (dnn.<model>.top1_agreement, dnn.<model>.logit_cosine),
 * the throughput ratio of dnn-lib's native runner to onnxruntime
 * (dnn.native_vs_onnxruntime), timings and the decoder's generation agreement.
 */
import { readFileSync } from "node:fs";
import { measureAccuracy } from "../dnn-lib/src/onnx/accuracy.ts";
import { OrtModel } from "../dnn-lib/src/onnx/ort.ts";
import { generateFloat, generateQuant } from "../dnn-lib/src/onnx/generate.ts";
import { quantizeFeeds, runQuantGraphKernels } from "../dnn-lib/src/onnx/runQuant.ts";
import { KernelInstance } from "../dnn-lib/src/KernelInstance.ts";
import { Rng } from "../dnn-lib/src/onnx/rng.ts";
import { CALIBRATION_SEED, EVAL_SEED, MODELS, modelPath } from "../dnn-lib/models/index.ts";
import { GPT } from "../dnn-lib/models/gpt.ts";
import { fmt, timeIt, type BenchReport } from "./harness.ts";
import { toModel } from "../dnn-lib/src/onnx/toModel.ts";
import { compileModel } from "../dnn-lib/src/model/compileModel.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";

const SIZES: Record<string, { calib: number; evaluate: number }> = {
  mlp: { calib: 64, evaluate: 1000 },
  cnn: { calib: 64, evaluate: 1000 },
  gpt: { calib: 32, evaluate: 200 },
};

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const notes: string[] = [];
  const ratios: number[] = [];
  for (const [name, size] of Object.entries(SIZES)) {
    const spec = MODELS[name];
    const onnx = new Uint8Array(readFileSync(modelPath(name)));
    const r = await measureAccuracy(
      onnx,
      spec.feeds(CALIBRATION_SEED, size.calib),
      spec.feeds(EVAL_SEED, size.evaluate),
      spec.logits,
    );
    metrics[`dnn.${name}.top1_agreement`] = r.top1Agreement;
    metrics[`dnn.${name}.logit_cosine`] = r.meanCosine;
    rows.push([
      `${name}: rows compared / min logit cosine`,
      `${r.rows} / ${fmt(r.minCosine)}`,
      `calibration ${size.calib} inputs, evaluation ${size.evaluate}`,
    ]);
    rows.push([`${name}: quantized nodes`, String(r.graph.nodes.length), r.graph.nodes.map((n) => n.opName).join(" ")]);
    // Per-inference time: onnxruntime float (1 thread) vs the SIMD kernels node by node (node image rebuilt per node).
    const ort = await OrtModel.load(onnx);
    const feed = spec.feeds(EVAL_SEED, 1)[0];
    const ortS = await (async () => {
      let best = Infinity;
      for (let i = 0; i < 1000; i++) {
        const t = performance.now();
        await ort.run(feed);
        best = Math.min(best, performance.now() - t);
      }
      return best / 1000;
    })();
    const k = await KernelInstance.create("simd");
    const inputs = quantizeFeeds(r.graph, feed);
    await runQuantGraphKernels(r.graph, inputs, "simd", k);
    let best = Infinity;
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await runQuantGraphKernels(r.graph, inputs, "simd", k);
      best = Math.min(best, performance.now() - t);
    }
    const simdS = best / 1000;
    // dnn-lib's native runner: the quantized graph as a compiled Model, weights resident in one SIMD instance.
    const native = await NativeRunner.create(await compileModel(toModel(r.graph)), "simd");
    const nativeInput = inputs.get(r.graph.inputs[0].id)!;
    const nativeS = timeIt(() => native.infer(nativeInput), 500, 50);
    ratios.push(ortS / nativeS);
    metrics[`dnn.${name}.native_vs_onnxruntime`] = ortS / nativeS;
    rows.push([
      `${name}: native runner (SIMD, resident weights)`,
      `${fmt(nativeS * 1e3)} ms`,
      "best of ≥ 50 runs, one input, one thread",
    ]);
    rows.push([`${name}: onnxruntime float, 1 thread`, `${fmt(ortS * 1e3)} ms`, "best of 1000 runs, one input"]);
    rows.push([
      `${name}: SIMD kernels node by node`,
      `${fmt(simdS * 1e3)} ms`,
      "best of 50; each node's input image rebuilt (weights copied), not the resident-weights runner",
    ]);
    rows.push([`${name}: TS reference`, `${fmt(r.referenceSeconds * 1e3)} ms`, "mean over the evaluation set"]);
    if (name === "gpt") {
      const g = r.graph;
      const rng = new Rng(5);
      let same = 0;
      let total = 0;
      let sampledSame = 0;
      for (let p = 0; p < 16; p++) {
        const prompt = [rng.int(GPT.V), rng.int(GPT.V), rng.int(GPT.V), rng.int(GPT.V)];
        const q = generateQuant(g, prompt, 12, { kind: "greedy" });
        const f = await generateFloat(ort, GPT.T, prompt, 12, { kind: "greedy" });
        q.forEach((t, i) => {
          total++;
          if (t === f[i]) same++;
        });
        const dec = { kind: "sample" as const, seed: 100 + p, temperature: 1 };
        const qs = generateQuant(g, prompt, 12, dec);
        const fs = await generateFloat(ort, GPT.T, prompt, 12, dec);
        qs.forEach((t, i) => t === fs[i] && sampledSame++);
      }
      metrics["dnn.gpt.greedy_token_match"] = same / total;
      rows.push([
        "gpt: greedy tokens equal to onnxruntime's",
        `${same}/${total}`,
        "16 prompts of 4 tokens, 12 steps each",
      ]);
      rows.push([
        "gpt: seeded-sampling tokens equal to onnxruntime's",
        `${sampledSame}/${total}`,
        "same seeds, temperature 1 (integer sampler vs float sampler)",
      ]);
    }
    await ort.release();
  }
  metrics["dnn.native_vs_onnxruntime"] = Math.exp(ratios.reduce((a, b) => a + Math.log(b), 0) / ratios.length);
  notes.push(
    "Models, generators and the importer: dnn-lib/models/, dnn-lib/src/onnx/; bounds in docs/fixed-point.md (ONNX import).",
    "`dnn.native_vs_onnxruntime` is the geometric mean over the three models of (onnxruntime float time per inference, one intra-op thread, called from Node) / (dnn-lib NativeRunner time per inference on the quantized model); `dnn.<model>.native_vs_onnxruntime` are the per-model ratios. Both sides run batch 1, so onnxruntime's per-call overhead (about 20 µs through the Node binding) dominates the MLP.",
  );
  return { title: "dnn-lib models: quantized vs onnxruntime float", metrics, rows, notes };
}
