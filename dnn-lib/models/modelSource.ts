/**
 * What `opml model compile|register` accept as a model: a model by name (tiny-mlp the devnet's;
 * mlp, cnn, gpt generated in dnn-lib/models; fmnist-mlp, fmnist-cnn, byte-lm trained in
 * dnn-lib/models/train), an ONNX file (imported and quantized by dnn-lib's importer on
 * calibration inputs), or a model file already compiled (.opml). An imported model can be
 * measured against its float original (`agreement`).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, extname } from "node:path";
import { CALIBRATION_SEED, modelPath, modelSpec } from "./index.ts";
import type { Model } from "../src/model/Model.ts";
import { MODEL_MAGIC } from "../src/model/modelFile.ts";
import { readModelFile } from "../src/model/ModelFileReader.ts";
import { readOnnx, type OnnxModel } from "../src/onnx/model.ts";
import type { Feeds, FloatTensor } from "../src/onnx/ort.ts";
import { DataType } from "../src/onnx/proto.ts";
import { quantizeModel } from "../src/onnx/quantize.ts";
import { Rng } from "../../common/rng.ts";
import { checkSingleIO, toModel } from "../src/onnx/toModel.ts";
import { fullFromDecodeStep, isDecodeStep } from "../src/onnx/decodeStep.ts";
import { checkDecodeStep } from "../src/onnx/decodeStepCheck.ts";
import { tinyMlp } from "./tiny.ts";
import { Progress } from "../../common/progress.ts";
import { CalibrationError, ModelNotFoundError } from "./errors.ts";
import { readTrainModel, TRAINED_MODELS } from "./trainModels.ts";
import type { QuantGraph } from "../src/onnx/QuantGraph.ts";
import { GENERATION_MODELS } from "./generationModels.ts";
import { unrollGeneration, type GenerationOptions } from "../src/generation/unrollGeneration.ts";
import { FloatModel, measureAgreement, QuantizedModel, type Agreement } from "./agreement.ts";

/** The demo models, by name, with what they are. */
export const DEMO_MODELS: Record<string, string> = {
  "tiny-mlp": "3 nodes, 16 input bytes, 10 int8 logits: the model `opml devnet` registers",
  mlp: "dnn-lib/models/mlp.onnx: a 2-layer MLP classifier (64 features → 128 → 10 classes)",
  cnn: "dnn-lib/models/cnn.onnx: a small CNN (1×16×16 image → 2 conv layers → 10 classes)",
  gpt: "dnn-lib/models/gpt.onnx: a 2-layer GPT-style decoder (16 token ids → 16×64 logits)",
  ...Object.fromEntries(Object.values(TRAINED_MODELS).map((t) => [t.name, t.describe])),
  ...Object.fromEntries(Object.entries(GENERATION_MODELS).map(([name, g]) => [name, g.describe])),
};

/** Calibration inputs when none are given: this many, drawn from the model's own data (demo) or uniformly. */
export const DEFAULT_CALIBRATION_SAMPLES = 8;

export interface SourceOptions {
  /** A JSON file of feeds, or a count of generated inputs. */
  calibration?: string;
  /**
   * Measure the quantized model against onnxruntime float: on the calibration inputs (`true`),
   * or on the feeds of a JSON file (its path). Ignored for tiny-mlp and .opml files.
   */
  measure?: boolean | string;
  progress?: Progress;
  /**
   * Make a generation model of the decoder (dnn-lib/src/generation): its context, new-token
   * maximum and end token. The generation demo models (`byte-lm-generate`, ...) set it themselves.
   */
  generate?: GenerationOptions;
}

/** The quantized model against its float original, and on what. */
export interface SourceAgreement extends Agreement {
  /** "calibration inputs" or the --eval file's path. */
  on: string;
  inputs: number;
}

export interface ModelSource {
  /** What was named: a demo model name or the file's path. */
  ref: string;
  kind: "demo" | "onnx" | "opml";
  model: Model;
  /** A key/value-cache decode step (docs/onnx.md): `model` is its full-context decoder, made a generation model. */
  decodeStep?: boolean;
  agreement?: SourceAgreement;
}

