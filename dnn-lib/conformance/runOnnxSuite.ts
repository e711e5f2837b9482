/**
 * The ONNX backend conformance suite (the node tests of Debian's `libonnx-testdata`:
 * `<dir>/<test>/model.onnx` and `test_data_set_N/input_K.pb` and `output_K.pb`) run through the
 * quantizing importer, as the WebAssembly spec suite is run through the VM (vm/conformance/).
 *
 * Each test's model is imported, calibrated on the inputs of all its data sets, lowered, and run
 * on each data set by the TypeScript reference and by the SIMD kernel build (which must agree
 * byte for byte); each dequantized output must have the expected shape, lie within the
 * tolerance of docs/onnx.md (`tolerance`) of onnxruntime's float output for the same inputs
 * rounded to their int8 scales, and within `expectedTolerance` of the suite's expected output. A test whose later inputs the importer needs as constants
 * (weights, biases, shapes: node tests pass them as inputs) is run with them as initializers,
 * one model per data set. A test is:
 * - refused when the importer refuses it with OnnxUnsupportedError (an op, attribute, data type
 *   or shape it does not take: float-only semantics, integer or bool tensors, dynamic shapes…);
 * - passed when every output of every data set is within the tolerance and both runs agree;
 * - failed otherwise, any other error included.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OnnxUnsupportedError } from "../src/onnx/errors.ts";
import {
  dataTypeName,
  makeTensor,
  readOnnx,
  readTensor,
  writeOnnx,
  type OnnxModel,
  type OnnxTensor,
} from "../src/onnx/model.ts";
import { OrtModel, type Feeds } from "../src/onnx/ort.ts";
import { DataType } from "../src/onnx/proto.ts";
import { calibrate } from "../src/onnx/calibrate.ts";
import { lowerModel } from "../src/onnx/lower/lowerModel.ts";
import { OP_HANDLERS } from "../src/onnx/lower/opHandlers.ts";
import { foldConstants } from "../src/onnx/fold/foldConstants.ts";
import { quantizeFeeds, runQuantGraph, runQuantGraphKernels } from "../src/onnx/runQuant.ts";
import type { QuantGraph } from "../src/onnx/QuantGraph.ts";
import { KernelInstance } from "../src/KernelInstance.ts";

/** Where Debian's libonnx-testdata puts the node tests (OPML_ONNX_SUITE_DIR overrides it). */
export const ONNX_SUITE_DIR = process.env.OPML_ONNX_SUITE_DIR ?? "/usr/share/libonnx-testdata/data/node";

/** Op types that appear only inside the fusions (lower/fusions/): a test of one alone is refused by the lowering. */
const FUSION_ONLY = new Set(["Pow", "Sqrt", "Reciprocal", "Where"]);

/**
 * The tolerance of an output whose int8 scale is `scale` against onnxruntime on the rounded inputs
 * (docs/onnx.md): two steps of that scale. One half step is the output's own rounding; the rest is
 * what intermediate int8 roundings and the tables' rounding can add (the suite's largest error is
 * 0.8 steps).
 */
export function tolerance(scale: number): number {
  return 2 * scale;
}

/** The ONNX backend tests' own float tolerance (onnx.backend.test: rtol 1e-3, atol 1e-7). */
export const FLOAT_RTOL = 1e-3;
export const FLOAT_ATOL = 1e-7;

/**
 * The tolerance of element `expected` of the suite's `output_*.pb`, given `rounding` = |f(x̂) − f(x)|,
 * onnxruntime's change of that element when the inputs x are rounded to their int8 scales (x̂): by
 * the triangle inequality |q − e| ≤ |q − f(x̂)| + |f(x̂) − f(x)| + |f(x) − e|, that is the graph's
 * tolerance, the input rounding's effect, and the float tolerance of onnxruntime against the
 * expected value (docs/onnx.md).
 */
export function expectedTolerance(scale: number, rounding: number, expected: number): number {
  return tolerance(scale) + rounding + FLOAT_RTOL * Math.abs(expected) + FLOAT_ATOL;
}

export type Outcome = "passed" | "failed" | "refused";

export interface TestResult {
  name: string;
  /** The op types of the test's model, joined by "+" (one for the single-node tests). */
  op: string;
  outcome: Outcome;
  /** Why: the refusal's message, the failure's, or the largest error in output steps when passed. */
  detail: string;
}

export interface SuiteResult {
  passed: number;
  failed: number;
  refused: number;
  tests: TestResult[];
  /** Seconds the run took. */
  seconds: number;
}

function refuse(what: string, msg: string): never {
  throw new OnnxUnsupportedError(what, msg);
}

/** The graph inputs that are not initializers. */
function graphInputs(m: OnnxModel) {
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  return m.graph.inputs.filter((v) => !inits.has(v.name));
}

/**
 * What the importer refuses before anything runs: input and output types, op types with no
 * handler left after folding (on the inputs' declared shapes, so that Shape of an input folds).
 */
