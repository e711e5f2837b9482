/**
 * ONNX ModelProto files in and out: `readOnnx(bytes)` decodes and validates a
 * file into a plain typed structure, `writeOnnx(model)` encodes one (same
 * structure → same bytes). Only what float graphs of plain operators need is
 * represented; anything else is refused with a typed error that names it.
 */
import { ModelProto, TensorProto, DataType, DATA_TYPE_NAMES, AttrType } from "./proto.ts";
import { OnnxFormatError, OnnxUnsupportedError } from "./errors.ts";

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Int16Array;

export interface OnnxTensor {
  name: string;
  /** ONNX TensorProto.DataType (see DataType). */
  dataType: number;
  dims: number[];
  data: TensorData;
}

export type OnnxAttr =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: OnnxTensor }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttr>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number for a fixed dimension, a string for a symbolic one; undefined when the rank is unknown. */
  shape?: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
}

const ELEMENT_ARRAYS: Record<number, { size: number; make: (b: ArrayBuffer) => TensorData }> = {
  [DataType.FLOAT]: { size: 4, make: (b) => new Float32Array(b) },
  [DataType.DOUBLE]: { size: 8, make: (b) => new Float64Array(b) },
  [DataType.INT32]: { size: 4, make: (b) => new Int32Array(b) },
  [DataType.INT64]: { size: 8, make: (b) => new BigInt64Array(b) },
  [DataType.INT8]: { size: 1, make: (b) => new Int8Array(b) },
  [DataType.UINT8]: { size: 1, make: (b) => new Uint8Array(b) },
  [DataType.INT16]: { size: 2, make: (b) => new Int16Array(b) },
  // A bool is one byte, 0 or 1 (int32_data when not raw); its tensor keeps dataType BOOL.
  [DataType.BOOL]: { size: 1, make: (b) => new Uint8Array(b) },
};

export function dataTypeName(t: number): string {
  return DATA_TYPE_NAMES[t] ?? `data type ${t}`;
}

function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * A tensor from its dims and typed data (checks that the element count matches); the data type is
 * the array's unless `dataType` is given (BOOL, held as a Uint8Array of 0/1).
 */
export function makeTensor(name: string, dims: number[], data: TensorData, dataType?: number): OnnxTensor {
  dataType ??=
    data instanceof Float32Array
      ? DataType.FLOAT
      : data instanceof Float64Array
        ? DataType.DOUBLE
        : data instanceof Int32Array
          ? DataType.INT32
          : data instanceof BigInt64Array
            ? DataType.INT64
            : data instanceof Int8Array
              ? DataType.INT8
              : data instanceof Int16Array
                ? DataType.INT16
                : DataType.UINT8;
  if (elementCount(dims) !== data.length)
    throw new OnnxFormatError(`tensor ${name}: ${data.length} elements do not fill dims [${dims}]`);
  return { name, dataType, dims, data };
}

// ---------------------------------------------------------------- decoding

// The messages as protobufjs's `toObject` gives them (longs and enums as numbers, bytes as
// Uint8Array, no defaults: an absent field is absent). The decoder has checked each field against
// the schema of proto.ts, so these types hold; which fields are present is up to the file.

interface TensorMsg {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
}

interface AttrMsg {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMsg;
  floats?: number[];
  ints?: number[];
}

interface ValueInfoMsg {
  name?: string;
  type?: {
    tensor_type?: {
      elem_type?: number;
      shape?: { dim?: { dim_value?: number | null; dim_param?: string | null }[] };
    };
  };
}

interface NodeMsg {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttrMsg[];
}

interface GraphMsg {
  node?: NodeMsg[];
  name?: string;
  initializer?: TensorMsg[];
  input?: ValueInfoMsg[];
  output?: ValueInfoMsg[];
}

interface ModelMsg {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: GraphMsg;
}

const TO_OBJECT = { longs: Number, enums: Number, defaults: false } as const;

