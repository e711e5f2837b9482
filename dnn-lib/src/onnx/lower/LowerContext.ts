/**
 * What an op handler (ops/) or a fusion (fusions/) works with while one ONNX graph is lowered
 * (lowerModel.ts): the ONNX graph and its constants, the calibrated shapes and scales, the
 * quantized graph being written (its tensors and nodes, and the quantized tensor each ONNX
 * tensor name is bound to), attribute readers, and the typed refusal `unsupported`.
 *
 * Tensor ids are handed out in creation order, so the order in which a handler calls `get`,
 * `constant` and `emit` is part of the graph's bytes.
 */
import { Op, OP_INFO, type OpCode } from "../../ops.ts";
import {
  dataTypeName,
  type OnnxAttr,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from "../model.ts";
import { OnnxFormatError, OnnxRunError, OnnxUnsupportedError } from "../errors.ts";
import { maxAbs, quantizeI8, quantizeMultiplier, scaleOf } from "../quantMath.ts";
import type { Calibration } from "../calibrate.ts";
import type { QNode, QTensor } from "../QuantGraph.ts";
import { prod } from "./prod.ts";

/** The quantized tensor an ONNX tensor name is bound to. */
export interface TensorRef {
  id: number;
  scale: number;
  /** An int16 tensor (the residual stream with `int16Residual`); `get` hands consumers an int8 copy. */
  i16?: boolean;
}

/** Ops whose output is int16. */
const INT16_OUT = new Set<number>([Op.requant16, Op.cvt8to16, Op.matmul16, Op.add16, Op.mul16, Op.relu16, Op.lut16]);

function bytesOf(a: Int8Array | Int16Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export class LowerContext {
  readonly graph: OnnxGraph;
  /** The default-domain opset the model imports (attributes' meanings change with it). */
  readonly opset: number;
  /** The graph's constants (initializers) by name. */
  readonly inits: Map<string, OnnxTensor>;
  /** The index of the node that writes each tensor. */
  readonly producer = new Map<string, number>();
  /** The quantized graph so far. */
  readonly tensors: QTensor[] = [];
  readonly nodes: QNode[] = [];
  private readonly consumers = new Map<string, number[]>();
  private readonly graphOutputs: Set<string>;
  /** A copy: lowering records the shapes of the intermediate tensors it adds (Concat parts, rescales). */
  private readonly cal: Calibration;
  private readonly bound = new Map<string, TensorRef>();
  private readonly scaleOverride = new Map<string, number>();
  private readonly skipped = new Set<number>();

  constructor(model: OnnxModel, calibration: Calibration) {
    this.cal = { dims: new Map(calibration.dims), maxAbs: calibration.maxAbs };
    const g = (this.graph = model.graph);
    this.opset = model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 17;
    this.inits = new Map(g.initializers.map((t) => [t.name, t]));
    g.nodes.forEach((n, i) =>
      n.inputs.forEach((x) => {
        if (!this.consumers.has(x)) this.consumers.set(x, []);
        this.consumers.get(x)!.push(i);
      }),
    );
    this.graphOutputs = new Set(g.outputs.map((o) => o.name));
    g.nodes.forEach((n, i) => n.outputs.forEach((o) => this.producer.set(o, i)));
  }

  // ── The ONNX graph ──────────────────────────────────────────────────────────────────────────

  /** Node `i`: an index this context handed out (`producer`, `readers`, `soleConsumer`), or a node's own. */
  node(i: number): OnnxNode {
    const n = this.graph.nodes[i];
    if (!n) throw new RangeError(`LowerContext: the graph has no node ${i}`);
    return n;
  }

  /** The index of the node that writes `name` (undefined for a graph input, a constant, or no name). */
  producerOf(name: string | undefined): number | undefined {
    return name === undefined ? undefined : this.producer.get(name);
  }

  /**
   * The index of the one node that reads `name`, unless more read it or it is a graph output
   * (undefined for no name: a pattern finder asking about a node's missing input or output).
   */
  soleConsumer(name: string | undefined): number | undefined {
    if (name === undefined) return undefined;
    const [c, ...more] = this.consumers.get(name) ?? [];
    return more.length === 0 && !this.graphOutputs.has(name) ? c : undefined;
  }

  /** The indices of the nodes that read `name`. */
  readers(name: string): readonly number[] {
    return this.consumers.get(name) ?? [];
  }

  isGraphOutput(name: string): boolean {
    return this.graphOutputs.has(name);
  }

  /** Marks node `idx` as lowered by another's handler (a fused bias Add): the walk passes it by. */
  skip(idx: number): void {
    this.skipped.add(idx);
  }

  isSkipped(idx: number): boolean {
    return this.skipped.has(idx);
  }

  /** The names of the nodes at `indices`, joined by "+": the `source` of a fused node. */
  sourceOf(indices: number[]): string {
    return indices.map((i) => this.node(i).name).join("+");
  }

  /** The constant (initializer) named `name`, undefined when it is not one or there is no name. */
  initOf(name: string | undefined): OnnxTensor | undefined {
    return name === undefined ? undefined : this.inits.get(name);
  }

  /** A constant's float values (undefined when `name` is not a constant); refuses a non-float constant. */
  floatInit(name: string, node: OnnxNode): Float64Array | undefined {
    const t = this.inits.get(name);
    if (!t) return undefined;
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array))
      throw new OnnxUnsupportedError(
        dataTypeName(t.dataType),
        `${node.opType} ${node.name}: constant ${name} is ${dataTypeName(t.dataType)}, not float`,
      );
    return Float64Array.from(t.data);
  }

  /** The value of a one-element finite constant, else (or for no name) undefined. */
  scalarConst(name: string | undefined): number | undefined {
    const t = this.initOf(name);
    if (!t || t.data.length !== 1) return undefined;
    const v = Number(t.data[0]);
    return Number.isFinite(v) ? v : undefined;
  }

  intAttr(n: OnnxNode, a: string, dflt: number): number {
    return (this.attr(n, a, "int", "an int") as number | undefined) ?? dflt;
  }

  intsAttr(n: OnnxNode, a: string): number[] | undefined {
    return this.attr(n, a, "ints", "ints") as number[] | undefined;
  }

  floatAttr(n: OnnxNode, a: string, dflt: number): number {
    return (this.attr(n, a, "float", "a float") as number | undefined) ?? dflt;
  }

  /** The value of attribute `a` of `n` (undefined when absent); refuses `n` when it is not of `type`. */
  private attr(n: OnnxNode, a: string, type: OnnxAttr["type"], typeName: string): OnnxAttr["value"] | undefined {
    const v = n.attributes[a];
    if (!v) return undefined;
    if (v.type !== type)
      throw new OnnxUnsupportedError(n.opType, `${n.opType} ${n.name}: attribute ${a} is not ${typeName}`);
    return v.value;
  }

  // ── A node's inputs and outputs ─────────────────────────────────────────────────────────────

  /** The name of input `i` of `n`, which its op requires; OnnxFormatError when the node lacks it. */
  input(n: OnnxNode, i: number): string {
    const name = n.inputs[i];
    if (name === undefined || name === "") this.malformed(n, `input ${i} is missing (the node has ${n.inputs.length})`);
    return name;
  }

  /** The name of optional input `i` of `n`, undefined when it is omitted (absent or ""). */
  optionalInput(n: OnnxNode, i: number): string | undefined {
    const name = n.inputs[i];
    return name === "" ? undefined : name;
  }

  /** The name of output `i` (default the first) of `n`; OnnxFormatError when the node lacks it. */
  output(n: OnnxNode, i = 0): string {
    const name = n.outputs[i];
    if (name === undefined || name === "")
      this.malformed(n, `output ${i} is missing (the node has ${n.outputs.length})`);
    return name;
  }

  // ── Refusals ────────────────────────────────────────────────────────────────────────────────

  /** Refuses node `n`: OnnxUnsupportedError whose `what` is the op type and whose message says why. */
  unsupported(n: OnnxNode, why: string): never {
    throw new OnnxUnsupportedError(n.opType, `ONNX ${n.opType} (node ${n.name}): ${why}`);
  }

  /** Refuses node `n` as not well-formed ONNX (a required input or output missing): OnnxFormatError. */
  malformed(n: OnnxNode, why: string): never {
    throw new OnnxFormatError(`ONNX ${n.opType} (node ${n.name}): ${why}`);
  }

  /** `axis` in [0, rank) (a negative one counts from the end), else refuses `n`. */
  normAxis(n: OnnxNode, axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) this.unsupported(n, `axis ${axis} out of range for rank ${rank}`);
    return a;
  }

  /** Refuses `n` unless `axis` is the last of `rank`. */
  lastAxis(n: OnnxNode, axis: number, rank: number): void {
    if (axis !== -1 && axis !== rank - 1) this.unsupported(n, `only the last axis is supported, got axis ${axis}`);
  }

  // ── Calibration ─────────────────────────────────────────────────────────────────────────────

  hasDims(name: string): boolean {
    return this.cal.dims.has(name);
  }

  /** The calibrated shape of a tensor (a constant's own dims); OnnxRunError when there is none. */
  dimsOf(name: string): number[] {
    const d = this.cal.dims.get(name) ?? this.inits.get(name)?.dims;
    if (!d) throw new OnnxRunError(`no calibrated shape for tensor ${name}`);
    return d;
  }

  /** Records the shape of a tensor the lowering adds (not in the ONNX graph), before it is emitted. */
  setDims(name: string, dims: number[]): void {
    this.cal.dims.set(name, dims);
  }

  /** The shape of a node's first input, [] when it has none or it is not calibrated. */
  inputDims(n: OnnxNode): number[] {
    const x = n.inputs[0];
    return x !== undefined && this.cal.dims.has(x) ? this.dimsOf(x) : [];
  }

  /** The largest calibrated magnitude of a tensor (undefined when not recorded). */
  maxAbsOf(name: string): number | undefined {
    return this.cal.maxAbs.get(name);
  }

  /** The int8 scale of an activation: its tied scale if one was set, else from its calibrated magnitude. */
  actScale(name: string): number {
    return this.scaleOverride.get(name) ?? scaleOf(this.cal.maxAbs.get(name) ?? 0);
  }

  /** Ties a tensor's scale (e.g. a Concat input to the Concat's output): its producer requantizes to it. */
  tieScale(name: string, scale: number): void {
    this.scaleOverride.set(name, scale);
  }

  // ── The quantized graph ─────────────────────────────────────────────────────────────────────

  /** Tensor `id` of the quantized graph: an id `newTensor` handed out. */
  tensor(id: number): QTensor {
    const t = this.tensors[id];
    if (!t) throw new RangeError(`LowerContext: the graph has no tensor ${id}`);
    return t;
  }

  newTensor(t: Omit<QTensor, "id">): number {
    this.tensors.push({ id: this.tensors.length, ...t });
    return this.tensors.length - 1;
  }

  /** A constant tensor of the given integers; returns its id. */
  constant(name: string, data: Int8Array | Int16Array | Int32Array, shape: number[], scale = 1): number {
    return this.newTensor({
      name,
      kind: "const",
      dtype: data instanceof Int8Array ? "i8" : data instanceof Int16Array ? "i16" : "i32",
      shape,
      scale,
      data: bytesOf(data),
    });
  }

  /** What `name` is bound to, as it is (an int16 tensor stays int16). */
  lookup(name: string): TensorRef | undefined {
    return this.bound.get(name);
  }

  has(name: string): boolean {
    return this.bound.has(name);
  }

  /** Binds `name` to a quantized tensor without a node (an alias, or the same bytes at a new scale). */
  bind(name: string, t: TensorRef): void {
    this.bound.set(name, t);
  }

  /**
   * An operand of `node` as int8 (or int32 ids): what `name` is bound to, the int8 copy of an int16
   * tensor, or a float constant quantized per tensor on first use; refuses an unknown name.
   */
  get(name: string, node: OnnxNode): TensorRef {
    const e = this.bound.get(name);
    if (e?.i16) return this.narrow(name, e, node);
    if (e) return e;
    const t = this.inits.get(name);
    if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      // A float constant used as an activation operand (e.g. learned positions): per-tensor int8.
      const s = scaleOf(maxAbs(t.data));
      const id = this.constant(name, quantizeI8(t.data, s), t.dims, s);
      this.bound.set(name, { id, scale: s });
      return this.bound.get(name)!;
    }
    throw new OnnxUnsupportedError(node.opType, `${node.opType} ${node.name}: operand ${name} is not available`);
  }

  /** Appends a node writing a new activation `outName` (calibrated shape, given scale) and binds the name. */
  emit(op: OpCode, inputs: number[], params: number[], outName: string, scale: number, source: string): void {
    const i16 = INT16_OUT.has(op);
    const out = this.newTensor({
      name: outName,
      kind: "activation",
      dtype: op === Op.argmax ? "i32" : i16 ? "i16" : "i8",
      shape: this.dimsOf(outName),
      scale,
    });
    this.nodes.push({ op, opName: OP_INFO[op].name, inputs, output: out, params, source });
    this.bound.set(outName, i16 ? { id: out, scale, i16 } : { id: out, scale });
  }

  /** The int8 copy of an int16 tensor, at the tensor's calibrated int8 scale (made once). */
  narrow(name: string, e: TensorRef, node: OnnxNode): TensorRef {
    const n8 = `${name}.i8`;
    if (!this.bound.has(n8)) {
      const s8 = this.actScale(name);
      const { m, s } = quantizeMultiplier(e.scale / s8, `${name} to int8`);
      this.cal.dims.set(n8, this.dimsOf(name));
      this.emit(Op.cvt16to8, [e.id], [prod(this.dimsOf(name)), m, s], n8, s8, node.name);
    }
    return this.bound.get(n8)!;
  }

  /** An operand of add16: an int16 tensor as it is, an int8 one widened ×1 (same scale, made once). */
  wide(name: string, node: OnnxNode): TensorRef {
    const e = this.bound.get(name);
    if (e?.i16) return e;
    const x = this.get(name, node);
    const n16 = `${name}.i16`;
    if (!this.bound.has(n16)) {
      this.cal.dims.set(n16, this.dimsOf(name));
      this.emit(Op.cvt8to16, [x.id], [prod(this.dimsOf(name)), 1 << 30, 30], n16, x.scale, node.name);
    }
    return this.bound.get(n16)!;
  }
}
