/**
 * How far a quantized model is from its float original: the same ONNX file run by onnxruntime
 * (float) and, quantized, by the native runner (SIMD build, weights resident), on the same feeds.
 * Rows are the last axis of the output (a classifier's logits, or a language model's next-token
 * logits at each position): top-1 agreement, mean cosine, and accuracy where labels are known.
 */
import type { OnnxModel } from "../src/onnx/model.ts";
import { writeOnnx } from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import type { QuantGraph } from "../src/onnx/QuantGraph.ts";
import { argmaxRows, cosine, quantizeFeeds } from "../src/onnx/runQuant.ts";
import { toModel } from "../src/onnx/toModel.ts";
import { OnnxRunError } from "../src/onnx/errors.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";

/** A quantized graph behind the native runner: float feeds in, dequantized output out. */
export class QuantizedModel {
  private constructor(
    readonly graph: QuantGraph,
    private readonly runner: NativeRunner,
  ) {}

  static async create(graph: QuantGraph): Promise<QuantizedModel> {
    if (graph.inputs.length !== 1 || graph.outputs.length !== 1)
      throw new OnnxRunError("the quantized graph must have one input and one output", {
        details: `${graph.inputs.length} inputs, ${graph.outputs.length} outputs`,
      });
    return new QuantizedModel(graph, await NativeRunner.create(compileGraph(toModel(graph)), "simd"));
  }

  /** The output's name, scale and row length (its last axis). */
  get output(): { name: string; scale: number; row: number } {
    const o = this.graph.outputs[0]!; // create checked there is one
    return { name: o.name, scale: o.scale, row: o.dims[o.dims.length - 1] ?? 1 };
  }

  /** The int8 output for float (or int64 id) feeds. */
  outputI8(feeds: Feeds): Int8Array {
    const input = quantizeFeeds(this.graph, feeds).get(this.graph.inputs[0]!.id)!; // one input, fed
    const y = this.runner.infer(input);
    return new Int8Array(y.buffer, y.byteOffset, y.byteLength);
  }

  /** The output dequantized (int8 · scale). */
  logits(feeds: Feeds): Float32Array {
    const { scale } = this.output;
    return Float32Array.from(this.outputI8(feeds), (v) => v * scale);
  }
}

/** The float side: onnxruntime on the ONNX file, one named output. */
export class FloatModel {
  private constructor(
    private readonly ort: OrtModel,
    readonly outputName: string,
  ) {}

  static async create(model: OnnxModel, outputName: string): Promise<FloatModel> {
    return new FloatModel(await OrtModel.load(writeOnnx(model)), outputName);
  }

  async logits(feeds: Feeds): Promise<Float32Array> {
    const out = (await this.ort.run(feeds, [this.outputName]))[this.outputName];
    if (!(out?.data instanceof Float32Array))
      throw new OnnxRunError(`onnxruntime gave no float output ${this.outputName}`);
    return out.data;
  }

  release(): Promise<void> {
    return this.ort.release();
  }
}

export interface Agreement {
  /** Rows compared (inputs × rows per output). */
  rows: number;
  /** Rows whose quantized argmax is the float argmax. */
  top1: number;
  /** Mean cosine of the quantized and float rows. */
  cosine: number;
  /** Accuracy against `labels` (one per input, on its output's first row), float and quantized. */
  floatAccuracy?: number;
  quantAccuracy?: number;
}

/** Compares the quantized model with the float one on `feeds` (and `labels`, when given). */
export async function measureAgreement(
  float: FloatModel,
  quant: QuantizedModel,
  feeds: readonly Feeds[],
  labels?: readonly number[],
): Promise<Agreement> {
  const L = quant.output.row;
  let [agree, rows, cos, right, rightQ] = [0, 0, 0, 0, 0];
  for (const [i, f] of feeds.entries()) {
    const want = await float.logits(f);
    const got = quant.logits(f);
    if (want.length !== got.length)
      throw new OnnxRunError("float and quantized outputs differ in size", {
        details: `${want.length} float values, ${got.length} quantized`,
      });
    const [a, q] = [argmaxRows(want, L), argmaxRows(got, L)];
    a.forEach((c, r) => {
      agree += c === q[r] ? 1 : 0;
      cos += cosine(want.subarray(r * L, (r + 1) * L), got.subarray(r * L, (r + 1) * L));
    });
    rows += a.length;
    const label = labels?.[i];
    if (label !== undefined) {
      right += a[0] === label ? 1 : 0;
      rightQ += q[0] === label ? 1 : 0;
    }
  }
  return {
    rows,
    top1: agree / rows,
    cosine: cos / rows,
    ...(labels && { floatAccuracy: right / feeds.length, quantAccuracy: rightQ / feeds.length }),
  };
}