function decodeTensor(t: TensorMsg, where: string): OnnxTensor {
  const name = t.name ?? "";
  const dims = (t.dims ?? []).map(Number);
  const dataType = t.data_type ?? 0;
  const kind = ELEMENT_ARRAYS[dataType];
  if (!kind)
    throw new OnnxUnsupportedError(
      dataTypeName(dataType),
      `tensor ${name || where}: unsupported data type ${dataTypeName(dataType)}`,
    );
  if (dims.some((d) => !Number.isInteger(d) || d < 0))
    throw new OnnxFormatError(`tensor ${name || where}: bad dims`, { details: `[${dims}]` });
  const n = elementCount(dims);
  let data: TensorData;
  if (t.raw_data && t.raw_data.length > 0) {
    const raw = t.raw_data;
    if (raw.length !== n * kind.size)
      throw new OnnxFormatError(`tensor ${name || where}: raw_data has the wrong length`, {
        details: `${raw.length} bytes for dims [${dims}] of ${dataTypeName(dataType)}`,
      });
    data = kind.make(new Uint8Array(raw).buffer); // a copy: protobufjs may hand out a Buffer view into a pool
  } else {
    const src =
      dataType === DataType.FLOAT
        ? t.float_data
        : dataType === DataType.DOUBLE
          ? t.double_data
          : dataType === DataType.INT64
            ? t.int64_data
            : t.int32_data;
    const vals = (src ?? []).map(Number);
    if (vals.length !== n)
      throw new OnnxFormatError(`tensor ${name || where}: ${vals.length} values for dims [${dims}]`);
    const made = kind.make(new ArrayBuffer(n * kind.size));
    if (made instanceof BigInt64Array) vals.forEach((v, i) => (made[i] = BigInt(v)));
    else made.set(vals);
    data = made;
  }
  return { name, dataType, dims, data };
}

function decodeAttr(a: AttrMsg, node: string): [string, OnnxAttr] {
  const name = a.name ?? "";
  switch (a.type) {
    case AttrType.FLOAT:
      return [name, { type: "float", value: a.f ?? 0 }];
    case AttrType.INT:
      return [name, { type: "int", value: Number(a.i ?? 0) }];
    case AttrType.STRING:
      return [name, { type: "string", value: new TextDecoder().decode(a.s ?? new Uint8Array()) }];
    case AttrType.TENSOR:
      return [name, { type: "tensor", value: decodeTensor(a.t ?? {}, `${node}.${name}`) }];
    case AttrType.FLOATS:
      return [name, { type: "floats", value: (a.floats ?? []).map(Number) }];
    case AttrType.INTS:
      return [name, { type: "ints", value: (a.ints ?? []).map(Number) }];
    default:
      throw new OnnxUnsupportedError(
        `attribute type ${a.type}`,
        `node ${node}: attribute ${name} has an unsupported type`,
        {
          details: `AttributeProto.type = ${a.type}`,
        },
      );
  }
}

function decodeValueInfo(v: ValueInfoMsg): OnnxValueInfo {
  const tt = v.type?.tensor_type;
  if (!tt) throw new OnnxUnsupportedError("non-tensor value", `value ${v.name}: only tensor types are supported`);
  const shape = tt.shape
    ? (tt.shape.dim ?? []).map((d) =>
        d.dim_value !== undefined && d.dim_value !== null ? Number(d.dim_value) : String(d.dim_param ?? "?"),
      )
    : undefined;
  return { name: v.name ?? "", elemType: tt.elem_type ?? 0, shape };
}

/** Decodes one serialized TensorProto (a `.pb` file of the ONNX test data); refuses a type the reader does not hold. */
export function readTensor(bytes: Uint8Array, where = "tensor"): OnnxTensor {
  let msg: TensorMsg;
  try {
    msg = TensorProto.toObject(TensorProto.decode(bytes), TO_OBJECT);
  } catch (e) {
    throw new OnnxFormatError("not a valid ONNX TensorProto", { details: `${bytes.length} bytes`, cause: e });
  }
  return decodeTensor(msg, where);
}

