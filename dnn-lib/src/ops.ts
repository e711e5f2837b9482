/**
 * The op codes of the node descriptor (docs/protocol.md, "Phase-2 node input")
 * and, for each op, its operands, its positional int32 parameters and its
 * output length. The AssemblyScript kernels (dnn-lib/assembly/ops.ts) use the
 * same codes and parameter order.
 */
import { DnnShapeError, DnnUnsupportedOpError } from "./errors.ts";

export const Op = {
  matmul: 1,
  conv2d: 2,
  maxpool: 3,
  avgpool: 4,
  add: 5,
  mul: 6,
  relu: 7,
  lut: 8,
  softmax: 9,
  norm: 10,
  gather: 11,
  rotary: 12,
  attention: 13,
  argmax: 14,
  requant: 15,
  transpose: 16,
  concat: 17,
  slice: 18,
  copy: 19,
  requant16: 20,
  cvt8to16: 21,
  cvt16to8: 22,
  matmul16: 23,
  add16: 24,
  mul16: 25,
  relu16: 26,
  lut16: 27,
  strided: 28,
  genInit: 29,
  genSample: 30,
  attnCache: 31,
} as const;
export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];

export interface OpInfo {
  readonly name: OpName;
  /** Operand names with element type, in descriptor order. */
  readonly inputs: readonly string[];
  /** Positional int32 parameters, in descriptor order. */
  readonly params: readonly string[];
}

export const OP_INFO = {
  1: { name: "matmul", inputs: ["x:i8", "w:i8", "bias:i32", "mult:i32", "shift:i32"], params: ["M", "N", "K"] },
  2: {
    name: "conv2d",
    inputs: ["x:i8", "w:i8", "bias:i32", "mult:i32", "shift:i32"],
    params: ["C", "H", "W", "OC", "KH", "KW", "stride", "pad"],
  },
  3: { name: "maxpool", inputs: ["x:i8"], params: ["C", "H", "W", "K", "stride"] },
  4: { name: "avgpool", inputs: ["x:i8"], params: ["C", "H", "W", "K", "stride"] },
  5: { name: "add", inputs: ["a:i8", "b:i8"], params: ["n", "mA", "mB", "s"] },
  6: { name: "mul", inputs: ["a:i8", "b:i8"], params: ["n", "m", "s"] },
  7: { name: "relu", inputs: ["x:i8"], params: ["n"] },
  8: { name: "lut", inputs: ["x:i8", "table:i8"], params: ["n"] },
  9: { name: "softmax", inputs: ["x:i8", "exp:i32"], params: ["R", "L"] },
  10: { name: "norm", inputs: ["x:i8", "gamma:i8", "beta:i32"], params: ["R", "D", "mode", "eps", "m", "s"] },
  11: { name: "gather", inputs: ["table:i8", "ids:i32"], params: ["V", "D", "T"] },
  12: { name: "rotary", inputs: ["x:i8", "cos:i16", "sin:i16"], params: ["T", "H", "Dh", "pos0", "P"] },
  13: {
    name: "attention",
    inputs: ["q:i8", "k:i8", "v:i8", "exp:i32"],
    params: ["H", "Tq", "Dh", "Tmax", "pos0", "mS", "sS", "mO", "sO"],
  },
  14: { name: "argmax", inputs: ["x:i8"], params: ["R", "L"] },
  15: { name: "requant", inputs: ["x:i32", "mult:i32", "shift:i32"], params: ["R", "C"] },
  16: { name: "transpose", inputs: ["x:bytes"], params: ["R", "C", "E"] },
  17: { name: "concat", inputs: ["a:bytes", "b:bytes"], params: ["O", "A", "B"] },
  18: { name: "slice", inputs: ["x:bytes"], params: ["O", "I", "start", "len"] },
  19: { name: "copy", inputs: ["x:bytes"], params: ["n"] },
  20: { name: "requant16", inputs: ["x:i32", "mult:i32", "shift:i32"], params: ["R", "C"] },
  21: { name: "cvt8to16", inputs: ["x:i8"], params: ["n", "m", "s"] },
  22: { name: "cvt16to8", inputs: ["x:i16"], params: ["n", "m", "s"] },
  23: {
    name: "matmul16",
    inputs: ["x:i16", "w:i8", "bias:i32", "mult:i32", "shift:i32"],
    params: ["M", "N", "K"],
  },
  24: { name: "add16", inputs: ["a:i16", "b:i16"], params: ["n", "mA", "mB", "s"] },
  25: { name: "mul16", inputs: ["a:i16", "b:i16"], params: ["n", "m", "s"] },
  26: { name: "relu16", inputs: ["x:i16"], params: ["n"] },
  27: { name: "lut16", inputs: ["x:i16", "table:i16"], params: ["n"] },
  28: {
    name: "strided",
    inputs: ["x:bytes"],
    params: ["d0", "d1", "d2", "d3", "st0", "st1", "st2", "st3", "E", "n"],
  },
  29: { name: "genInit", inputs: ["request:i32"], params: ["C", "Gmax", "V"] },
  30: { name: "genSample", inputs: ["state:i32", "logits:i8", "exp2:i32"], params: ["C", "V", "pos", "eos"] },
  31: {
    name: "attnCache",
    inputs: ["q:i8", "k:i8", "v:i8", "exp:i32"],
    params: ["H", "Dh", "G", "Tmax", "S", "pos", "mS", "sS", "mO", "sO"],
  },
} as const satisfies Record<OpCode, OpInfo>;

