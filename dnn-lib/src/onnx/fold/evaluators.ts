/**
 * The ONNX ops the folding pass (foldConstants.ts) evaluates when every input is a constant, each
 * as ONNX defines it (default domain, opsets 1–17): shape arithmetic exactly, int64 as bigint;
 * comparisons and logic on any numeric type; float elementwise math rounded to the tensor's type.
 * An evaluator throws NotFoldable for what it does not evaluate exactly (an unsupported data
 * type, an attribute form it does not know); the node then stays in the graph for the lowering.
 */
import { DataType } from "../proto.ts";
import type { OnnxNode, OnnxTensor } from "../model.ts";
import { ofLength, type Tuple } from "../tuple.ts";
import {
  alloc,
  axisOf,
  broadcastIndex,
  broadcastShape,
  intList,
  isFloatType,
  isInt64,
  NotFoldable,
  prod,
  put,
  strides,
  tensor,
  type Scalar,
} from "./tensorMath.ts";

/** Inputs of a node (undefined for an omitted optional one) → its outputs. */
export type Evaluator = (inputs: (OnnxTensor | undefined)[], n: OnnxNode, opset: number) => OnnxTensor[];

function attrInts(n: OnnxNode, a: string): number[] | undefined {
  const v = n.attributes[a];
  if (!v) return undefined;
  if (v.type !== "ints") throw new NotFoldable(`attribute ${a}`);
  return v.value;
}

function attrInt(n: OnnxNode, a: string, dflt: number): number {
  const v = n.attributes[a];
  if (!v) return dflt;
  if (v.type !== "int") throw new NotFoldable(`attribute ${a}`);
  return v.value;
}

function need(t: OnnxTensor | undefined): OnnxTensor {
  if (!t) throw new NotFoldable("missing input");
  return t;
}

/** Exactly `k` inputs, each present (an op of fixed arity). */
function exactly<N extends number>(ins: (OnnxTensor | undefined)[], k: N): Tuple<OnnxTensor, N> {
  const xs = ofLength(ins.map(need), k);
  if (!xs) throw new NotFoldable(`${ins.length} inputs`);
  return xs;
}

/** The one element of a scalar (or one-element) tensor, as a Number. */
function scalar(t: OnnxTensor): number {
  if (t.data.length !== 1) throw new NotFoldable(`${t.data.length} elements for a scalar`);
  return Number(t.data[0]);
}

/** The node's output (foldConstants folds nodes of one output). */
function out0(n: OnnxNode): string {
  const o = n.outputs[0];
  if (o === undefined) throw new NotFoldable("no output");
  return o;
}

/** The same elements under new dims. */
function reshaped(n: OnnxNode, x: OnnxTensor, dims: number[]): OnnxTensor[] {
  return [tensor(out0(n), x.dataType, dims, x.data)];
}

/** Elements `idx[i]` of x, as a new tensor of `dims`. */
function pick(name: string, x: OnnxTensor, dims: number[], idx: ArrayLike<number>): OnnxTensor {
  const data = alloc(x.dataType, idx.length);
  const src = x.data as ArrayLike<Scalar>;
  for (let i = 0; i < idx.length; i++) (data as unknown as Scalar[])[i] = src[idx[i]!]!;
  return tensor(name, x.dataType, dims, data);
}

/** One element of each of the tensors `A`: a tuple of inputs gives a tuple of elements. */
type Elements<A extends OnnxTensor[]> = { [K in keyof A]: Scalar };

/** An elementwise op over broadcast inputs; `fn` gets the elements (bigint for int64 inputs). */
function elementwise<A extends OnnxTensor[]>(
  n: OnnxNode,
  ins: [...A],
  outType: number,
  fn: (v: Elements<A>) => Scalar,
  outName = out0(n),
): OnnxTensor {
  const dims = broadcastShape(ins.map((t) => t.dims));
  const idx = ins.map((t) => broadcastIndex(t.dims, dims));
  const count = prod(dims);
  const data = alloc(outType, count);
  const vals = new Array<Scalar>(ins.length);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < ins.length; j++) vals[j] = (ins[j].data as ArrayLike<Scalar>)[idx[j]![i]!]!;
    put(data, outType, i, fn(vals as Elements<A>)); // one element per input
  }
  return tensor(outName, outType, dims, data);
}