function precheck(m: OnnxModel): void {
  for (const v of graphInputs(m))
    if (v.elemType !== DataType.FLOAT && v.elemType !== DataType.INT64)
      refuse(dataTypeName(v.elemType), `graph input ${v.name} has unsupported type ${dataTypeName(v.elemType)}`);
  for (const o of m.graph.outputs)
    if (o.elemType !== DataType.FLOAT)
      refuse(
        dataTypeName(o.elemType),
        `graph output ${o.name} is ${dataTypeName(o.elemType)}: the quantized graph outputs int8 reals`,
      );
  // Shape and Size of a graph input fold on its declared shape, as they do on the calibrated one.
  const declared = new Map(
    graphInputs(m).flatMap((v) => (v.shape?.every((d) => typeof d === "number") ? [[v.name, v.shape] as const] : [])),
  );
  for (const n of foldConstants(m, declared).model.graph.nodes)
    if (!OP_HANDLERS.has(n.opType) && !FUSION_ONLY.has(n.opType))
      refuse(n.opType, `ONNX ${n.opType} (node ${n.name}): operator not supported by the importer`);
}

function feedOf(t: OnnxTensor): Feeds[string] {
  if (t.data instanceof Float32Array || t.data instanceof BigInt64Array) return { dims: t.dims, data: t.data };
  return refuse(dataTypeName(t.dataType), `input ${t.name} is ${dataTypeName(t.dataType)}`);
}

/** The data sets of a test: each one's feeds (by graph input name) and expected outputs (by graph output name). */
function dataSets(dir: string, m: OnnxModel): { feeds: Feeds; expected: Map<string, OnnxTensor> }[] {
  const ins = graphInputs(m);
  return readdirSync(dir)
    .filter((d) => d.startsWith("test_data_set_"))
    .sort()
    .map((d) => {
      const files = readdirSync(join(dir, d));
      const read = (prefix: string, names: string[]) =>
        names.map((name, i) => {
          const f = join(dir, d, `${prefix}_${i}.pb`);
          if (!files.includes(`${prefix}_${i}.pb`)) return undefined;
          return { ...readTensor(new Uint8Array(readFileSync(f)), f), name };
        });
      const feeds: Feeds = {};
      read(
        "input",
        ins.map((v) => v.name),
      ).forEach((t) => t && (feeds[t.name] = feedOf(t)));
      const expected = new Map<string, OnnxTensor>();
      read(
        "output",
        m.graph.outputs.map((o) => o.name),
      ).forEach((t) => t && expected.set(t.name, t));
      return { feeds, expected };
    });
}

