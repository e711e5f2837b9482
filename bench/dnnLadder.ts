/**
 * The native phase against onnxruntime on the decoder ladder: dnn-lib/models/gpt.ts scaled to
 * d256/6, d512/12 and d768/12 (GPT-2-small's body) at context 16, quantized by dnn-lib's ONNX
 * importer. Per shape, onnxruntime float (one thread) and NativeRunner.infer (the SIMD build, one
 * thread) are called alternately in this process, best of N each, so a busy machine slows both
 * alike: dnn.native_vs_onnxruntime.<shape> is onnxruntime's time over the native runner's, and
 * dnn.native_vs_onnxruntime their geometric mean. NativeRunner.run (every S_i) is timed in the
 * same rotation: dnn.run_with_states_vs_infer (the largest shape; every shape's in a row). On the
 * largest shape both sides also run on two threads (dnn.native_vs_onnxruntime.threads2). A fresh
 * child process gives a runner process's RSS (dnn.runner_rss_mb, bench/runnerRss.ts).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gptFeeds, gptLadderShape, gptModel } from "../dnn-lib/models/gpt.ts";
import { CALIBRATION_SEED, EVAL_SEED } from "../dnn-lib/models/index.ts";
import { writeOnnx } from "../dnn-lib/src/onnx/model.ts";
import { OrtModel } from "../dnn-lib/src/onnx/ort.ts";
import { quantizeModel } from "../dnn-lib/src/onnx/quantize.ts";
import { quantizeFeeds } from "../dnn-lib/src/onnx/runQuant.ts";
import { toModel } from "../dnn-lib/src/onnx/toModel.ts";
import { dequantizeI8 } from "../dnn-lib/src/onnx/quantMath.ts";
import { compileGraph } from "../dnn-lib/src/model/compileGraph.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { fmt, type BenchReport } from "./harness.ts";

/** [name, width, layers, rounds of the alternation]. */
const LADDER = [
  ["d256l6", 256, 6, 40],
  ["d512l12", 512, 12, 16],
  ["d768l12", 768, 12, 12],
] as const;

/** The shape the two-thread figures are measured on. */
const THREADS_SHAPE = "d768l12";

const RSS_SCRIPT = fileURLToPath(new URL("./runnerRss.ts", import.meta.url));

function rssMb(withAsc: boolean): number {
  const args = ["--import", "tsx", RSS_SCRIPT, ...(withAsc ? ["--asc"] : [])];
  const out = execFileSync(process.execPath, args, { encoding: "utf8" });
  return (JSON.parse(out.trim().split("\n").pop()!) as { rss_mb: number }).rss_mb;
}

