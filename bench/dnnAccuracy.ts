/**
 * Accuracy of the project's three models (dnn-lib/models/*.onnx) imported and
 * quantized by dnn-lib/src/onnx, run node by node, against onnxruntime-node
 * float (CPU, one thread) on the same file: per model top-1 agreement and
 * mean logit cosine (dnn.<model>.top1_agreement, dnn.<model>.logit_cosine),
 * the throughput ratio of dnn-lib's native runner to onnxruntime
 * (dnn.demo.native_vs_onnxruntime; the decoder ladder's is bench/dnnLadder.ts), timings, the
 * decoder's generation agreement, and
 * the VM steps each node of each compiled model takes in vm/Machine
 * (dnn.<model>.steps_per_node_max / _mean, with the compiler's bound).
 */
import { readFileSync } from "node:fs";
import { measureAccuracy } from "../dnn-lib/src/onnx/accuracy.ts";
import { OrtModel } from "../dnn-lib/src/onnx/ort.ts";
import { generateFloat, generateQuant } from "../dnn-lib/src/onnx/generate.ts";
import { quantizeFeeds, runQuantGraphKernels } from "../dnn-lib/src/onnx/runQuant.ts";
import { KernelInstance } from "../dnn-lib/src/KernelInstance.ts";
import { Rng } from "../common/rng.ts";
import { CALIBRATION_SEED, EVAL_SEED, modelPath, modelSpec } from "../dnn-lib/models/index.ts";
import { GPT } from "../dnn-lib/models/gpt.ts";
import { fmt, timeIt, type BenchReport } from "./harness.ts";
import { toModel } from "../dnn-lib/src/onnx/toModel.ts";
import { dequantizeI8 } from "../dnn-lib/src/onnx/quantMath.ts";
import { GraphBuilder } from "../dnn-lib/src/onnx/builder.ts";
import { writeOnnx } from "../dnn-lib/src/onnx/model.ts";
import type { Feeds } from "../dnn-lib/src/onnx/ort.ts";
import { opInfo } from "../dnn-lib/src/ops.ts";
import { compileModel } from "../phase/compileModel.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import type { CompiledModel } from "../phase/compileModel.ts";
import { outputSlotOf } from "../dnn-lib/src/model/Model.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { runInVm, VmNativeMismatchError } from "../phase/runInVm.ts";

const SIZES: Record<string, { calib: number; evaluate: number }> = {
  mlp: { calib: 64, evaluate: 1000 },
  cnn: { calib: 64, evaluate: 1000 },
  gpt: { calib: 32, evaluate: 200 },
};

/**
 * Every node of the compiled model run in the project's VM (vm/Machine, the VM
 * build) on the activations of one native run: the step count of each node's
 * trace. Each VM output must equal the native runner's, bit for bit.
 */
async function vmStepsPerNode(compiled: CompiledModel, activations: readonly Uint8Array[]): Promise<number[]> {
  const { model } = compiled;
  const steps: number[] = [];
  for (const [i, node] of model.nodes.entries()) {
    const inputs = node.inputs.map((s) => (s.kind === SlotKind.weight ? model.weights[s.slot]! : activations[s.slot]!));
    const vm = await runInVm({ ...node, inputs, inputSlots: node.inputs, outputSlot: outputSlotOf(i) });
    const native = activations[outputSlotOf(i)];
    if (vm.status !== "halted" || !vm.output || !native || Buffer.compare(vm.output, native) !== 0)
      throw new VmNativeMismatchError(`${model.name}: node ${i} in the VM does not give the native runner's output`, {
        details: `status ${vm.status} ${vm.trapReason}`,
      });
    steps.push(vm.steps);
  }
  return steps;
}

/** onnxruntime's time per inference: best of 1000 runs after 100 warm-up runs. */
async function ortSeconds(ort: OrtModel, feed: Feeds): Promise<number> {
  for (let i = 0; i < 100; i++) await ort.run(feed);
  let best = Infinity;
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await ort.run(feed);
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
}