/** An op's parameters by name, as OP_INFO lists them. */
export type OpParams<C extends OpCode> = Readonly<Record<(typeof OP_INFO)[C]["params"][number], number>>;
/** An op's name with its parameters by name: a switch on `name` narrows `p` to that op's names. */
export type NamedOp = { [C in OpCode]: { name: (typeof OP_INFO)[C]["name"]; p: OpParams<C> } }[OpCode];

/** Bytes of the interpolated int16 table of `lut16` (257 int16 entries, docs/fixed-point.md §3.1). */
export const LUT16_BYTES = 514;

/** Header words of a generation state (genInit, genSample; docs/fixed-point.md §3.3) before its C tokens. */
export const GEN_HEADER_WORDS = 8;
/** Entries of genSample's int32 weight table `exp2` (f = 0 … 255). */
export const GEN_EXP2_ENTRIES = 256;
/** Byte length of a generation state of context C: 8 header words then C token words. */
export function genStateBytes(C: number): number {
  return 4 * (GEN_HEADER_WORDS + C);
}

export function opInfo(op: number): OpInfo {
  const info: OpInfo | undefined = OP_INFO[op as OpCode];
  if (!info) throw new DnnUnsupportedOpError("unknown op code", { details: `op = ${op}` });
  return info;
}

/** Positional params as a name → value record, checked for count and int32 range. */
export function namedParams(op: number, params: readonly number[]): Record<string, number> {
  const info = opInfo(op);
  if (params.length !== info.params.length)
    throw new DnnShapeError(`${info.name}: wrong parameter count`, {
      details: `got ${params.length}, expected ${info.params.length} (${info.params.join(", ")})`,
    });
  const out: Record<string, number> = {};
  info.params.forEach((name, i) => {
    const v = params[i];
    if (v === undefined || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff)
      throw new DnnShapeError(`${info.name}: parameter ${name} is not an int32`, { details: `${name} = ${v}` });
    out[name] = v;
  });
  return out;
}

// namedParams sets every name OP_INFO lists for the op, so its record has the keys OpParams names.

/** The op's name and its parameters by name, checked as namedParams checks them. */
export function opParams(op: number, params: readonly number[]): NamedOp {
  return { name: opInfo(op).name, p: namedParams(op, params) } as NamedOp;
}

/** The parameters by name of an op known in advance, checked as namedParams checks them. */
export function paramsOf<C extends OpCode>(op: C, params: readonly number[]): OpParams<C> {
  return namedParams(op, params) as OpParams<C>;
}