function sameType(ins: OnnxTensor[]): number {
  const [first] = ins;
  if (!first) throw new NotFoldable("no inputs");
  const t = first.dataType;
  if (ins.some((x) => x.dataType !== t)) throw new NotFoldable("mixed input types");
  alloc(t, 0);
  return t;
}

/** Binary arithmetic: bigint for int64, truncating division for other integers, float rounding by the store. */
function arith(op: (a: number, b: number) => number, big: (a: bigint, b: bigint) => bigint, intDiv = false): Evaluator {
  return (ins, n) => {
    const xs = exactly(ins, 2);
    const t = sameType(xs);
    const isInt = !isFloatType(t);
    return [
      elementwise(n, xs, t, ([a, b]) => {
        if (typeof a === "bigint") {
          if (intDiv && b === 0n) throw new NotFoldable("integer division by zero");
          return big(a, b as bigint);
        }
        if (isInt && intDiv && (b as number) === 0) throw new NotFoldable("integer division by zero");
        const r = op(a, b as number);
        return isInt && intDiv ? Math.trunc(r) : r;
      }),
    ];
  };
}

function unaryFloat(fn: (x: number) => number, big?: (x: bigint) => bigint): Evaluator {
  return (ins, n) => {
    const x = need(ins[0]);
    if (!isFloatType(x.dataType) && !big) throw new NotFoldable("integer input");
    return [elementwise(n, [x], x.dataType, ([v]) => (typeof v === "bigint" ? big!(v) : fn(v)))];
  };
}

function compare(fn: (c: number) => boolean): Evaluator {
  return (ins, n) => {
    const xs = exactly(ins, 2);
    sameType(xs);
    return [
      elementwise(n, xs, DataType.BOOL, ([a, b]) => {
        const c = a < b ? -1 : a > b ? 1 : 0;
        return fn(c) ? 1 : 0;
      }),
    ];
  };
}

function logic(fn: (a: boolean, b: boolean) => boolean): Evaluator {
  return (ins, n) => {
    const xs = exactly(ins, 2);
    if (xs.some((x) => x.dataType !== DataType.BOOL)) throw new NotFoldable("non-bool input");
    return [elementwise(n, xs, DataType.BOOL, ([a, b]) => (fn(Boolean(a), Boolean(b)) ? 1 : 0))];
  };
}

/** Axes of Squeeze / Unsqueeze: the attribute before opset 13, the second input from 13 on. */
function axesOf(ins: (OnnxTensor | undefined)[], n: OnnxNode, opset: number): number[] | undefined {
  if (opset >= 13) return ins[1] ? intList(ins[1]) : undefined;
  return attrInts(n, "axes");
}

/** Shape of a Reshape: 0 copies the input's dim (unless allowzero), −1 is inferred. */
export function reshapeDims(inDims: readonly number[], shape: number[], allowZero: boolean): number[] {
  const dims = shape.map((d, k) => {
    const v = d === 0 && !allowZero ? inDims[k] : d;
    if (v === undefined || v < -1) throw new NotFoldable(`shape [${shape}]`);
    return v;
  });
  const known = prod(dims.filter((d) => d !== -1));
  const total = prod(inDims);
  const free = dims.filter((d) => d === -1).length;
  if (free > 1) throw new NotFoldable(`shape [${shape}]`);
  if (free === 1) {
    if (known === 0 || total % known !== 0) throw new NotFoldable(`shape [${shape}]`);
    return dims.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) throw new NotFoldable(`shape [${shape}] for ${total} elements`);
  return dims;
}