/** Runs one test (see the module comment); `kernels` is the SIMD build's instance, reused. */
export async function runOnnxTest(dir: string, name: string, kernels: KernelInstance): Promise<TestResult> {
  let op = "?";
  try {
    const m = readOnnx(new Uint8Array(readFileSync(join(dir, "model.onnx"))));
    op = [...new Set(m.graph.nodes.map((n) => n.opType))].join("+") || "(none)";
    precheck(m);
    const sets = dataSets(dir, m);
    if (sets.length === 0) return { name, op, outcome: "failed", detail: "no test data set" };
    let runs: { model: OnnxModel; sets: typeof sets }[] = [{ model: m, sets }];
    let frozen = "";
    try {
      lowerModel(
        m,
        await calibrate(
          m,
          sets.map((s) => s.feeds),
        ),
      );
    } catch (e) {
      // Weights, biases and shapes come as graph inputs in the node tests; an exported model holds
      // them as initializers. Retry with every input but the first frozen, one model per data set.
      if (!(e instanceof OnnxUnsupportedError) || graphInputs(m).length < 2) throw e;
      runs = sets.map((s) => ({ model: freeze(m, s.feeds), sets: [s] }));
      frozen = ", later inputs as constants";
    }
    const worst = { ort: 0, expected: 0 };
    for (const run of runs) {
      const g = lowerModel(
        run.model,
        await calibrate(
          run.model,
          run.sets.map((s) => s.feeds),
        ),
      );
      const ort = await OrtModel.load(writeOnnx(run.model));
      try {
        for (const s of run.sets) {
          const err = await compareSet(g, s.feeds, s.expected, kernels, ort);
          if (typeof err === "string") return { name, op, outcome: "failed", detail: err + frozen };
          worst.ort = Math.max(worst.ort, err.ort);
          worst.expected = Math.max(worst.expected, err.expected);
        }
      } finally {
        await ort.release();
      }
    }
    const detail = `largest error ${worst.ort.toFixed(2)} steps (${worst.expected.toFixed(2)} from the expected output)`;
    return { name, op, outcome: "passed", detail: detail + frozen };
  } catch (e) {
    if (e instanceof OnnxUnsupportedError) return { name, op, outcome: "refused", detail: e.message };
    return { name, op, outcome: "failed", detail: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** The model with every graph input but the first made an initializer of its value in `feeds`. */
function freeze(m: OnnxModel, feeds: Feeds): OnnxModel {
  const rest = graphInputs(m).slice(1);
  const fixed = rest.flatMap((v) => {
    const t = feeds[v.name];
    return t ? [{ name: v.name, t }] : [];
  });
  const inits = fixed.map(({ name, t }) => makeTensor(name, t.dims, t.data));
  const names = new Set(fixed.map((v) => v.name));
  return {
    ...m,
    graph: {
      ...m.graph,
      inputs: m.graph.inputs.filter((v) => !names.has(v.name)),
      initializers: [...m.graph.initializers, ...inits],
    },
  };
}

/**
 * The largest error of one data set in output steps, or a string saying what failed. Each output is
 * compared twice: with onnxruntime on the inputs as the quantized graph sees them (each rounded to
 * its int8 scale: that measures the integer graph, not the rounding of its inputs) within
 * `tolerance`, and with the suite's expected output within `expectedTolerance`, which adds the
 * rounding's measured effect (onnxruntime on the exact inputs) and the float tolerance; returns the
 * largest error of each comparison in output steps.
 */
export async function compareSet(
  g: QuantGraph,
  feeds: Feeds,
  expected: Map<string, OnnxTensor>,
  kernels: KernelInstance,
  ort: OrtModel,
): Promise<{ ort: number; expected: number } | string> {
  const inputs = quantizeFeeds(g, feeds);
  const rounded: Feeds = { ...feeds };
  for (const i of g.inputs)
    if (i.dtype === "i8") {
      const b = inputs.get(i.id)!;
      rounded[i.name] = {
        dims: i.dims,
        data: Float32Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength), (v) => v * i.scale),
      };
    }
  const floatOut = await ort.run(rounded);
  const exactOut = await ort.run(feeds);
  const ref = runQuantGraph(g, inputs);
  const simd = await runQuantGraphKernels(g, inputs, "simd", kernels);
  const worst = { ort: 0, expected: 0 };
  for (const o of g.outputs) {
    const a = ref.get(o.id)!;
    const b = simd.get(o.id)!;
    if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) return `output ${o.name}: SIMD build ≠ reference`;
    const exp = expected.get(o.name);
    if (!exp) return `output ${o.name}: no expected value`;
    if (exp.dims.join() !== o.dims.join()) return `output ${o.name}: shape [${o.dims}], expected [${exp.dims}]`;
    const want = floatOut[o.name];
    const exact = exactOut[o.name];
    if (!want || !exact) return `output ${o.name}: onnxruntime gave no value`;
    const e = Array.from(exp.data as ArrayLike<number | bigint>, Number);
    const q = new Int8Array(a.buffer, a.byteOffset, a.byteLength);
    const tol = tolerance(o.scale);
    for (let i = 0; i < q.length; i++) {
      const [w, x, ei] = [Number(want.data[i]), Number(exact.data[i]), e[i]!];
      const got = q[i]! * o.scale;
      const err = Math.abs(got - w);
      const steps = `steps of ${o.scale.toExponential(3)}`;
      if (!(err <= tol)) return `output ${o.name}[${i}]: ${got} vs ${w}, error ${(err / o.scale).toFixed(2)} ${steps}`;
      const errE = Math.abs(got - ei);
      const tolE = expectedTolerance(o.scale, Math.abs(w - x), ei);
      if (!(errE <= tolE))
        return `output ${o.name}[${i}]: ${got} vs expected ${ei}, error ${(errE / o.scale).toFixed(2)} ${steps} (allowed ${(tolE / o.scale).toFixed(2)})`;
      worst.ort = Math.max(worst.ort, err / o.scale);
      worst.expected = Math.max(worst.expected, errE / o.scale);
    }
  }
  return worst;
}

/** Runs every test under `dir` whose name contains `filter` (all by default). */
export async function runOnnxSuite(dir = ONNX_SUITE_DIR, filter = ""): Promise<SuiteResult> {
  const t0 = Date.now();
  const kernels = await KernelInstance.create("simd");
  const tests: TestResult[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.includes(filter) || !existsSync(join(dir, name, "model.onnx"))) continue;
    tests.push(await runOnnxTest(join(dir, name), name, kernels));
  }
  const count = (o: Outcome) => tests.filter((t) => t.outcome === o).length;
  return {
    passed: count("passed"),
    failed: count("failed"),
    refused: count("refused"),
    tests,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** "N passed, N failed, N refused". */
export function summary(r: SuiteResult): string {
  return `${r.passed} passed, ${r.failed} failed, ${r.refused} refused`;
}

/** The per-op table: one row per op (type set) with its counts, as Markdown. */
export function perOpTable(r: SuiteResult): string {
  const rows = new Map<string, { passed: number; failed: number; refused: number }>();
  for (const t of r.tests) {
    const row = rows.get(t.op) ?? { passed: 0, failed: 0, refused: 0 };
    row[t.outcome]++;
    rows.set(t.op, row);
  }
  const lines = ["| op | passed | failed | refused |", "| --- | --- | --- | --- |"];
  for (const [op, c] of [...rows].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`| ${op} | ${c.passed} | ${c.failed} | ${c.refused} |`);
  return lines.join("\n");
}
