/**
 * What `opml model compile|register` accept as a model: a demo model by name (mlp, cnn, gpt from
 * dnn-lib/models, tiny-mlp the devnet's), an ONNX file (imported and quantized by dnn-lib's
 * importer on calibration inputs), or a model file already compiled (.opml).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { CALIBRATION_SEED, modelPath, modelSpec } from "./index.ts";
import type { Model } from "../src/model/Model.ts";
import { decodeModel, MODEL_MAGIC } from "../src/model/modelFile.ts";
import { readOnnx, type OnnxModel } from "../src/onnx/model.ts";
import type { Feeds, FloatTensor } from "../src/onnx/ort.ts";
import { DataType } from "../src/onnx/proto.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { Rng } from "../../common/rng.ts";
import { checkSingleIO, toModel } from "../src/onnx/toModel.ts";
import { tinyMlp } from "./tiny.ts";
import { Progress } from "../../common/progress.ts";
import { CalibrationError, ModelNotFoundError } from "./errors.ts";

/** The demo models, by name, with what they are. */
export const DEMO_MODELS: Record<string, string> = {
  "tiny-mlp": "3 nodes, 16 input bytes, 10 int8 logits: the model `opml devnet` registers",
  mlp: "dnn-lib/models/mlp.onnx: a 2-layer MLP classifier (64 features → 128 → 10 classes)",
  cnn: "dnn-lib/models/cnn.onnx: a small CNN (1×16×16 image → 2 conv layers → 10 classes)",
  gpt: "dnn-lib/models/gpt.onnx: a 2-layer GPT-style decoder (16 token ids → 16×64 logits)",
};

/** Calibration inputs when none are given: this many, drawn from the model's own data (demo) or uniformly. */
export const DEFAULT_CALIBRATION_SAMPLES = 8;

export interface SourceOptions {
  /** A JSON file of feeds, or a count of generated inputs. */
  calibration?: string;
  progress?: Progress;
}

export interface ModelSource {
  /** What was named: a demo model name or the file's path. */
  ref: string;
  kind: "demo" | "onnx" | "opml";
  model: Model;
}

/** Whether `bytes` start with the model file's magic. */
function isModelFile(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(0, MODEL_MAGIC.length)) === MODEL_MAGIC;
}

function sampleCount(calibration: string | undefined): number | undefined {
  if (calibration === undefined) return DEFAULT_CALIBRATION_SAMPLES;
  if (!/^\d+$/.test(calibration)) return undefined;
  const n = Number(calibration);
  if (n < 1 || n > 10_000)
    throw new CalibrationError("the calibration sample count must be in [1, 10000]", { details: `got ${n}` });
  return n;
}

/** Reads a calibration file: a JSON array of feeds `{ "<input>": { "dims": [...], "data": [...] } }`. */
export function readCalibrationFile(path: string, onnx: OnnxModel): Feeds[] {
  if (!existsSync(path))
    throw new CalibrationError("calibration file not found", {
      details: `${path} does not exist (give a JSON file of feeds, or a sample count)`,
    });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CalibrationError("the calibration file is not valid JSON", { details: path, cause: err });
  }
  if (!Array.isArray(json) || json.length === 0)
    throw new CalibrationError("the calibration file must hold a non-empty JSON array of feeds", { details: path });
  const inputs = graphInputs(onnx);
  return json.map((feed: unknown, i) => {
    if (typeof feed !== "object" || feed === null)
      throw new CalibrationError(`calibration feed ${i} is not an object`, { details: path });
    const out: Feeds = {};
    for (const input of inputs) {
      const t = (feed as Record<string, { dims?: unknown; data?: unknown }>)[input.name];
      if (!t || !Array.isArray(t.dims) || !Array.isArray(t.data))
        throw new CalibrationError(`calibration feed ${i} has no tensor for input "${input.name}"`, {
          details: `${path}: expected { "${input.name}": { "dims": [...], "data": [...] } }`,
        });
      const dims = t.dims.map(Number);
      const size = dims.reduce((a, b) => a * b, 1);
      if (t.data.length !== size || t.data.some((v) => typeof v !== "number"))
        throw new CalibrationError(`calibration feed ${i}, input "${input.name}": data does not fit dims`, {
          details: `dims [${dims.join(", ")}] hold ${size} numbers, data has ${t.data.length}`,
        });
      const data =
        input.elemType === DataType.INT64
          ? BigInt64Array.from((t.data as number[]).map((v) => BigInt(Math.trunc(v))))
          : Float32Array.from(t.data as number[]);
      out[input.name] = { dims, data };
    }
    return out;
  });
}