/** Start, end and step of each axis of a Slice, clamped as the ONNX spec says. */
export function sliceRanges(
  dims: readonly number[],
  starts: number[],
  ends: number[],
  axes: number[] | undefined,
  steps: number[] | undefined,
): { start: number; count: number; step: number }[] {
  const r = dims.map((d) => ({ start: 0, count: d, step: 1 }));
  starts.forEach((s0, i) => {
    const ax = axes ? axes[i] : i;
    const e0 = ends[i];
    if (ax === undefined || e0 === undefined) throw new NotFoldable("starts, ends and axes of unequal lengths");
    const a = axisOf(ax, dims.length);
    const d = dims[a]!; // axisOf: a < rank
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new NotFoldable("step 0");
    let s = s0 < 0 ? s0 + d : s0;
    let e = e0 < 0 ? e0 + d : e0;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
    r[a] = { start: s, count, step };
  });
  return r;
}

/** Element indices of a strided box of x (one {start, count, step} per axis of `dims`). */
export function boxIndex(dims: readonly number[], ranges: { start: number; count: number; step: number }[]): number[] {
  const st = strides(dims);
  let idx = [0];
  ranges.forEach((r, k) => {
    const next: number[] = [];
    const stk = st[k]!; // a range per axis
    for (const base of idx) for (let i = 0; i < r.count; i++) next.push(base + (r.start + i * r.step) * stk);
    idx = next;
  });
  return idx;
}

function cast(x: OnnxTensor, to: number, name: string): OnnxTensor {
  alloc(to, 0);
  const data = alloc(to, x.data.length);
  const src = x.data as ArrayLike<Scalar>;
  for (let i = 0; i < src.length; i++) {
    let v = src[i]!;
    if (to === DataType.INT64 && typeof v === "number" && !Number.isFinite(v)) throw new NotFoldable("cast of ±∞");
    if (!isFloatType(to) && to !== DataType.BOOL && typeof v === "number") v = Math.trunc(v);
    if (to === DataType.UINT8 || to === DataType.INT8 || to === DataType.INT16)
      v = typeof v === "bigint" ? Number(BigInt.asIntN(32, v)) : v;
    put(data, to, i, v);
  }
  return tensor(name, to, [...x.dims], data);
}

/** The value of a Constant node (its one value attribute), or NotFoldable. */
function constantValue(n: OnnxNode): OnnxTensor {
  const [k, a] = Object.entries(n.attributes)[0] ?? [];
  if (Object.keys(n.attributes).length !== 1 || !a) throw new NotFoldable("Constant attributes");
  const name = out0(n);
  if (k === "value" && a.type === "tensor") return { ...a.value, name };
  if (k === "value_float" && a.type === "float") return tensor(name, DataType.FLOAT, [], Float32Array.of(a.value));
  if (k === "value_floats" && a.type === "floats")
    return tensor(name, DataType.FLOAT, [a.value.length], Float32Array.from(a.value));
  if (k === "value_int" && a.type === "int") return tensor(name, DataType.INT64, [], BigInt64Array.of(BigInt(a.value)));
  if (k === "value_ints" && a.type === "ints")
    return tensor(name, DataType.INT64, [a.value.length], BigInt64Array.from(a.value, BigInt));
  throw new NotFoldable(`Constant attribute ${k}`);
}

function transpose(x: OnnxTensor, perm: number[], name: string): OnnxTensor {
  const r = x.dims.length;
  if (perm.length !== r || [...perm].sort().some((p, i) => p !== i)) throw new NotFoldable(`perm [${perm}]`);
  // perm is a permutation of x's r axes; st, ost and dims have r entries.
  const dims = perm.map((p) => x.dims[p]!);
  const st = strides(x.dims);
  const idx = boxIndex(
    dims,
    dims.map((d) => ({ start: 0, count: d, step: 1 })),
  );
  // boxIndex over the output in row-major order gives output offsets; map each to the input offset.
  const ost = strides(dims);
  const src = idx.map((o) => {
    let rem = o;
    let off = 0;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(rem / ost[k]!);
      rem -= c * ost[k]!;
      off += c * st[perm[k]!]!;
    }
    return off;
  });
  return pick(name, x, dims, src);
}