async function seconds(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const ratios: number[] = [];
  for (const [name, D, L, rounds] of LADDER) {
    const shape = gptLadderShape(D, L);
    const onnx = gptModel(shape);
    const graph = await quantizeModel(onnx, gptFeeds(CALIBRATION_SEED, 2, shape));
    const compiled = compileGraph(toModel(graph));
    const native = await NativeRunner.create(compiled, "simd");
    const ort = await OrtModel.load(writeOnnx(onnx));
    const feed = gptFeeds(EVAL_SEED, 1, shape)[0]!;
    const inputId = graph.inputs[0]!.id;
    const outScale = toModel(graph).outputScale;
    // Same work as onnxruntime: the float feed quantized, the model run, the int8 logits dequantized.
    const nativeCall = () => {
      const y = native.infer(quantizeFeeds(graph, feed).get(inputId)!);
      return dequantizeI8(new Int8Array(y.buffer, y.byteOffset, y.length), outScale);
    };
    const x = quantizeFeeds(graph, feed).get(inputId)!;
    const best = { ort: Infinity, native: Infinity, infer: Infinity, run: Infinity };
    for (let i = 0; i < rounds + 2; i++) {
      const t = {
        ort: await seconds(() => ort.run(feed)),
        native: await seconds(nativeCall),
        infer: await seconds(() => native.infer(x)),
        run: await seconds(() => native.run(x)),
      };
      // The first two rounds warm up (V8 tiers, onnxruntime's arena).
      if (i >= 2) for (const k of Object.keys(best) as (keyof typeof best)[]) best[k] = Math.min(best[k], t[k]);
    }
    await ort.release();
    if (name === THREADS_SHAPE) {
      // Two threads each: onnxruntime's intra-op pool against the runner's (its GEMMs' intra-op threads).
      const ort2 = await OrtModel.load(writeOnnx(onnx), 2);
      const native2 = await NativeRunner.create(compiled, "simd", { threads: 2 });
      const best2 = { ort: Infinity, native: Infinity };
      for (let i = 0; i < rounds + 2; i++) {
        const t = { ort: await seconds(() => ort2.run(feed)), native: await seconds(() => native2.infer(x)) };
        if (i >= 2) for (const k of ["ort", "native"] as const) best2[k] = Math.min(best2[k], t[k]);
      }
      await Promise.all([ort2.release(), native2.close()]);
      metrics["dnn.native_vs_onnxruntime.threads2"] = best2.ort / best2.native;
      metrics["dnn.native_threads2_vs_threads1"] = best.infer / best2.native;
      rows.push(
        [`${name}: onnxruntime float, 2 threads`, `${fmt(best2.ort * 1e3)} ms`, `best of ${rounds}, alternated`],
        [
          `${name}: native runner, 2 threads (int8 in/out)`,
          `${fmt(best2.native * 1e3)} ms`,
          `onnxruntime / native ${fmt(best2.ort / best2.native)}; ${fmt(best.infer / best2.native)}× the native 1-thread infer`,
        ],
      );
    }
    const ratio = best.ort / best.native;
    ratios.push(ratio);
    metrics[`dnn.native_vs_onnxruntime.${name}`] = ratio;
    metrics[`dnn.run_with_states_vs_infer.${name}`] = best.run / best.infer;
    rows.push(
      [`${name}: onnxruntime float, 1 thread`, `${fmt(best.ort * 1e3)} ms`, `best of ${rounds}, alternated`],
      [`${name}: native runner, 1 thread`, `${fmt(best.native * 1e3)} ms`, `onnxruntime / native ${fmt(ratio)}`],
      [
        `${name}: native run with S_0..S_N / infer`,
        `${fmt(best.run * 1e3)} / ${fmt(best.infer * 1e3)} ms`,
        fmt(best.run / best.infer),
      ],
    );
  }
  metrics["dnn.native_vs_onnxruntime"] = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
  metrics["dnn.run_with_states_vs_infer"] = metrics[`dnn.run_with_states_vs_infer.${LADDER[2][0]}`]!;
  const rss = rssMb(false);
  const rssAsc = rssMb(true);
  metrics["dnn.runner_rss_mb"] = rss;
  rows.push(
    ["native vs onnxruntime, geometric mean over the ladder", fmt(metrics["dnn.native_vs_onnxruntime"]), "goal ≥ 1.5"],
    [
      "runner process RSS (tiny-mlp loaded and run)",
      `${fmt(rss)} MiB`,
      `${fmt(rssAsc)} MiB with the asc compiler loaded`,
    ],
  );
  return {
    title: "dnn-lib native runner vs onnxruntime on the decoder ladder",
    metrics,
    rows,
    notes: [
      "Measured on a shared 2-core machine (several engineers' processes running): each figure is the best of N with onnxruntime and native calls alternated in one process, so the ratios compare like with like; absolute times are noisy, and the two-thread figures are what a second core that others also use gives.",
      "The native runner's time includes quantizing the float feed and dequantizing the int8 logits, as onnxruntime's includes its float I/O; its two-thread time is int8 in/out (the feed conversion is the same microseconds either way). `run` computes S_0..S_N on a worker thread as the nodes come out, the runner's thread joining in from the last node once its nodes are done; the large int8 matmuls (groups of at least 2^19 multiply-accumulates on one input) run in onnxruntime's integer GEMM with the kernels requantizing (docs/fixed-point.md §7), on `threads` intra-op threads (`NativeRunner.create(…, { threads })`); the rest stay in the kernels.",
    ],
  };
}