/** The output byte length an op produces for these parameters (shape checks are the kernels'). */
export function outputByteLength(op: number, params: readonly number[]): number {
  const { name, p } = opParams(op, params);
  const pos = <K extends string>(q: Readonly<Record<K, number>>, ...names: K[]) => {
    for (const n of names)
      if (q[n] <= 0) throw new DnnShapeError(`${name}: ${n} must be positive`, { details: `${n} = ${q[n]}` });
  };
  switch (name) {
    case "matmul":
      pos(p, "M", "N", "K");
      return p.M * p.N;
    case "conv2d": {
      pos(p, "C", "H", "W", "OC", "KH", "KW", "stride");
      const oh = Math.floor((p.H + 2 * p.pad - p.KH) / p.stride) + 1;
      const ow = Math.floor((p.W + 2 * p.pad - p.KW) / p.stride) + 1;
      if (p.pad < 0 || oh < 1 || ow < 1)
        throw new DnnShapeError("conv2d: empty output", { details: `OH = ${oh}, OW = ${ow}, pad = ${p.pad}` });
      return p.OC * oh * ow;
    }
    case "maxpool":
    case "avgpool": {
      pos(p, "C", "H", "W", "K", "stride");
      const oh = Math.floor((p.H - p.K) / p.stride) + 1;
      const ow = Math.floor((p.W - p.K) / p.stride) + 1;
      if (oh < 1 || ow < 1) throw new DnnShapeError("pool: window larger than input", { details: `K = ${p.K}` });
      return p.C * oh * ow;
    }
    case "add":
    case "mul":
    case "relu":
    case "lut":
      pos(p, "n");
      return p.n;
    case "softmax":
      pos(p, "R", "L");
      return p.R * p.L;
    case "norm":
      pos(p, "R", "D");
      return p.R * p.D;
    case "gather":
      pos(p, "V", "D", "T");
      return p.T * p.D;
    case "rotary":
      pos(p, "T", "H", "Dh", "P");
      return p.T * p.H * p.Dh;
    case "attention":
      pos(p, "H", "Tq", "Dh", "Tmax");
      return p.H * p.Tq * p.Dh;
    case "argmax":
      pos(p, "R", "L");
      return 4 * p.R;
    case "requant":
      pos(p, "R", "C");
      return p.R * p.C;
    case "transpose":
      pos(p, "R", "C", "E");
      return p.R * p.C * p.E;
    case "concat":
      pos(p, "O");
      return p.O * (p.A + p.B);
    case "slice":
      pos(p, "O", "len");
      return p.O * p.len;
    case "copy":
      pos(p, "n");
      return p.n;
    case "requant16":
      pos(p, "R", "C");
      return 2 * p.R * p.C;
    case "cvt8to16":
    case "add16":
    case "mul16":
    case "relu16":
    case "lut16":
      pos(p, "n");
      return 2 * p.n;
    case "cvt16to8":
      pos(p, "n");
      return p.n;
    case "matmul16":
      pos(p, "M", "N", "K");
      return 2 * p.M * p.N;
    case "strided": {
      pos(p, "d0", "d1", "d2", "d3", "n");
      if (p.E !== 1 && p.E !== 2 && p.E !== 4)
        throw new DnnShapeError("strided: element size must be 1, 2 or 4", { details: `E = ${p.E}` });
      const st = [p.st0, p.st1, p.st2, p.st3];
      if (st.some((s) => s < 0)) throw new DnnShapeError("strided: negative stride", { details: `strides [${st}]` });
      const d = [p.d0, p.d1, p.d2, p.d3];
      const last = (p.d0 - 1) * p.st0 + (p.d1 - 1) * p.st1 + (p.d2 - 1) * p.st2 + (p.d3 - 1) * p.st3;
      if (last >= p.n)
        throw new DnnShapeError("strided: the view reads past the input", {
          details: `dims [${d}], strides [${st}] read element ${last}, n = ${p.n}`,
        });
      return p.d0 * p.d1 * p.d2 * p.d3 * p.E;
    }
    case "genInit":
      if (p.C < 2 || p.Gmax < 1 || p.Gmax >= p.C || p.V < 1)
        throw new DnnShapeError("genInit: needs C ≥ 2, 1 ≤ Gmax < C and V ≥ 1", {
          details: `C = ${p.C}, Gmax = ${p.Gmax}, V = ${p.V}`,
        });
      return genStateBytes(p.C);
    case "genSample":
      if (p.C < 2 || p.V < 1 || p.pos < 0 || p.pos > p.C - 2 || p.eos < -1 || p.eos >= p.V)
        throw new DnnShapeError("genSample: needs C ≥ 2, V ≥ 1, 0 ≤ pos ≤ C − 2 and −1 ≤ eos < V", {
          details: `C = ${p.C}, V = ${p.V}, pos = ${p.pos}, eos = ${p.eos}`,
        });
      return genStateBytes(p.C);
    case "attnCache":
      pos(p, "H", "Dh", "G", "Tmax", "S");
      if (p.H % p.G !== 0 || p.S < p.G * p.Dh || p.pos < 0 || p.pos >= p.Tmax)
        throw new DnnShapeError("attnCache: needs G dividing H, S ≥ G·Dh and 0 ≤ pos < Tmax", {
          details: `H = ${p.H}, G = ${p.G}, Dh = ${p.Dh}, S = ${p.S}, pos = ${p.pos}, Tmax = ${p.Tmax}`,
        });
      return p.H * p.Dh;
  }
}