/** Decodes and validates an ONNX ModelProto. Throws OnnxFormatError for truncated or corrupt bytes. */
export function readOnnx(bytes: Uint8Array): OnnxModel {
  let msg: ModelMsg;
  try {
    msg = ModelProto.toObject(ModelProto.decode(bytes), TO_OBJECT);
  } catch (e) {
    throw new OnnxFormatError("not a valid ONNX ModelProto (truncated or corrupt protobuf)", {
      details: `${bytes.length} bytes`,
      cause: e,
    });
  }
  if (!msg.graph) throw new OnnxFormatError("ONNX model has no graph", { details: `${bytes.length} bytes` });
  if (!msg.opset_import?.length) throw new OnnxFormatError("ONNX model has no opset_import");
  const g = msg.graph;
  const nodes: OnnxNode[] = (g.node ?? []).map((n, i) => {
    const name = n.name || `node${i}`;
    if (!n.op_type) throw new OnnxFormatError(`ONNX node ${name} has no op_type`);
    return {
      name,
      opType: n.op_type,
      domain: n.domain ?? "",
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes: Object.fromEntries((n.attribute ?? []).map((a) => decodeAttr(a, name))),
    };
  });
  const model: OnnxModel = {
    irVersion: Number(msg.ir_version ?? 0),
    opsetImports: msg.opset_import.map((o) => ({ domain: o.domain ?? "", version: Number(o.version ?? 0) })),
    producerName: msg.producer_name ?? "",
    producerVersion: msg.producer_version ?? "",
    docString: msg.doc_string ?? "",
    graph: {
      name: g.name ?? "",
      nodes,
      initializers: (g.initializer ?? []).map((t, i) => decodeTensor(t, `initializer${i}`)),
      inputs: (g.input ?? []).map(decodeValueInfo),
      outputs: (g.output ?? []).map(decodeValueInfo),
    },
  };
  checkGraph(model.graph);
  return model;
}

/** Every node input must be defined before use, every graph output produced: catches cut or scrambled graphs. */
export function checkGraph(g: OnnxGraph): void {
  const defined = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.map((t) => t.name)]);
  defined.add("");
  for (const n of g.nodes) {
    for (const i of n.inputs)
      if (!defined.has(i))
        throw new OnnxFormatError(`ONNX node ${n.name} (${n.opType}) reads undefined tensor "${i}"`, {
          details: "nodes must be in topological order and every input defined",
        });
    for (const o of n.outputs) defined.add(o);
  }
  if (g.outputs.length === 0) throw new OnnxFormatError("ONNX graph has no outputs");
  for (const o of g.outputs)
    if (!defined.has(o.name)) throw new OnnxFormatError(`ONNX graph output "${o.name}" is never produced`);
}

// ---------------------------------------------------------------- encoding

/** A message for protobufjs's `fromObject`. */
type Obj = Record<string, unknown>;

function encodeTensor(t: OnnxTensor): Obj {
  const kind = ELEMENT_ARRAYS[t.dataType];
  if (!kind)
    throw new OnnxUnsupportedError(
      dataTypeName(t.dataType),
      `tensor ${t.name}: cannot write ${dataTypeName(t.dataType)}`,
    );
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { dims: t.dims, data_type: t.dataType, name: t.name, raw_data: raw };
}

function encodeAttr(name: string, a: OnnxAttr): Obj {
  switch (a.type) {
    case "float":
      return { name, type: AttrType.FLOAT, f: a.value };
    case "int":
      return { name, type: AttrType.INT, i: a.value };
    case "string":
      return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.value) };
    case "tensor":
      return { name, type: AttrType.TENSOR, t: encodeTensor(a.value) };
    case "floats":
      return { name, type: AttrType.FLOATS, floats: a.value };
    case "ints":
      return { name, type: AttrType.INTS, ints: a.value };
  }
}

function encodeValueInfo(v: OnnxValueInfo): Obj {
  // Element type 0 (UNDEFINED): no type at all, for onnxruntime to infer (calibration's added outputs).
  if (v.elemType === 0 && v.shape === undefined) return { name: v.name };
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.elemType,
        ...(v.shape && {
          shape: { dim: v.shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) },
        }),
      },
    },
  };
}

/** Encodes a model as ModelProto bytes; deterministic (the same model gives the same bytes). */
export function writeOnnx(model: OnnxModel): Uint8Array {
  checkGraph(model.graph);
  const g = model.graph;
  const obj = {
    ir_version: model.irVersion,
    opset_import: model.opsetImports,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString,
    graph: {
      node: g.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        op_type: n.opType,
        domain: n.domain,
        attribute: Object.entries(n.attributes)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, a]) => encodeAttr(k, a)),
      })),
      name: g.name,
      initializer: g.initializers.map(encodeTensor),
      input: g.inputs.map(encodeValueInfo),
      output: g.outputs.map(encodeValueInfo),
    },
  };
  const err = ModelProto.verify(obj);
  if (err) throw new OnnxFormatError("cannot encode ONNX model", { details: err });
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(obj)).finish());
}
