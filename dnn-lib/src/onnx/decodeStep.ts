/**
 * A key/value-cache decode step (the Hugging Face export form: `input_ids` [1, 1], maybe
 * `position_ids` [1, 1], `past_key_values.{i}.key|value` [1, kvHeads, P, headDim] in; `logits`
 * [1, 1, V] and `present.{i}.key|value` [1, kvHeads, P + 1, headDim] = Concat(past, new) out)
 * rewritten as the full-context decoder it is one position of: `input_ids` [1, T] → `logits`
 * [1, T, V] with T = P + 1. Every present becomes its `new` operand (the rows of all T positions),
 * the positions become the constant 0 … T − 1, the attention mask computed from them becomes the
 * causal mask, and each `[1, 1, …]` reshape of a position's rows becomes `[1, T, …]`. The generation
 * unroller (dnn-lib/src/generation) then runs that decoder one position at a time with the caches
 * written in place — the decode step the export describes. `checkDecodeStep` (decodeStepCheck.ts)
 * runs both graphs in onnxruntime and refuses a rewrite whose logits are not the step's.
 */
import { DataType } from "./proto.ts";
import { makeTensor, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./model.ts";
import { OnnxUnsupportedError } from "./errors.ts";

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const PRESENT = /^present\.(\d+)\.(key|value)$/;

/** Whether the graph has the cache inputs and outputs of a decode step (by their names). */
export function isDecodeStep(onnx: OnnxModel): boolean {
  return onnx.graph.inputs.some((v) => PAST.test(v.name)) && onnx.graph.outputs.some((v) => PRESENT.test(v.name));
}

export interface FullDecoder {
  /** The full-context decoder: `ids` [1, T] → `logits` [1, T, V]. */
  model: OnnxModel;
  /** Positions: the cache's past length + 1. */
  T: number;
  /** The step's token input, position input (if any), cache inputs and logits output, by name. */
  step: { ids: string; positions?: string; pasts: string[]; logits: string };
}

function refuse(why: string, details?: string): never {
  throw new OnnxUnsupportedError("decode step", `not a recognised key/value-cache decode step: ${why}`, {
    ...(details !== undefined && { details }),
  });
}

const fixedDims = (v: OnnxValueInfo): number[] | undefined =>
  v.shape?.every((d): d is number => typeof d === "number") ? v.shape : undefined;

/** Rewrites a decode step (isDecodeStep) as its full-context decoder; refuses one of another form. */
export function fullFromDecodeStep(onnx: OnnxModel): FullDecoder {
  const g = onnx.graph;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const consts = new Map<string, OnnxTensor>(inits);
  for (const n of g.nodes) {
    const v = n.attributes["value"];
    if (n.opType === "Constant" && v?.type === "tensor" && n.outputs[0] !== undefined)
      consts.set(n.outputs[0], v.value);
  }
  const inputs = g.inputs.filter((v) => !inits.has(v.name));
  const pasts = inputs.filter((v) => PAST.test(v.name));
  const others = inputs.filter((v) => !PAST.test(v.name));
  const ids = others.find((v) => v.name === "input_ids") ?? refuse("no input_ids input", names(inputs));
  const positions = others.filter((v) => v !== ids);
  if (positions.length > 1 || (positions[0] && positions[0].name !== "position_ids"))
    refuse("inputs other than input_ids, position_ids and past_key_values.*", names(inputs));
  const pos = positions[0];
  const idsDims = fixedDims(ids);
  if (ids.elemType !== DataType.INT64 || idsDims?.join() !== "1,1")
    refuse("input_ids is not int64 [1, 1]", `[${(ids.shape ?? []).join(", ")}]`);
  const pastLens = new Set(pasts.map((v) => fixedDims(v)?.[2]));
  const P = pastLens.size === 1 ? [...pastLens][0] : undefined;
  if (P === undefined || P < 1 || pasts.some((v) => fixedDims(v)?.length !== 4))
    refuse("the past_key_values inputs are not [1, kvHeads, P, headDim] of one fixed P", names(pasts));
  const T = P + 1;

  const logitsOut = g.outputs.filter((v) => !PRESENT.test(v.name));
  const logits = logitsOut[0];
  const logitsDims = logits && fixedDims(logits);
  if (logitsOut.length !== 1 || !logits || logitsDims?.length !== 3 || logitsDims[0] !== 1 || logitsDims[1] !== 1)
    refuse("outputs other than one logits [1, 1, V] and present.*", names(g.outputs));
  const presents = g.outputs.filter((v) => PRESENT.test(v.name));
  if (presents.length !== pasts.length) refuse("not one present output per past input", names(g.outputs));

  // Each present is Concat(past, new) on the position axis: readers of present read `new`.
  const renamed = new Map<string, string>();
  const dropped = new Set<OnnxNode>();
  for (const pr of presents) {
    const cat = g.nodes.find((n) => n.outputs[0] === pr.name);
    const axis = cat?.attributes["axis"];
    const past = pr.name.replace("present.", "past_key_values.");
    const ok = cat?.opType === "Concat" && axis?.type === "int" && (axis.value === 2 || axis.value === -2);
    if (!cat || !ok || cat.inputs.length !== 2 || cat.inputs[0] !== past)
      refuse(`${pr.name} is not Concat(${past}, new) on axis 2`);
    renamed.set(pr.name, cat.inputs[1]!);
    dropped.add(cat);
  }

  // Tensors that depend on the positions (not through a Gather of a constant table: the rotary
  // tables), and views of a present (its key axis is already the T positions).
  const fromPos = new Set(pos ? [pos.name] : []);
  const presentView = new Set(presents.map((p) => p.name));
  const views = new Set(["Unsqueeze", "Expand", "Reshape", "Transpose"]);
  for (const n of g.nodes) {
    const tableGather = n.opType === "Gather" && consts.has(n.inputs[0] ?? "");
    // A Where whose condition depends on them gets the causal mask instead (below).
    const read = n.opType === "Where" ? n.inputs.slice(1) : n.inputs;
    if (!tableGather && read.some((x) => fromPos.has(x))) n.outputs.forEach((o) => fromPos.add(o));
    if (views.has(n.opType) && presentView.has(n.inputs[0] ?? "")) n.outputs.forEach((o) => presentView.add(o));
  }

  const added: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  for (const n of g.nodes) {
    if (dropped.has(n)) continue;
    const inputs = n.inputs.map((x) => renamed.get(x) ?? x);
    if (n.opType === "Where" && fromPos.has(n.inputs[0] ?? "")) {
      // The step's mask over its cache slots, from the positions: in the full graph, causal.
      const name = `${n.name}/causal_mask`;
      const mask = Uint8Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? 1 : 0));
      added.push({ name, dataType: DataType.BOOL, dims: [1, 1, T, T], data: mask });
      inputs[0] = name;
    } else if (n.opType === "Reshape" && !presentView.has(n.inputs[0] ?? "")) {
      const shape = consts.get(n.inputs[1] ?? "");
      if (!shape) refuse(`Reshape ${n.name} has no constant shape`);
      const dims = Array.from(shape.data as ArrayLike<number | bigint>, Number);
      if (dims[0] === 1 && dims[1] === 1) {
        const name = `${n.name}/full_shape`;
        added.push(makeTensor(name, [dims.length], BigInt64Array.from([1, T, ...dims.slice(2)], BigInt)));
        inputs[1] = name;
      }
    }
    nodes.push({ ...n, inputs });
  }
  if (pos)
    added.push(
      makeTensor(
        pos.name,
        [1, T],
        BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
      ),
    );

  const live = liveNodes(nodes, logits.name);
  const cut = new Set([...pasts.map((v) => v.name), ...fromPos]);
  for (const n of live) {
    const bad = n.inputs.find((x) => cut.has(x) && !(n.opType === "Gather" && x === pos?.name));
    if (bad !== undefined)
      refuse(`node ${n.name} (${n.opType}) reads ${bad} other than as a cache or a rotary position`);
  }
  const model: OnnxModel = {
    ...onnx,
    graph: {
      ...g,
      nodes: live,
      initializers: [...g.initializers, ...added],
      inputs: [{ ...ids, shape: [1, T] }],
      outputs: [{ ...logits, shape: [1, T, logitsDims[2]!] }],
    },
  };
  return {
    model,
    T,
    step: { ids: ids.name, ...(pos && { positions: pos.name }), pasts: pasts.map((v) => v.name), logits: logits.name },
  };
}

/** The nodes `out` depends on, in graph order. */
function liveNodes(nodes: OnnxNode[], out: string): OnnxNode[] {
  const need = new Set([out]);
  const keep: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => need.has(o))) continue;
    keep.push(n);
    n.inputs.forEach((x) => need.add(x));
  }
  return keep.reverse();
}

const names = (vs: { name: string }[]) => vs.map((v) => v.name).join(", ");
