/**
 * The float reference: onnxruntime-node (CPU, one intra-op and one inter-op
 * thread) running an ONNX file, plus the calibration run that also returns
 * every intermediate tensor (the model re-written with each node output as a
 * graph output).
 */
import ort from "onnxruntime-node";
import { writeOnnx, type OnnxModel } from "./model.ts";
import { OnnxRunError } from "./errors.ts";

export interface FloatTensor {
  dims: number[];
  data: Float32Array | BigInt64Array;
}
export type Feeds = Record<string, FloatTensor>;

export const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  // Warnings only clutter: the unfolded exports make the optimizer report every Unsqueeze it keeps.
  logSeverityLevel: 3,
} as const;

export class OrtModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** `threads`: onnxruntime's intra-op threads (default 1, as SESSION_OPTIONS). */
  static async load(bytes: Uint8Array, threads = 1): Promise<OrtModel> {
    try {
      return new OrtModel(await ort.InferenceSession.create(bytes, { ...SESSION_OPTIONS, intraOpNumThreads: threads }));
    } catch (e) {
      throw new OnnxRunError("onnxruntime could not load the model", { cause: e });
    }
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** `anyType`: an output of another element type (bool, int32…) comes back as float32 values instead of refused. */
  async run(feeds: Feeds, outputs?: string[], anyType = false): Promise<Record<string, FloatTensor>> {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds))
      f[k] = new ort.Tensor(v.data instanceof BigInt64Array ? "int64" : "float32", v.data, v.dims);
    let res: ort.InferenceSession.OnnxValueMapType;
    try {
      res = outputs ? await this.session.run(f, outputs) : await this.session.run(f);
    } catch (e) {
      throw new OnnxRunError("onnxruntime run failed", { cause: e });
    }
    const out: Record<string, FloatTensor> = {};
    for (const [k, t] of Object.entries(res)) {
      let data = t.data;
      if (anyType && !(data instanceof Float32Array) && !(data instanceof BigInt64Array) && ArrayBuffer.isView(data))
        data = Float32Array.from(data as ArrayLike<number>);
      if (!(data instanceof Float32Array) && !(data instanceof BigInt64Array))
        throw new OnnxRunError(`output ${k} has unsupported type ${t.type}`);
      out[k] = { dims: [...t.dims], data };
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** The model with every float node output added as a graph output (for calibration). */
export function withAllOutputs(model: OnnxModel): OnnxModel {
  const have = new Set(model.graph.outputs.map((o) => o.name));
  const extra = model.graph.nodes
    .flatMap((n) => n.outputs)
    .filter((o) => o !== "" && !have.has(o))
    // No type (elemType 0): onnxruntime infers it, float or not (bools, int64 shape arithmetic).
    .map((name) => ({ name, elemType: 0 }));
  return { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
}

/** Runs the model once per feed with all intermediates as outputs; returns one record per feed. */
export async function runAllTensors(model: OnnxModel, feeds: Feeds[]): Promise<Record<string, FloatTensor>[]> {
  const m = await OrtModel.load(writeOnnx(withAllOutputs(model)));
  try {
    const out: Record<string, FloatTensor>[] = [];
    for (const f of feeds) out.push({ ...f, ...(await m.run(f, undefined, true)) });
    return out;
  } finally {
    await m.release();
  }
}