/** Whether `bytes` start with the model file's magic. */
function isModelFile(path: string): boolean {
  const head = new Uint8Array(MODEL_MAGIC.length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return new TextDecoder().decode(head) === MODEL_MAGIC;
}

function sampleCount(calibration: string | undefined): number | undefined {
  if (calibration === undefined) return DEFAULT_CALIBRATION_SAMPLES;
  if (!/^\d+$/.test(calibration)) return undefined;
  const n = Number(calibration);
  if (n < 1 || n > 10_000)
    throw new CalibrationError("the calibration sample count must be in [1, 10000]", { details: `got ${n}` });
  return n;
}

/** Reads a calibration (or evaluation) file: a JSON array of feeds `{ "<input>": { "dims": [...], "data": [...] } }`. */
export function readCalibrationFile(
  path: string,
  onnx: OnnxModel,
  role: "calibration" | "evaluation" = "calibration",
): Feeds[] {
  if (!existsSync(path))
    throw new CalibrationError(`${role} file not found`, {
      details: `${path} does not exist (give a JSON file of feeds${role === "calibration" ? ", or a sample count" : ""})`,
    });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CalibrationError(`the ${role} file is not valid JSON`, { details: path, cause: err });
  }
  if (!Array.isArray(json) || json.length === 0)
    throw new CalibrationError(`the ${role} file must hold a non-empty JSON array of feeds`, { details: path });
  const inputs = graphInputs(onnx);
  return json.map((feed: unknown, i) => {
    if (typeof feed !== "object" || feed === null)
      throw new CalibrationError(`${role} feed ${i} is not an object`, { details: path });
    const out: Feeds = {};
    for (const input of inputs) {
      const t = (feed as Record<string, { dims?: unknown; data?: unknown }>)[input.name];
      if (!t || !Array.isArray(t.dims) || !Array.isArray(t.data))
        throw new CalibrationError(`${role} feed ${i} has no tensor for input "${input.name}"`, {
          details: `${path}: expected { "${input.name}": { "dims": [...], "data": [...] } }`,
        });
      const dims = t.dims.map(Number);
      const size = dims.reduce((a, b) => a * b, 1);
      if (t.data.length !== size || t.data.some((v) => typeof v !== "number"))
        throw new CalibrationError(`${role} feed ${i}, input "${input.name}": data does not fit dims`, {
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

async function quantize(onnx: OnnxModel, feeds: Feeds[], progress: Progress): Promise<QuantGraph> {
  const task = progress.start(`Calibrating and quantizing on ${feeds.length} inputs (onnxruntime)`);
  const graph = await quantizeModel(onnx, feeds);
  task.done(`${graph.nodes.length} nodes`);
  return graph;
}

/** Top-1 agreement and cosine of the quantized graph against onnxruntime float. */
async function measure(
  onnx: OnnxModel,
  graph: QuantGraph,
  calibration: Feeds[],
  options: SourceOptions,
): Promise<SourceAgreement | undefined> {
  if (options.measure === undefined || options.measure === false) return undefined;
  const file = typeof options.measure === "string" ? options.measure : undefined;
  const feeds = file !== undefined ? readCalibrationFile(file, onnx, "evaluation") : calibration;
  const on = file ?? "calibration inputs";
  const task = (options.progress ?? Progress.silent()).start(`Comparing with float on ${feeds.length} ${on}`);
  const quant = await QuantizedModel.create(graph);
  const float = await FloatModel.create(onnx, quant.output.name);
  try {
    const a = await measureAgreement(float, quant, feeds);
    task.done(`top-1 ${(100 * a.top1).toFixed(1)}%`);
    return { ...a, on, inputs: feeds.length };
  } finally {
    await float.release();
  }
}

/** A named ONNX model: a trained export, or one of the generated demo models. */
function namedOnnx(ref: string): { onnx: OnnxModel; feeds: (seed: number, n: number) => Feeds[] } {
  const trained = TRAINED_MODELS[ref];
  if (trained) return { onnx: readTrainModel(trained.file), feeds: trained.calibration };
  return { onnx: readOnnx(new Uint8Array(readFileSync(modelPath(ref)))), feeds: modelSpec(ref).feeds };
}

/** Resolves a model argument: a demo model name, an ONNX file or a model file. */
export async function loadModelSource(ref: string, options: SourceOptions = {}): Promise<ModelSource> {
  const named = GENERATION_MODELS[ref];
  const source = await loadDecoderSource(named && !existsSync(ref) ? named.decoder : ref, options);
  // A decode step is only ever a generation model: by default over its whole cache.
  const generate =
    named && !existsSync(ref)
      ? { ...named.options, ...options.generate }
      : (options.generate ?? (source.decodeStep ? {} : undefined));
  if (!generate) return source;
  const task = (options.progress ?? Progress.silent()).start("Unrolling the decoder into cached decode steps");
  const { model, shape } = unrollGeneration(source.model, generate);
  task.done(`${model.nodes.length} nodes, ${shape.nodesPerToken} per token`);
  return { ...source, ref, model: { ...model, name: named ? ref : model.name } };
}

async function loadDecoderSource(ref: string, options: SourceOptions): Promise<ModelSource> {
  const progress = options.progress ?? Progress.silent();
  if (ref in DEMO_MODELS && !existsSync(ref)) {
    if (ref === "tiny-mlp") return { ref, kind: "demo", model: tinyMlp() };
    const named = namedOnnx(ref);
    const n = sampleCount(options.calibration);
    const feeds =
      n !== undefined ? named.feeds(CALIBRATION_SEED, n) : readCalibrationFile(options.calibration!, named.onnx);
    const graph = await quantize(named.onnx, feeds, progress);
    const agreement = await measure(named.onnx, graph, feeds, options);
    // A PyTorch export's graph is called "torch_jit": the model takes the name it was asked by.
    return { ref, kind: "demo", model: { ...toModel(graph), name: ref }, ...(agreement && { agreement }) };
  }
  if (!existsSync(ref) || !statSync(ref).isFile())
    throw new ModelNotFoundError(`unknown model "${ref}"`, {
      details: `no such file, and not a demo model name (${Object.keys(DEMO_MODELS).join(", ")})`,
    });
  // A model file is read without one buffer (it may exceed 4 GiB); anything else is ONNX.
  if (isModelFile(ref)) return { ref, kind: "opml", model: await readModelFile(ref) };
  const bytes = new Uint8Array(readFileSync(ref));
  const file = readOnnx(bytes);
  // A decode step becomes the full-context decoder it is one position of (checked below).
  const full = isDecodeStep(file) ? fullFromDecodeStep(file) : undefined;
  const onnx = full?.model ?? file;
  checkSingleIO(
    graphInputs(onnx).map((v) => v.name),
    onnx.graph.outputs.map((o) => o.name),
    basename(ref),
  );
  const n = sampleCount(options.calibration);
  const feeds =
    n !== undefined ? syntheticFeeds(onnx, n, basename(ref)) : readCalibrationFile(options.calibration!, onnx);
  if (full) {
    const task = progress.start(`Checking the decode step against its full-context form (${full.T} positions)`);
    await checkDecodeStep(file, full, feeds[0]![full.step.ids]!.data as BigInt64Array);
    task.done("same logits");
  }
  const graph = await quantize(onnx, feeds, progress);
  const agreement = await measure(onnx, graph, feeds, options);
  const model = toModel(graph);
  // An exporter's default graph name ("torch_jit" from PyTorch) says nothing: name the model after its file.
  const name = EXPORTER_DEFAULT_NAMES.has(model.name) ? basename(ref, extname(ref)) : model.name;
  return {
    ref,
    kind: "onnx",
    model: { ...model, name },
    ...(full && { decodeStep: true }),
    ...(agreement && { agreement }),
  };
}

/** Graph names exporters write for every model: PyTorch's ("torch_jit"), onnx's and tf2onnx's, none. */
const EXPORTER_DEFAULT_NAMES = new Set(["", "torch_jit", "main_graph", "tf2onnx"]);