function graphInputs(onnx: OnnxModel) {
  const inits = new Set(onnx.graph.initializers.map((t) => t.name));
  return onnx.graph.inputs.filter((v) => !inits.has(v.name));
}

/**
 * The number of rows of the constant table that a Gather reads with graph input `name` (token ids
 * into an embedding), or undefined when no Gather of a constant table reads it.
 */
function idCount(onnx: OnnxModel, name: string): number | undefined {
  const g = onnx.graph;
  for (const n of g.nodes) {
    if (n.opType !== "Gather" || n.inputs[1] !== name) continue;
    const init = g.initializers.find((t) => t.name === n.inputs[0]);
    const konst = g.nodes.find((c) => c.opType === "Constant" && c.outputs[0] === n.inputs[0]);
    const value = konst?.attributes["value"];
    const dims = init?.dims ?? (value?.type === "tensor" ? value.value.dims : undefined);
    if (dims && dims.length > 0) return dims[0];
  }
  return undefined;
}

/**
 * `n` seeded inputs for a model whose inputs have a fixed shape: floats uniform in [-1, 1], and
 * int64 token ids uniform over the rows of the embedding table a Gather reads them from.
 */
function syntheticFeeds(onnx: OnnxModel, n: number, what: string): Feeds[] {
  const rng = new Rng(CALIBRATION_SEED);
  const inputs = graphInputs(onnx);
  const ids = new Map<string, number>();
  for (const input of inputs) {
    const count = input.elemType === DataType.INT64 ? idCount(onnx, input.name) : undefined;
    if (count !== undefined) ids.set(input.name, count);
    else if (input.elemType !== DataType.FLOAT)
      throw new CalibrationError(`input "${input.name}" of ${what} is neither a float tensor nor token ids`, {
        details:
          "generated calibration inputs are uniform floats or ids of an embedding Gather; give --calibration <file.json> with real inputs",
      });
    if (!input.shape || input.shape.some((d) => typeof d !== "number" || d < 1))
      throw new CalibrationError(`input "${input.name}" of ${what} has no fixed shape`, {
        details: `shape [${(input.shape ?? []).join(", ")}]; give --calibration <file.json> with real inputs`,
      });
  }
  return Array.from({ length: n }, () =>
    Object.fromEntries(
      inputs.map((input): [string, FloatTensor] => {
        const dims = input.shape as number[];
        const size = dims.reduce((a, b) => a * b, 1);
        const V = ids.get(input.name);
        if (V !== undefined)
          return [input.name, { dims, data: BigInt64Array.from({ length: size }, () => BigInt(rng.below(V))) }];
        return [input.name, { dims, data: Float32Array.from({ length: size }, () => 2 * rng.next() - 1) }];
      }),
    ),
  );
}

async function quantize(onnx: OnnxModel, feeds: Feeds[], progress: Progress): Promise<Model> {
  const task = progress.start(`Calibrating and quantizing on ${feeds.length} inputs (onnxruntime)`);
  const model = toModel(await quantizeModel(onnx, feeds));
  task.done(`${model.nodes.length} nodes`);
  return model;
}

/** Resolves a model argument: a demo model name, an ONNX file or a model file. */
export async function loadModelSource(ref: string, options: SourceOptions = {}): Promise<ModelSource> {
  const progress = options.progress ?? Progress.silent();
  if (ref in DEMO_MODELS && !existsSync(ref)) {
    if (ref === "tiny-mlp") return { ref, kind: "demo", model: tinyMlp() };
    const spec = modelSpec(ref);
    const onnx = readOnnx(new Uint8Array(readFileSync(modelPath(ref))));
    const n = sampleCount(options.calibration);
    const feeds = n !== undefined ? spec.feeds(CALIBRATION_SEED, n) : readCalibrationFile(options.calibration!, onnx);
    return { ref, kind: "demo", model: await quantize(onnx, feeds, progress) };
  }
  if (!existsSync(ref) || !statSync(ref).isFile())
    throw new ModelNotFoundError(`unknown model "${ref}"`, {
      details: `no such file, and not a demo model name (${Object.keys(DEMO_MODELS).join(", ")})`,
    });
  const bytes = new Uint8Array(readFileSync(ref));
  if (isModelFile(bytes)) return { ref, kind: "opml", model: decodeModel(bytes) };
  const onnx = readOnnx(bytes);
  checkSingleIO(
    graphInputs(onnx).map((v) => v.name),
    onnx.graph.outputs.map((o) => o.name),
    basename(ref),
  );
  const n = sampleCount(options.calibration);
  const feeds =
    n !== undefined ? syntheticFeeds(onnx, n, basename(ref)) : readCalibrationFile(options.calibration!, onnx);
  return { ref, kind: "onnx", model: await quantize(onnx, feeds, progress) };
}