/** onnxruntime's per-call floor: a one-node Identity graph on a 1×1×16×16 float input (the CNN's). */
async function ortCallFloorSeconds(): Promise<number> {
  const g = new GraphBuilder("identity");
  g.output(g.node("Identity", [g.input("x", [1, 1, 16, 16])], {}, "y"), [1, 1, 16, 16]);
  const ort = await OrtModel.load(writeOnnx(g.build(17)));
  try {
    return await ortSeconds(ort, { x: { dims: [1, 1, 16, 16], data: new Float32Array(256) } });
  } finally {
    await ort.release();
  }
}

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const notes: string[] = [];
  const ratios: number[] = [];
  for (const [name, size] of Object.entries(SIZES)) {
    const spec = modelSpec(name);
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
    const feed = spec.feeds(EVAL_SEED, 1)[0]!;
    const ortS = await ortSeconds(ort, feed);
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
    const compiled = await compileModel(toModel(r.graph));
    const native = await NativeRunner.create(compiled, "simd");
    const inputId = r.graph.inputs[0]!.id;
    const nativeInput = inputs.get(inputId)!;
    // Same work as onnxruntime: the float feed quantized, the model run, the int8 logits dequantized to floats.
    const outScale = compiled.model.outputScale;
    const nativeS = timeIt(
      () => {
        const y = native.infer(quantizeFeeds(r.graph, feed).get(inputId)!);
        return dequantizeI8(new Int8Array(y.buffer, y.byteOffset, y.length), outScale);
      },
      500,
      50,
    );
    const int8S = timeIt(() => native.infer(nativeInput), 500, 50);
    const steps = await vmStepsPerNode(compiled, native.run(nativeInput).activations);
    const stepsMax = Math.max(...steps);
    const stepsMean = steps.reduce((a, b) => a + b, 0) / steps.length;
    const boundMax = Math.max(...compiled.nodeSteps);
    const worst = compiled.model.nodes[steps.indexOf(stepsMax)]!;
    metrics[`dnn.${name}.nodes`] = steps.length;
    metrics[`dnn.${name}.steps_per_node_max`] = stepsMax;
    metrics[`dnn.${name}.steps_per_node_mean`] = stepsMean;
    metrics[`dnn.${name}.steps_bound_max`] = boundMax;
    rows.push([
      `${name}: VM steps per node (max / mean over ${steps.length} nodes)`,
      `${fmt(stepsMax)} / ${fmt(stepsMean)}`,
      `vm/Machine, VM build; largest: ${opInfo(worst.op).name} [${worst.params.join(", ")}]; compiler bound max ${fmt(boundMax)} (budget 2^32)`,
    ]);
    ratios.push(ortS / nativeS);
    metrics[`dnn.${name}.native_vs_onnxruntime`] = ortS / nativeS;
    rows.push([
      `${name}: native runner (SIMD, resident weights)`,
      `${fmt(nativeS * 1e6)} µs`,
      "best of ≥ 50 runs over ≥ 0.5 s, one input, one thread; float feed quantized in, float logits out",
    ]);
    rows.push([
      `${name}: native runner, int8 in / int8 out`,
      `${fmt(int8S * 1e6)} µs`,
      "the same without the conversions",
    ]);
    rows.push([
      `${name}: onnxruntime float, 1 thread`,
      `${fmt(ortS * 1e6)} µs`,
      "best of 1000 runs after 100 warm-up runs, one input; float input in, float logits out",
    ]);
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
        const prompt = [rng.below(GPT.V), rng.below(GPT.V), rng.below(GPT.V), rng.below(GPT.V)];
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
  metrics["dnn.demo.native_vs_onnxruntime"] = Math.exp(ratios.reduce((a, b) => a + Math.log(b), 0) / ratios.length);
  const floorS = await ortCallFloorSeconds();
  metrics["dnn.onnxruntime_call_floor_us"] = floorS * 1e6;
  rows.push([
    "onnxruntime call floor (Identity graph, 1×1×16×16)",
    `${fmt(floorS * 1e6)} µs`,
    "same session options and timing; part of every onnxruntime time above",
  ]);
  notes.push(
    "Models, generators and the importer: dnn-lib/models/, dnn-lib/src/onnx/; bounds in docs/fixed-point.md (ONNX import).",
    "`dnn.demo.native_vs_onnxruntime` is the geometric mean over the three models of (onnxruntime float time per inference) / (dnn-lib NativeRunner time per inference on the quantized model); `dnn.<model>.native_vs_onnxruntime` are the per-model ratios.",
    "Method: the same ONNX file, the same single input, batch 1, one thread on both sides, both called from Node in the same process. onnxruntime-node runs with intraOpNumThreads 1, interOpNumThreads 1, sequential execution, all graph optimizations (dnn-lib/src/onnx/ort.ts); its time is `session.run` from a Float32Array feed to the float logits, best of 1000 runs after 100 warm-up runs. The native side does the same work: the float feed quantized (`quantizeFeeds`), `NativeRunner.infer` (the SIMD build under V8, weights resident, tiered up by ≥ 0.5 s of runs), the int8 logits dequantized to a Float32Array; best of ≥ 50 runs. It hashes no state (S_0..S_N are the separate `run` path); the int8-in/int8-out time is in its own row. onnxruntime's time includes its per-call floor through the Node binding, `dnn.onnxruntime_call_floor_us` (a one-node Identity graph), which is most of its MLP time: the MLP ratio measures that floor more than arithmetic.",
    "`dnn.<model>.steps_per_node_max` / `_mean`: VM steps of each node of the compiled model (after tiling) run in vm/Machine on the VM build, on the activations of one native run (each node's VM output is checked equal to the native runner's); `dnn.<model>.steps_bound_max` is the compiler's bound (estimateSteps) for the largest node, against the 2^32-step budget; `dnn.<model>.nodes` is the node count.",
  );
  return { title: "dnn-lib models: quantized vs onnxruntime float", metrics, rows, notes };
}