export const EVALUATORS: ReadonlyMap<string, Evaluator> = new Map<string, Evaluator>([
  ["Constant", (_, n) => [constantValue(n)]],
  ["Identity", (ins, n) => [{ ...need(ins[0]), name: out0(n) }]],
  [
    "Cast",
    (ins, n) => {
      const to = attrInt(n, "to", -1);
      return [cast(need(ins[0]), to, out0(n))];
    },
  ],
  [
    "Reshape",
    (ins, n) => {
      const x = need(ins[0]);
      return reshaped(n, x, reshapeDims(x.dims, intList(need(ins[1])), attrInt(n, "allowzero", 0) === 1));
    },
  ],
  [
    "Flatten",
    (ins, n) => {
      const x = need(ins[0]);
      const a = attrInt(n, "axis", 1);
      const axis = a < 0 ? a + x.dims.length : a;
      if (axis < 0 || axis > x.dims.length) throw new NotFoldable("axis");
      return reshaped(n, x, [prod(x.dims.slice(0, axis)), prod(x.dims.slice(axis))]);
    },
  ],
  [
    "Squeeze",
    (ins, n, opset) => {
      const x = need(ins[0]);
      const axes = axesOf(ins, n, opset)?.map((a) => axisOf(a, x.dims.length));
      if (axes?.some((a) => x.dims[a] !== 1)) throw new NotFoldable("squeezing a non-unit axis");
      return reshaped(
        n,
        x,
        x.dims.filter((d, k) => (axes ? !axes.includes(k) : d !== 1)),
      );
    },
  ],
  [
    "Unsqueeze",
    (ins, n, opset) => {
      const x = need(ins[0]);
      const axes = axesOf(ins, n, opset);
      if (!axes) throw new NotFoldable("no axes");
      const r = x.dims.length + axes.length;
      const norm = axes.map((a) => axisOf(a, r));
      const dims: number[] = [];
      let j = 0;
      for (let k = 0; k < r; k++) {
        const d = norm.includes(k) ? 1 : x.dims[j++];
        if (d === undefined) throw new NotFoldable(`axes [${axes}]`); // a repeated axis
        dims.push(d);
      }
      return reshaped(n, x, dims);
    },
  ],
  [
    "Concat",
    (ins, n) => {
      const xs = ins.map(need);
      const t = sameType(xs);
      const [first] = xs;
      if (!first) throw new NotFoldable("no inputs");
      const r = first.dims.length;
      const axis = axisOf(attrInt(n, "axis", 0), r);
      if (xs.some((x) => x.dims.length !== r || x.dims.some((d, k) => k !== axis && d !== first.dims[k])))
        throw new NotFoldable("inputs of different shapes");
      const outer = prod(first.dims.slice(0, axis));
      const dims = [...first.dims];
      // Every input has the rank r > axis, and outer · w elements.
      dims[axis] = xs.reduce((a, x) => a + x.dims[axis]!, 0);
      const data = alloc(t, prod(dims));
      let off = 0;
      for (let o = 0; o < outer; o++)
        for (const x of xs) {
          const w = prod(x.dims.slice(axis));
          for (let i = 0; i < w; i++) (data as unknown as Scalar[])[off++] = (x.data as ArrayLike<Scalar>)[o * w + i]!;
        }
      return [tensor(out0(n), t, dims, data)];
    },
  ],
  [
    "Gather",
    (ins, n) => {
      const [x, ix] = [need(ins[0]), need(ins[1])];
      const r = x.dims.length;
      const axis = axisOf(attrInt(n, "axis", 0), r);
      const D = x.dims[axis]!; // axisOf: axis < r
      const ids = intList(ix).map((i) => (i < 0 ? i + D : i));
      if (ids.some((i) => i < 0 || i >= D)) throw new NotFoldable("index out of range");
      const outer = prod(x.dims.slice(0, axis));
      const inner = prod(x.dims.slice(axis + 1));
      const idx: number[] = [];
      for (let o = 0; o < outer; o++)
        for (const i of ids) for (let k = 0; k < inner; k++) idx.push((o * D + i) * inner + k);
      return [pick(out0(n), x, [...x.dims.slice(0, axis), ...ix.dims, ...x.dims.slice(axis + 1)], idx)];
    },
  ],
  [
    "Slice",
    (ins, n, opset) => {
      const x = need(ins[0]);
      const [starts, ends, axes, steps] =
        opset >= 10
          ? [intList(need(ins[1])), intList(need(ins[2])), ins[3] && intList(ins[3]), ins[4] && intList(ins[4])]
          : [attrInts(n, "starts") ?? [], attrInts(n, "ends") ?? [], attrInts(n, "axes"), undefined];
      const ranges = sliceRanges(x.dims, starts, ends, axes, steps);
      return [
        pick(
          out0(n),
          x,
          ranges.map((r) => r.count),
          boxIndex(x.dims, ranges),
        ),
      ];
    },
  ],
  [
    "Transpose",
    (ins, n) => {
      const x = need(ins[0]);
      const r = x.dims.length;
      return [transpose(x, attrInts(n, "perm") ?? Array.from({ length: r }, (_, k) => r - 1 - k), out0(n))];
    },
  ],
  [
    "Expand",
    (ins, n) => {
      const x = need(ins[0]);
      const dims = broadcastShape([x.dims, intList(need(ins[1]))]);
      return [pick(out0(n), x, dims, broadcastIndex(x.dims, dims))];
    },
  ],
  [
    "Tile",
    (ins, n) => {
      const x = need(ins[0]);
      const reps = intList(need(ins[1]));
      if (reps.length !== x.dims.length || reps.some((r) => r < 0)) throw new NotFoldable("repeats");
      // reps, x.dims, dims, st and ost have one entry per axis.
      const dims = x.dims.map((d, k) => d * reps[k]!);
      const st = strides(x.dims);
      const idx = boxIndex(
        dims,
        dims.map((d) => ({ start: 0, count: d, step: 1 })),
      ).map((o) => {
        const ost = strides(dims);
        let rem = o;
        let off = 0;
        for (let k = 0; k < dims.length; k++) {
          const c = Math.floor(rem / ost[k]!);
          rem -= c * ost[k]!;
          off += (c % x.dims[k]!) * st[k]!;
        }
        return off;
      });
      return [pick(out0(n), x, dims, idx)];
    },
  ],
  [
    "Shape",
    (ins, n) => {
      const x = need(ins[0]);
      const r = x.dims.length;
      const clampAxis = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
      const d = x.dims.slice(clampAxis(attrInt(n, "start", 0)), clampAxis(attrInt(n, "end", r)));
      return [tensor(out0(n), DataType.INT64, [d.length], BigInt64Array.from(d, BigInt))];
    },
  ],
  ["Size", (ins, n) => [tensor(out0(n), DataType.INT64, [], BigInt64Array.of(BigInt(prod(need(ins[0]).dims))))]],
  [
    "ConstantOfShape",
    (ins, n) => {
      const dims = intList(need(ins[0]));
      const v = n.attributes["value"];
      const value = v && v.type === "tensor" ? v.value : tensor("", DataType.FLOAT, [1], Float32Array.of(0));
      if (value.data.length !== 1) throw new NotFoldable("value");
      const data = alloc(value.dataType, prod(dims));
      const v0 = (value.data as ArrayLike<Scalar>)[0]!;
      for (let i = 0; i < data.length; i++) (data as unknown as Scalar[])[i] = v0;
      return [tensor(out0(n), value.dataType, dims, data)];
    },
  ],
  [
    "Range",
    (ins, n) => {
      const [s, l, d] = exactly(ins, 3);
      const t = sameType([s, l, d]);
      const [a, b, c] = [scalar(s), scalar(l), scalar(d)];
      if (c === 0) throw new NotFoldable("delta 0");
      const count = Math.max(Math.ceil((b - a) / c), 0);
      const data = alloc(t, count);
      for (let i = 0; i < count; i++) put(data, t, i, isInt64(s) ? BigInt(a) + BigInt(i) * BigInt(c) : a + i * c);
      return [tensor(out0(n), t, [count], data)];
    },
  ],
  [
    "Trilu",
    (ins, n) => {
      const x = need(ins[0]);
      const k = ins[1] ? scalar(ins[1]) : 0;
      const upper = attrInt(n, "upper", 1) === 1;
      const [R, C] = x.dims.slice(-2);
      if (R === undefined || C === undefined) throw new NotFoldable("rank < 2");
      const data = alloc(x.dataType, x.data.length);
      for (let i = 0; i < x.data.length; i++) {
        const col = i % C;
        const row = Math.floor(i / C) % R;
        const keep = upper ? col - row >= k : col - row <= k;
        (data as unknown as Scalar[])[i] = keep
          ? (x.data as ArrayLike<Scalar>)[i]!
          : x.dataType === DataType.INT64
            ? 0n
            : 0;
      }
      return [tensor(out0(n), x.dataType, [...x.dims], data)];
    },
  ],
  [
    "Where",
    (ins, n) => {
      const [c, a, b] = exactly(ins, 3);
      if (c.dataType !== DataType.BOOL) throw new NotFoldable("condition not bool");
      const t = sameType([a, b]);
      return [elementwise(n, [c, a, b], t, ([cv, av, bv]) => (cv ? av : bv))];
    },
  ],
  ["Not", (ins, n) => [elementwise(n, [need(ins[0])], DataType.BOOL, ([v]) => (v ? 0 : 1))]],
  ["And", logic((a, b) => a && b)],
  ["Or", logic((a, b) => a || b)],
  ["Xor", logic((a, b) => a !== b)],
  ["Equal", compare((c) => c === 0)],
  ["Less", compare((c) => c < 0)],
  ["LessOrEqual", compare((c) => c <= 0)],
  ["Greater", compare((c) => c > 0)],
  ["GreaterOrEqual", compare((c) => c >= 0)],
  [
    "Add",
    arith(
      (a, b) => a + b,
      (a, b) => BigInt.asIntN(64, a + b),
    ),
  ],
  [
    "Sub",
    arith(
      (a, b) => a - b,
      (a, b) => BigInt.asIntN(64, a - b),
    ),
  ],
  [
    "Mul",
    arith(
      (a, b) => a * b,
      (a, b) => BigInt.asIntN(64, a * b),
    ),
  ],
  [
    "Div",
    arith(
      (a, b) => a / b,
      (a, b) => a / b,
      true,
    ),
  ],
  [
    "Neg",
    unaryFloat(
      (x) => -x,
      (x) => -x,
    ),
  ],
  ["Abs", unaryFloat(Math.abs, (x) => (x < 0n ? -x : x))],
  ["Sqrt", unaryFloat(Math.sqrt)],
  ["Reciprocal", unaryFloat((x) => 1 / x)],
  ["Floor", unaryFloat(Math.floor)],
  ["Ceil", unaryFloat(Math.ceil)],
  [
    "Pow",
    (ins, n) => {
      const [x, y] = exactly(ins, 2);
      if (!isFloatType(x.dataType) || !isFloatType(y.dataType)) throw new NotFoldable("integer Pow");
      return [elementwise(n, [x, y], x.dataType, ([a, b]) => Math.pow(Number(a), Number(b)))];
    },
  ],
  [
    "Min",
    (ins, n) => {
      const xs = ins.map(need);
      return [elementwise(n, xs, sameType(xs), (v) => v.reduce((a, b) => (b < a ? b : a)))];
    },
  ],
  [
    "Max",
    (ins, n) => {
      const xs = ins.map(need);
      return [elementwise(n, xs, sameType(xs), (v) => v.reduce((a, b) => (b > a ? b : a)))];
    },
  ],
]);
