/**
 * The folding pass: before lowering, every node whose value does not depend on the graph's inputs
 * is evaluated in TypeScript (evaluators.ts) and replaced by an initializer of the same name, so
 * the op handlers and the fusion finders see plain constants where an exporter wrote Constant
 * nodes, shape arithmetic (Shape → Gather/Unsqueeze/Concat → Reshape), masks built from Trilu /
 * Equal / Where / ConstantOfShape, Transposes of weights, casts of constants. A node folds when
 * each input is a constant (an initializer or an earlier folded output) — or, for Shape and
 * Size, when the input's shape is known (the calibrated shape: the graph's inputs have fixed
 * shapes). Evaluation is exact: int64 as bigint, bools as bytes, each float op rounded to the
 * tensor's type. A node an evaluator cannot evaluate exactly stays in the graph for its handler.
 *
 * The result is a graph of the same tensor names: the remaining nodes in their order, the
 * original initializers, then the folded values that a remaining node or a graph output reads.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from "../model.ts";
import { EVALUATORS } from "./evaluators.ts";
import { NotFoldable } from "./tensorMath.ts";

/** Ops never folded even on constant inputs: their value is not a function of their inputs. */
const NON_DETERMINISTIC = new Set([
  "RandomNormal",
  "RandomUniform",
  "RandomNormalLike",
  "RandomUniformLike",
  "Multinomial",
  "Bernoulli",
]);

export interface FoldResult {
  model: OnnxModel;
  /** Names of the nodes folded away, in graph order. */
  folded: string[];
}

/** The default-domain opset the model imports (the latest ONNX when it imports none). */
export function defaultOpset(model: OnnxModel): number {
  return model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 17;
}

/**
 * Folds every static node of `model` (see the module comment). `dims`: known shapes of non-constant
 * tensors (the calibration's), read by Shape and Size.
 */
export function foldConstants(model: OnnxModel, dims: ReadonlyMap<string, number[]> = new Map()): FoldResult {
  const g = model.graph;
  const opset = defaultOpset(model);
  const consts = new Map<string, OnnxTensor>(g.initializers.map((t) => [t.name, t]));
  const keep: OnnxNode[] = [];
  const folded: string[] = [];
  const added = new Map<string, OnnxTensor>();
  for (const n of g.nodes) {
    const values = tryFold(n, consts, dims, opset);
    if (!values) {
      keep.push(n);
      continue;
    }
    values.forEach((t) => {
      consts.set(t.name, t);
      added.set(t.name, t);
    });
    folded.push(n.name);
  }
  if (folded.length === 0) return { model, folded };
  const read = new Set([...keep.flatMap((n) => n.inputs), ...g.outputs.map((o) => o.name)]);
  const initializers = [...g.initializers, ...[...added.values()].filter((t) => read.has(t.name))];
  return { model: { ...model, graph: { ...g, nodes: keep, initializers } }, folded };
}

function tryFold(
  n: OnnxNode,
  consts: Map<string, OnnxTensor>,
  dims: ReadonlyMap<string, number[]>,
  opset: number,
): OnnxTensor[] | undefined {
  if ((n.domain !== "" && n.domain !== "ai.onnx") || NON_DETERMINISTIC.has(n.opType)) return undefined;
  const ev = EVALUATORS.get(n.opType);
  if (!ev || n.outputs.length !== 1 || n.outputs[0] === "") return undefined;
  const ins: (OnnxTensor | undefined)[] = [];
  for (const [k, name] of n.inputs.entries()) {
    if (name === "") {
      ins.push(undefined);
      continue;
    }
    const c = consts.get(name);
    if (c) ins.push(c);
    else if ((n.opType === "Shape" || n.opType === "Size") && k === 0 && dims.has(name))
      ins.push({ name, dataType: 0, dims: dims.get(name)!, data: new Float32Array(0) });
    else return undefined;
  }
  try {
    return ev(ins, n, opset);
  } catch (e) {
    if (e instanceof NotFoldable) return undefined;
    throw e;
  }
}
