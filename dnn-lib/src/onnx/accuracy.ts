/**
 * Accuracy of the quantized graph against onnxruntime float on the same ONNX
 * file: top-1 agreement (per logits row) and the cosine of the logit vectors.
 */
import { OnnxRunError } from "./errors.ts";
import { readOnnx } from "./model.ts";
import { OrtModel, type Feeds } from "./ort.ts";
import { quantizeModel, type QuantGraph } from "./quantize.ts";
import { argmaxRows, cosine, runQuantFloat } from "./runQuant.ts";

export interface AccuracyReport {
  /** Logit rows compared. */
  rows: number;
  top1Agreement: number;
  /** Mean over rows of the cosine between float and dequantized int8 logits. */
  meanCosine: number;
  minCosine: number;
  /** Seconds per input: onnxruntime (one thread) and the TS reference. */
  ortSeconds: number;
  referenceSeconds: number;
}

export async function measureAccuracy(
  onnx: Uint8Array,
  calibration: Feeds[],
  evaluation: Feeds[],
  logits: { output: string; classes: number },
  graph?: QuantGraph,
): Promise<AccuracyReport & { graph: QuantGraph }> {
  const model = readOnnx(onnx);
  const g = graph ?? (await quantizeModel(model, calibration));
  const ort = await OrtModel.load(onnx);
  let rows = 0;
  let agree = 0;
  let cosSum = 0;
  let minCos = Infinity;
  let ortMs = 0;
  let refMs = 0;
  try {
    for (const f of evaluation) {
      let t = performance.now();
      const ref = (await ort.run(f, [logits.output]))[logits.output]?.data as Float32Array | undefined;
      ortMs += performance.now() - t;
      t = performance.now();
      const q = runQuantFloat(g, f)[logits.output]?.data as Float32Array | undefined;
      refMs += performance.now() - t;
      if (!ref || !q) throw new OnnxRunError(`the model has no output ${logits.output}`);
      const L = logits.classes;
      const a = argmaxRows(ref, L);
      const b = argmaxRows(q, L);
      for (let r = 0; r < a.length; r++) {
        rows++;
        if (a[r] === b[r]) agree++;
        const c = cosine(ref.subarray(r * L, (r + 1) * L), q.subarray(r * L, (r + 1) * L));
        cosSum += c;
        minCos = Math.min(minCos, c);
      }
    }
  } finally {
    await ort.release();
  }
  return {
    graph: g,
    rows,
    top1Agreement: agree / rows,
    meanCosine: cosSum / rows,
    minCosine: minCos,
    ortSeconds: ortMs / 1000 / evaluation.length,
    referenceSeconds: refMs / 1000 / evaluation.length,
  };
}
