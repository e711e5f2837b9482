/**
 * The importer's output: a flat list of dnn-lib nodes (op code of dnn-lib/src/ops.ts, operand
 * tensor ids, positional int32 params) over int8/int32/int16 tensors, with every weight, bias,
 * multiplier, shift and table as a constant tensor. `lowerModel` (lower/lowerModel.ts) writes it;
 * `runQuantGraph`, `runQuantGraphKernels` and `toModel` read it.
 */
import type { OpCode, OpName } from "../ops.ts";

export type QDType = "i8" | "i16" | "i32";

export interface QTensor {
  id: number;
  /** The ONNX tensor (or a derived constant's) name, for reading only. */
  name: string;
  kind: "input" | "const" | "activation";
  dtype: QDType;
  shape: number[];
  /** Real value ≈ scale · q (1 for ids and tables). */
  scale: number;
  /** Little-endian bytes of a constant. */
  data?: Uint8Array;
}

export interface QNode {
  op: OpCode;
  opName: OpName;
  /** Operand tensor ids, in the order of OP_INFO[op].inputs. */
  inputs: number[];
  output: number;
  /** Positional int32 params, in the order of OP_INFO[op].params. */
  params: number[];
  /** The ONNX node(s) this node implements. */
  source: string;
}

export interface QGraphIO {
  id: number;
  /** The ONNX graph input / output name. */
  name: string;
  /** Scale of the int8 tensor (1 for int32 ids). */
  scale: number;
  dtype: QDType;
  /** ONNX shape (with the batch dimension, as calibrated). */
  dims: number[];
}

export interface QuantGraph {
  name: string;
  tensors: QTensor[];
  /** In execution order: every operand is an input, a constant or an earlier node's output. */
  nodes: QNode[];
  inputs: QGraphIO[];
  outputs: QGraphIO[];
}

/** Tensor `id` of `g`: ids are indices into `tensors`; a RangeError for an id the graph does not have. */
export function tensorOf(g: QuantGraph, id: number): QTensor {
  const t = g.tensors[id];
  if (!t) throw new RangeError(`QuantGraph ${g.name}: no tensor ${id}`);
  return t;
}
