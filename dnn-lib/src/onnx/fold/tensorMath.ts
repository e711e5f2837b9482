/**
 * Exact evaluation helpers of the folding pass (foldConstants.ts): element access on ONNX
 * tensors of every type the reader holds (int64 as bigint, BOOL as 0/1 bytes), numpy
 * broadcasting, and making a result tensor of a given data type. Floats are computed in double
 * and stored to the tensor's own type, so one float32 operation (+ − × ÷ √) rounds exactly as
 * float32 arithmetic does.
 */
import { DataType } from "../proto.ts";
import type { OnnxTensor, TensorData } from "../model.ts";

export type Scalar = number | bigint;

/** Thrown by an evaluator when a node cannot be folded exactly; the pass then leaves the node in the graph. */
export class NotFoldable extends Error {}

export const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

export function isInt64(t: OnnxTensor): boolean {
  return t.dataType === DataType.INT64;
}

export function isFloatType(dt: number): boolean {
  return dt === DataType.FLOAT || dt === DataType.DOUBLE;
}

/** An empty array of data type `dt` with `n` elements. */
export function alloc(dt: number, n: number): TensorData {
  switch (dt) {
    case DataType.FLOAT:
      return new Float32Array(n);
    case DataType.DOUBLE:
      return new Float64Array(n);
    case DataType.INT64:
      return new BigInt64Array(n);
    case DataType.INT32:
      return new Int32Array(n);
    case DataType.INT16:
      return new Int16Array(n);
    case DataType.INT8:
      return new Int8Array(n);
    case DataType.UINT8:
    case DataType.BOOL:
      return new Uint8Array(n);
    default:
      throw new NotFoldable(`data type ${dt}`);
  }
}

/** Stores `v` as element `i` of `data` (of type `dt`): bigint for int64, 0/1 for bool, else the typed array's conversion. */
export function put(data: TensorData, dt: number, i: number, v: Scalar): void {
  if (dt === DataType.INT64) (data as BigInt64Array)[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  else if (dt === DataType.BOOL) (data as Uint8Array)[i] = v ? 1 : 0;
  else if (isFloatType(dt)) (data as Float32Array)[i] = Number(v);
  else (data as Int32Array)[i] = typeof v === "bigint" ? Number(BigInt.asIntN(32, v)) : Math.trunc(v);
}

export function tensor(name: string, dataType: number, dims: number[], data: TensorData): OnnxTensor {
  if (data.length !== prod(dims)) throw new NotFoldable(`${data.length} elements for [${dims}]`);
  return { name, dataType, dims, data };
}

/** The tensor's values as a list of integers (int64 made Numbers; must be safe integers). */
export function intList(t: OnnxTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v);
    // int64 sentinels (INT64_MAX as "to the end") stay large: clamp to ±2^53.
    return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
  });
}

/** The broadcast shape of several shapes (numpy rules); NotFoldable when they do not broadcast. */
export function broadcastShape(shapes: readonly number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes)
    s.forEach((d, k) => {
      const j = r - s.length + k;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) throw new NotFoldable(`[${s}] does not broadcast`);
    });
  return out;
}

/**
 * For each element of `outDims`, the index of the element of a tensor of `dims` broadcast to it;
 * `outDims` is a broadcast shape of `dims` (broadcastShape).
 */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = prod(outDims);
  const idx = new Int32Array(n);
  const r = outDims.length;
  const st = new Array<number>(r).fill(0);
  let s = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k]!;
    st[r - dims.length + k] = d === 1 ? 0 : s;
    s *= d;
  }
  // pos, st and outDims have r entries.
  const pos = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < r; k++) off += pos[k]! * st[k]!;
    idx[i] = off;
    for (let k = r - 1; k >= 0; k--) {
      if (++pos[k]! < outDims[k]!) break;
      pos[k] = 0;
    }
  }
  return idx;
}

/** Row-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const st = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) st[k] = st[k + 1]! * dims[k + 1]!;
  return st;
}

/** A normalised axis in [0, rank) (negative counts from the end); NotFoldable when out of range. */
export function axisOf(a: number, rank: number): number {
  const x = a < 0 ? a + rank : a;
  if (x < 0 || x >= rank) throw new NotFoldable(`axis ${a} of rank ${rank}`);
  return x;
}
