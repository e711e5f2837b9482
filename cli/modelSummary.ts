/**
 * What `opml model compile` and `opml model inspect` print about a compiled model: the
 * commitment, each node (op, shape parameters, quantization parameters, operands, estimated VM
 * steps) and the tensor slots, as plain data (for --json) and as text.
 */
import { bytesToHex } from "viem";
import type { CompiledModel } from "../phase/compileModel.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { namedParams, opInfo } from "../dnn-lib/src/ops.ts";
import type { GetModelReturnType } from "../sdk/actions/getModel.ts";

/** The commitment as the oracle registers it (`getModel`'s fields, terms aside). */
export type CommitmentSummary = Pick<
  GetModelReturnType,
  | "programRoot"
  | "graphRoot"
  | "weightsRoot"
  | "nodeCount"
  | "inputSlot"
  | "inputLength"
  | "inputTokenBound"
  | "outputSlot"
  | "outputLength"
>;

export interface OperandSummary {
  /** The operand's name and element type in the kernel, e.g. "x:i8". */
  name: string;
  slot: string;
  bytes: number;
}

export interface NodeSummary {
  index: number;
  op: string;
  /** Shape parameters (M, N, K, C, H, W, ...). */
  shape: Record<string, number>;
  /** Quantization: requant multiplier/shift parameters, and per-channel int32 operands as ranges. */
  quant: Record<string, number | string>;
  operands: OperandSummary[];
  outputSlot: number;
  outputBytes: number;
  /** Upper bound on the node's VM steps (dnn-lib's estimateSteps). */
  steps: number;
}

export interface SlotSummary {
  slot: string;
  bytes: number;
  /** "input", "node i output", or "weight of node i, j" with the kernel's element type. */
  role: string;
}

export interface ModelSummary {
  name: string;
  inputLength: number;
  inputScale: number;
  outputScale: number;
  commitment: CommitmentSummary;
  totalSteps: number;
  nodes: NodeSummary[];
  slots: SlotSummary[];
}

/** Parameters that are requantization multipliers and shifts rather than shapes. */
const QUANT_PARAMS = new Set(["mA", "mB", "m", "s", "mS", "sS", "mO", "sO", "eps"]);
/** Per-channel int32 operands that hold quantization parameters. */
const QUANT_OPERANDS = new Set(["mult", "shift"]);

const slotName = (kind: number, slot: number) => (kind === SlotKind.weight ? `w${slot}` : `a${slot}`);

function int32Range(bytes: Uint8Array): string {
  const v = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (v.length === 0) return "empty";
  let lo = v[0]!;
  let hi = v[0]!;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo === hi ? `${v.length} × ${lo}` : `${v.length} × [${lo}, ${hi}]`;
}

export function commitmentSummary(compiled: CompiledModel): CommitmentSummary {
  const c = compiled.commitment;
  return {
    programRoot: bytesToHex(c.programRoot),
    graphRoot: bytesToHex(c.graphRoot),
    weightsRoot: bytesToHex(c.weightsRoot),
    nodeCount: c.nodeCount,
    inputSlot: c.inputSlot,
    inputLength: c.inputLength,
    inputTokenBound: c.inputTokenBound,
    outputSlot: c.outputSlot,
    outputLength: c.outputLength,
  };
}

export function summarizeModel(compiled: CompiledModel): ModelSummary {
  const { model, activationLengths, nodeSteps } = compiled;
  const weightRole = new Map<number, string>();
  const nodes = model.nodes.map((node, i): NodeSummary => {
    const info = opInfo(node.op);
    const params = namedParams(node.op, node.params);
    const shape: Record<string, number> = {};
    const quant: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(params)) (QUANT_PARAMS.has(k) ? quant : shape)[k] = v;
    const operands = node.inputs.map((s, j): OperandSummary => {
      const name = info.inputs[j] ?? `in${j}`;
      const bytes = s.kind === SlotKind.weight ? model.weights[s.slot]!.length : activationLengths[s.slot]!;
      if (s.kind === SlotKind.weight) {
        if (!weightRole.has(s.slot)) weightRole.set(s.slot, `${name} of node ${i} (${info.name})`);
        const base = name.split(":")[0]!;
        if (QUANT_OPERANDS.has(base)) quant[base] = int32Range(model.weights[s.slot]!);
      }
      return { name, slot: slotName(s.kind, s.slot), bytes };
    });
    return {
      index: i,
      op: info.name,
      shape,
      quant,
      operands,
      outputSlot: i + 1,
      outputBytes: activationLengths[i + 1]!,
      steps: nodeSteps[i]!,
    };
  });
  const slots: SlotSummary[] = [
    ...activationLengths.map((bytes, k) => ({
      slot: slotName(SlotKind.activation, k),
      bytes,
      role:
        k === 0
          ? "model input"
          : `output of node ${k - 1} (${nodes[k - 1]!.op})${k === nodes.length ? ", the model output" : ""}`,
    })),
    ...model.weights.map((w, k) => ({
      slot: slotName(SlotKind.weight, k),
      bytes: w.length,
      role: weightRole.get(k) ?? "unused",
    })),
  ];
  return {
    name: model.name,
    inputLength: model.inputLength,
    inputScale: model.inputScale,
    outputScale: model.outputScale,
    commitment: commitmentSummary(compiled),
    totalSteps: nodeSteps.reduce((a, b) => a + b, 0),
    nodes,
    slots,
  };
}

const n = (v: number) => v.toLocaleString("en-US");

export function formatCommitment(c: CommitmentSummary): string[] {
  return [
    "Commitment:",
    `  programRoot  ${c.programRoot}`,
    `  graphRoot    ${c.graphRoot}`,
    `  weightsRoot  ${c.weightsRoot}`,
    `  nodeCount    ${c.nodeCount}`,
    `  input        slot ${c.inputSlot}, ${n(c.inputLength)} bytes${c.inputTokenBound ? `, int32 token ids < ${c.inputTokenBound}` : ""}`,
    `  output       slot ${c.outputSlot}, ${n(c.outputLength)} bytes`,
  ];
}

const kv = (r: Record<string, number | string>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

/** The node table: index, op, shape, steps; with `detail`, operands and quantization too. */
export function formatNodes(s: ModelSummary, detail: boolean): string[] {
  const lines = [`Nodes (${s.nodes.length}; estimated VM steps in total ${n(s.totalSteps)}):`];
  const width = Math.max(...s.nodes.map((x) => x.op.length));
  for (const node of s.nodes) {
    lines.push(
      `  ${String(node.index).padStart(3)}  ${node.op.padEnd(width)}  ${kv(node.shape).padEnd(28)} → a${node.outputSlot} (${n(node.outputBytes)} B)  ~${n(node.steps)} steps`,
    );
    if (!detail) continue;
    lines.push(`         in: ${node.operands.map((o) => `${o.name}=${o.slot} (${n(o.bytes)} B)`).join(", ")}`);
    if (Object.keys(node.quant).length > 0) lines.push(`         quant: ${kv(node.quant)}`);
  }
  return lines;
}

export function formatSlots(s: ModelSummary): string[] {
  const lines = ["Tensor slots (a = activation, w = weight):"];
  for (const slot of s.slots) lines.push(`  ${slot.slot.padEnd(5)} ${n(slot.bytes).padStart(10)} B  ${slot.role}`);
  return lines;
}