/** The byte length each operand must have for these parameters (the kernels trap on any other). */
export function inputByteLengths(op: number, params: readonly number[]): number[] {
  const { name, p } = opParams(op, params);
  outputByteLength(op, params); // the same positivity checks
  switch (name) {
    case "matmul":
      return [p.M * p.K, p.N * p.K, 4 * p.N, 4 * p.N, 4 * p.N];
    case "conv2d":
      return [p.C * p.H * p.W, p.OC * p.C * p.KH * p.KW, 4 * p.OC, 4 * p.OC, 4 * p.OC];
    case "maxpool":
    case "avgpool":
      return [p.C * p.H * p.W];
    case "add":
    case "mul":
      return [p.n, p.n];
    case "relu":
      return [p.n];
    case "lut":
      return [p.n, 256];
    case "softmax":
      return [p.R * p.L, 1024];
    case "norm":
      return [p.R * p.D, p.D, 4 * p.D];
    case "gather":
      return [p.V * p.D, 4 * p.T];
    case "rotary":
      return [p.T * p.H * p.Dh, p.P * p.Dh, p.P * p.Dh];
    case "attention":
      return [p.H * p.Tq * p.Dh, p.H * p.Tmax * p.Dh, p.H * p.Tmax * p.Dh, 1024];
    case "argmax":
      return [p.R * p.L];
    case "requant":
      return [4 * p.R * p.C, 4 * p.C, 4 * p.C];
    case "transpose":
      return [p.R * p.C * p.E];
    case "concat":
      return [p.O * p.A, p.O * p.B];
    case "slice":
      return [p.O * p.I];
    case "copy":
      return [p.n];
    case "requant16":
      return [4 * p.R * p.C, 4 * p.C, 4 * p.C];
    case "cvt8to16":
      return [p.n];
    case "cvt16to8":
    case "relu16":
      return [2 * p.n];
    case "matmul16":
      return [2 * p.M * p.K, p.N * p.K, 4 * p.N, 4 * p.N, 4 * p.N];
    case "add16":
    case "mul16":
      return [2 * p.n, 2 * p.n];
    case "lut16":
      return [2 * p.n, LUT16_BYTES];
    case "strided":
      return [p.n * p.E];
    case "genInit":
      return [genStateBytes(p.C)];
    case "genSample":
      return [genStateBytes(p.C), p.V, 4 * GEN_EXP2_ENTRIES];
    case "attnCache":
      return [p.H * p.Dh, p.Tmax * p.S, p.Tmax * p.S, 1024];
  }
}
