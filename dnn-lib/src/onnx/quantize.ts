/**
 * The quantizing importer: an ONNX float graph plus a calibration set becomes
 * a QuantGraph, a flat list of dnn-lib nodes (op code of dnn-lib/src/ops.ts,
 * operand tensor ids, positional int32 params) over int8/int32/int16 tensors,
 * with every weight, bias, multiplier, shift and table as a constant tensor.
 *
 * Scales: per-tensor symmetric activations from the calibration maximum
 * (docs/fixed-point.md §1), per-output-channel int8 weights, int32 biases at
 * the accumulator scale, multiplier + shift for every requantization (§2),
 * LUTs and exp tables built for the calibrated scales (§4). Shape-only ops
 * (Reshape, Flatten, Squeeze, Unsqueeze, Identity) and multiplication by a
 * positive scalar constant change no byte: they alias the tensor (the latter
 * with a new scale). A causal self-attention subgraph (MatMul(Q, Transpose(K))
 * → [Mul/Div by a scalar] → Add(causal mask) → Softmax → MatMul(·, V)) becomes
 * one `attention` node (Q, K, V of one shape [..][T][Dh]: the leading dims are the
 * heads); GELU written out with Erf (x · (1 + erf(x/√2)) · 0.5, in either Mul order)
 * becomes one `lut` node; rotary embedding in the rotate-half form becomes one `rotary`
 * node (rotaryPattern.ts). Transposes that are not 2-D become one `strided` node, and
 * Add/Mul broadcast by numpy rules (a `strided` view of an activation, constants
 * expanded at import time; stridedView.ts).
 */
import { Op, OP_INFO, type OpCode } from "../ops.ts";
import { DataType } from "./proto.ts";
import { dataTypeName, type OnnxModel, type OnnxNode, type OnnxTensor } from "./model.ts";
import type { Feeds } from "./ort.ts";
import { calibrate, type Calibration } from "./calibrate.ts";
import type { QGraphIO, QNode, QTensor, QuantGraph } from "./QuantGraph.ts";
import { OnnxRunError, OnnxUnsupportedError } from "./errors.ts";
import {
  clampI32,
  expTable,
  lutTable,
  maxAbs,
  NONLINEAR,
  quantizeI8,
  quantizeMultiplier,
  quantizeMultiplierPair,
  quantizePerChannel,
  roundHalfAway,
  scaleOf,
} from "./quantMath.ts";
import { findRotary } from "./rotaryPattern.ts";
import { broadcastFloat, broadcastView, isIdentityView, transposeView } from "./stridedView.ts";

export type { QDType, QTensor, QNode, QGraphIO, QuantGraph } from "./QuantGraph.ts";
export { calibrate, type Calibration } from "./calibrate.ts";

const ALIAS_OPS = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"]);

function bytesOf(a: Int8Array | Int16Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function prod(d: number[]): number {
  return d.reduce((a, b) => a * b, 1);
}

interface Env {
  id: number;
  scale: number;
  /** An int16 tensor (the residual stream with `int16Residual`); `get` hands consumers an int8 copy. */
  i16?: boolean;
}

export interface LowerOptions {
  /**
   * Keep the residual stream in int16 (docs/fixed-point.md §6): every Add of two same-shape
   * activations becomes `add16` (its int8 operands widened by `cvt8to16`), and each other
   * consumer of such a sum reads an int8 copy made by `cvt16to8` at its calibrated int8 scale.
   */
  int16Residual?: boolean;
}

/** Ops whose output is int16. */
const INT16_OUT = new Set<number>([Op.requant16, Op.cvt8to16, Op.matmul16, Op.add16, Op.mul16, Op.relu16, Op.lut16]);

interface AttentionPattern {
  q: string;
  k: string;
  v: string;
  alpha: number;
  score: string;
  out: string;
  nodes: number[];
}

/** Quantizes `model` for the calibration `feeds` (see the module comment). */
export async function quantizeModel(model: OnnxModel, feeds: Feeds[], opts: LowerOptions = {}): Promise<QuantGraph> {
  return lowerModel(model, await calibrate(model, feeds), opts);
}

export function lowerModel(model: OnnxModel, calibration: Calibration, opts: LowerOptions = {}): QuantGraph {
  // A copy: lowering records the shapes of the intermediate tensors it adds (Concat parts, rescales).
  const cal: Calibration = { dims: new Map(calibration.dims), maxAbs: calibration.maxAbs };
  for (const o of model.opsetImports)
    if (o.domain !== "" && o.domain !== "ai.onnx")
      throw new OnnxUnsupportedError(o.domain, `unsupported operator set domain "${o.domain}"`);
  const g = model.graph;
  const inits = new Map<string, OnnxTensor>(g.initializers.map((t) => [t.name, t]));
  const consumers = new Map<string, number[]>();
  g.nodes.forEach((n, i) =>
    n.inputs.forEach((x) => {
      if (!consumers.has(x)) consumers.set(x, []);
      consumers.get(x)!.push(i);
    }),
  );
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const soleConsumer = (name: string): number | undefined => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && !graphOutputs.has(name) ? c[0] : undefined;
  };
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));

  const tensors: QTensor[] = [];
  const nodes: QNode[] = [];
  const env = new Map<string, Env>();
  const scaleOverride = new Map<string, number>();

  const dimsOf = (name: string): number[] => {
    const d = cal.dims.get(name) ?? inits.get(name)?.dims;
    if (!d) throw new OnnxRunError(`no calibrated shape for tensor ${name}`);
    return d;
  };
  const actScale = (name: string): number => scaleOverride.get(name) ?? scaleOf(cal.maxAbs.get(name) ?? 0);
  const floatInit = (name: string, node: OnnxNode): Float64Array | undefined => {
    const t = inits.get(name);
    if (!t) return undefined;
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array))
      throw new OnnxUnsupportedError(
        dataTypeName(t.dataType),
        `${node.opType} ${node.name}: constant ${name} is ${dataTypeName(t.dataType)}, not float`,
      );
    return Float64Array.from(t.data);
  };
  const newTensor = (t: Omit<QTensor, "id">): number => {
    tensors.push({ id: tensors.length, ...t });
    return tensors.length - 1;
  };
  const constant = (name: string, data: Int8Array | Int16Array | Int32Array, shape: number[], scale = 1): number =>
    newTensor({
      name,
      kind: "const",
      dtype: data instanceof Int8Array ? "i8" : data instanceof Int16Array ? "i16" : "i32",
      shape,
      scale,
      data: bytesOf(data),
    });
  const get = (name: string, node: OnnxNode): Env => {
    const e = env.get(name);
    if (e?.i16) return narrow(name, e, node);
    if (e) return e;
    const t = inits.get(name);
    if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      // A float constant used as an activation operand (e.g. learned positions): per-tensor int8.
      const s = scaleOf(maxAbs(t.data));
      const id = constant(name, quantizeI8(t.data, s), t.dims, s);
      env.set(name, { id, scale: s });
      return env.get(name)!;
    }
    throw new OnnxUnsupportedError(node.opType, `${node.opType} ${node.name}: operand ${name} is not available`);
  };
  const emit = (op: OpCode, inputs: number[], params: number[], outName: string, scale: number, source: string) => {
    const i16 = INT16_OUT.has(op);
    const out = newTensor({
      name: outName,
      kind: "activation",
      dtype: op === Op.argmax ? "i32" : i16 ? "i16" : "i8",
      shape: dimsOf(outName),
      scale,
    });
    nodes.push({ op, opName: OP_INFO[op].name, inputs, output: out, params, source });
    env.set(outName, i16 ? { id: out, scale, i16 } : { id: out, scale });
  };
  /** The int8 copy of an int16 tensor, at the tensor's calibrated int8 scale (made once). */
  const narrow = (name: string, e: Env, node: OnnxNode): Env => {
    const n8 = `${name}.i8`;
    if (!env.has(n8)) {
      const s8 = actScale(name);
      const { m, s } = quantizeMultiplier(e.scale / s8, `${name} to int8`);
      cal.dims.set(n8, dimsOf(name));
      emit(Op.cvt16to8, [e.id], [prod(dimsOf(name)), m, s], n8, s8, node.name);
    }
    return env.get(n8)!;
  };
  /** An operand of add16: an int16 tensor as it is, an int8 one widened ×1 (same scale). */
  const wide = (name: string, node: OnnxNode): Env => {
    const e = env.get(name);
    if (e?.i16) return e;
    const x = get(name, node);
    const n16 = `${name}.i16`;
    if (!env.has(n16)) {
      cal.dims.set(n16, dimsOf(name));
      emit(Op.cvt8to16, [x.id], [prod(dimsOf(name)), 1 << 30, 30], n16, x.scale, node.name);
    }
    return env.get(n16)!;
  };
  const intAttr = (n: OnnxNode, a: string, dflt: number): number => {
    const v = n.attributes[a];
    if (!v) return dflt;
    if (v.type !== "int")
      throw new OnnxUnsupportedError(n.opType, `${n.opType} ${n.name}: attribute ${a} is not an int`);
    return v.value;
  };
  const intsAttr = (n: OnnxNode, a: string): number[] | undefined => {
    const v = n.attributes[a];
    if (!v) return undefined;
    if (v.type !== "ints")
      throw new OnnxUnsupportedError(n.opType, `${n.opType} ${n.name}: attribute ${a} is not ints`);
    return v.value;
  };
  const floatAttr = (n: OnnxNode, a: string, dflt: number): number => {
    const v = n.attributes[a];
    if (!v) return dflt;
    if (v.type !== "float")
      throw new OnnxUnsupportedError(n.opType, `${n.opType} ${n.name}: attribute ${a} is not a float`);
    return v.value;
  };
  const unsupported = (n: OnnxNode, why: string): never => {
    throw new OnnxUnsupportedError(n.opType, `ONNX ${n.opType} (node ${n.name}): ${why}`);
  };
  const normAxis = (n: OnnxNode, axis: number, rank: number): number => {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) unsupported(n, `axis ${axis} out of range for rank ${rank}`);
    return a;
  };
  const lastAxis = (n: OnnxNode, axis: number, rank: number) => {
    if (axis !== -1 && axis !== rank - 1) unsupported(n, `only the last axis is supported, got axis ${axis}`);
  };
  const scalarConst = (name: string): number | undefined => {
    const t = inits.get(name);
    if (!t || t.data.length !== 1) return undefined;
    const v = Number(t.data[0]);
    return Number.isFinite(v) ? v : undefined;
  };

  // Pre-pass: causal attention subgraphs, keyed by the index of their last MatMul.
  const attention = new Map<number, AttentionPattern>();
  const inPattern = new Set<number>();
  g.nodes.forEach((sm, si) => {
    if (sm.opType !== "Softmax") return;
    const pv = soleConsumer(sm.outputs[0]);
    if (pv === undefined || g.nodes[pv].opType !== "MatMul" || g.nodes[pv].inputs[0] !== sm.outputs[0]) return;
    const chain = [si, pv];
    let cur = sm.inputs[0];
    let p = producer.get(cur);
    let masked = false;
    if (p !== undefined && g.nodes[p].opType === "Add" && soleConsumer(cur) === si) {
      const add = g.nodes[p];
      const mask = add.inputs.find((x) => inits.has(x));
      const other = add.inputs.find((x) => !inits.has(x));
      if (!mask || !other) return;
      checkCausalMask(inits.get(mask)!, add);
      masked = true;
      chain.push(p);
      cur = other;
      p = producer.get(cur);
    }
    if (!masked) return;
    const score = cur;
    let alpha = 1;
    if (p !== undefined && (g.nodes[p].opType === "Mul" || g.nodes[p].opType === "Div")) {
      const m = g.nodes[p];
      const c = scalarConst(m.inputs[1]);
      if (c === undefined || c <= 0) return;
      alpha = m.opType === "Mul" ? c : 1 / c;
      chain.push(p);
      cur = m.inputs[0];
      p = producer.get(cur);
    }
    if (p === undefined || g.nodes[p].opType !== "MatMul") return;
    const qk = g.nodes[p];
    const tp = producer.get(qk.inputs[1]);
    if (tp === undefined || g.nodes[tp].opType !== "Transpose") return;
    const perm = intsAttr(g.nodes[tp], "perm");
    const rank = dimsOf(qk.inputs[1]).length;
    if (perm && !(perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1)) return;
    chain.push(p, tp);
    attention.set(pv, {
      q: qk.inputs[0],
      k: g.nodes[tp].inputs[0],
      v: g.nodes[pv].inputs[1],
      alpha,
      score,
      out: g.nodes[pv].outputs[0],
      nodes: chain,
    });
    chain.forEach((i) => i !== pv && inPattern.add(i));
  });

  // Pre-pass: GELU written out as x · (1 + erf(x / √2)) · 0.5 (exports before opset 20), keyed by its last Mul.
  const geluAt = new Map<number, { x: string; out: string; nodes: number[] }>();
  const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) < 1e-4 * want;
  g.nodes.forEach((erfNode, ei) => {
    if (erfNode.opType !== "Erf") return;
    const di = producer.get(erfNode.inputs[0]);
    if (di === undefined || soleConsumer(erfNode.inputs[0]) !== ei) return;
    const div = g.nodes[di];
    const isScaled =
      (div.opType === "Div" && near(scalarConst(div.inputs[1]), Math.SQRT2)) ||
      (div.opType === "Mul" && near(scalarConst(div.inputs[1]), Math.SQRT1_2));
    if (!isScaled) return;
    const x = div.inputs[0];
    const ai = soleConsumer(erfNode.outputs[0]);
    if (ai === undefined || g.nodes[ai].opType !== "Add") return;
    const add = g.nodes[ai];
    if (!near(scalarConst(add.inputs.find((i) => i !== erfNode.outputs[0]) ?? ""), 1)) return;
    const m1 = soleConsumer(add.outputs[0]);
    if (m1 === undefined || g.nodes[m1].opType !== "Mul") return;
    const m1Other = g.nodes[m1].inputs.find((i) => i !== add.outputs[0]);
    let last: number | undefined;
    if (m1Other === x) {
      // (x · (1 + erf)) · 0.5
      last = soleConsumer(g.nodes[m1].outputs[0]);
      if (last === undefined || g.nodes[last].opType !== "Mul") return;
      const o = g.nodes[last].inputs.find((i) => i !== g.nodes[m1].outputs[0]);
      if (!near(scalarConst(o ?? ""), 0.5)) return;
      geluAt.set(last, { x, out: g.nodes[last].outputs[0], nodes: [di, ei, ai, m1, last] });
    } else {
      // (x · 0.5) · (1 + erf)
      const hi = m1Other !== undefined ? producer.get(m1Other) : undefined;
      if (hi === undefined || g.nodes[hi].opType !== "Mul" || soleConsumer(m1Other!) !== m1) return;
      const h = g.nodes[hi];
      if (!h.inputs.includes(x) || !near(scalarConst(h.inputs.find((i) => i !== x) ?? ""), 0.5)) return;
      geluAt.set(m1, { x, out: g.nodes[m1].outputs[0], nodes: [di, ei, ai, hi, m1] });
    }
  });
  for (const [at, p] of geluAt) p.nodes.forEach((i) => i !== at && inPattern.add(i));

  // Pre-pass: rotary embedding in the rotate-half form, keyed by its final Add.
  const rotaryAt = findRotary({ graph: g, inits, producer, soleConsumer, dimsOf });
  for (const [at, p] of rotaryAt) p.nodes.forEach((i) => i !== at && inPattern.add(i));

  // Concat inputs share the output's scale (concat moves bytes): the producers requantize to it.
  for (const n of g.nodes)
    if (n.opType === "Concat") for (const i of n.inputs) scaleOverride.set(i, actScale(n.outputs[0]));

  // Graph inputs.
  const inputs: QGraphIO[] = [];
  for (const vi of g.inputs) {
    if (inits.has(vi.name)) continue;
    const dims = dimsOf(vi.name);
    if (vi.elemType === DataType.FLOAT) {
      const s = actScale(vi.name);
      const id = newTensor({ name: vi.name, kind: "input", dtype: "i8", shape: dims, scale: s });
      env.set(vi.name, { id, scale: s });
      inputs.push({ id, name: vi.name, scale: s, dtype: "i8", dims });
    } else if (vi.elemType === DataType.INT64 || vi.elemType === DataType.INT32) {
      const id = newTensor({ name: vi.name, kind: "input", dtype: "i32", shape: dims, scale: 1 });
      env.set(vi.name, { id, scale: 1 });
      inputs.push({ id, name: vi.name, scale: 1, dtype: "i32", dims });
    } else
      throw new OnnxUnsupportedError(
        dataTypeName(vi.elemType),
        `graph input ${vi.name} has unsupported type ${dataTypeName(vi.elemType)}`,
      );
  }

  const fused = new Set<number>();
  // With int16Residual: the Adds of two same-shape activations (residual connections).
  const residual = new Set<number>();
  if (opts.int16Residual)
    g.nodes.forEach((n, i) => {
      const same = (x: string) => cal.dims.has(x) && dimsOf(x).join() === dimsOf(n.outputs[0]).join();
      if (n.opType === "Add" && n.inputs.length === 2 && n.inputs.every((x) => !inits.has(x) && same(x)))
        residual.add(i);
    });
  /** matmul / conv2d output requantization constants for per-channel weight scales. */
  const requantConsts = (base: string, sx: number, sw: Float64Array, b: Float64Array | undefined, sOut: number) => {
    const N = sw.length;
    const bias = new Int32Array(N);
    const mult = new Int32Array(N);
    const shift = new Int32Array(N);
    for (let c = 0; c < N; c++) {
      bias[c] = b ? clampI32(roundHalfAway(b[c] / (sx * sw[c]))) : 0;
      const { m, s } = quantizeMultiplier((sx * sw[c]) / sOut, base);
      mult[c] = m;
      shift[c] = s;
    }
    return [
      constant(`${base}.bias_q`, bias, [N]),
      constant(`${base}.mult`, mult, [N]),
      constant(`${base}.shift`, shift, [N]),
    ];
  };

  g.nodes.forEach((n, idx) => {
    if (fused.has(idx) || inPattern.has(idx)) return;
    if (n.domain !== "" && n.domain !== "ai.onnx") unsupported(n, `domain "${n.domain}" is not supported`);
    const gelu = geluAt.get(idx);
    if (gelu) {
      const x = get(gelu.x, n);
      const sOut = actScale(gelu.out);
      const t = constant(`${gelu.out}.lut`, lutTable(NONLINEAR.Gelu, x.scale, sOut), [256]);
      emit(Op.lut, [x.id, t], [prod(dimsOf(gelu.x))], gelu.out, sOut, gelu.nodes.map((i) => g.nodes[i].name).join("+"));
      return;
    }
    const rot = rotaryAt.get(idx);
    if (rot) {
      // x[H][T][Dh] (H = the leading dims) as T' = H·T rows of one head, the tables repeated per head.
      const x = get(rot.x, n);
      const H = prod(dimsOf(rot.x)) / (rot.T * rot.Dh);
      const half = rot.Dh / 2;
      const q14 = (f: Float64Array) =>
        Int16Array.from({ length: H * rot.T * half }, (_, j) => roundHalfAway(16384 * f[j % (rot.T * half)]));
      const cos = constant(`${rot.out}.cos`, q14(rot.cos), [H * rot.T, half]);
      const sin = constant(`${rot.out}.sin`, q14(rot.sin), [H * rot.T, half]);
      const source = rot.nodes.map((i) => g.nodes[i].name).join("+");
      emit(Op.rotary, [x.id, cos, sin], [H * rot.T, 1, rot.Dh, 0, H * rot.T], rot.out, x.scale, source);
      return;
    }
    const pat = attention.get(idx);
    if (pat) {
      const q = get(pat.q, n);
      const k = get(pat.k, n);
      const v = get(pat.v, n);
      const qd = dimsOf(pat.q);
      const T = qd[qd.length - 2];
      const Dh = qd[qd.length - 1];
      // Heads are the leading dims of Q, K and V, each [H][T][Dh].
      const H = prod(qd) / (T * Dh);
      if (dimsOf(pat.k).join() !== qd.join() || dimsOf(pat.v).join() !== qd.join())
        unsupported(n, `attention: Q [${qd}], K [${dimsOf(pat.k)}] and V [${dimsOf(pat.v)}] must have one shape`);
      const sZ = actScale(pat.score);
      const { m: mS, s: sS } = quantizeMultiplier((q.scale * k.scale * pat.alpha) / sZ, "attention scores");
      const sOut = actScale(pat.out);
      const { m: mO, s: sO } = quantizeMultiplier(v.scale / 127 / sOut, "attention output");
      const exp = constant(`${pat.out}.exp`, expTable(sZ), [256]);
      emit(
        Op.attention,
        [q.id, k.id, v.id, exp],
        [H, T, Dh, T, 0, mS, sS, mO, sO],
        pat.out,
        sOut,
        pat.nodes.map((i) => g.nodes[i].name).join("+"),
      );
      return;
    }
    const out = n.outputs[0];
    const dIn = n.inputs.length > 0 && cal.dims.has(n.inputs[0]) ? dimsOf(n.inputs[0]) : [];
    switch (n.opType) {
      case "Gemm":
      case "MatMul": {
        const [a, b] = n.inputs;
        let W = floatInit(b, n);
        if (!W) unsupported(n, "both operands are activations outside a causal attention subgraph");
        const bd = inits.get(b)!.dims;
        if (bd.length !== 2) unsupported(n, `weight ${b} must be 2-D, is [${bd}]`);
        let bias: Float64Array | undefined;
        let outName = out;
        let source = n.name;
        let N: number, K: number;
        if (n.opType === "Gemm") {
          if (intAttr(n, "transA", 0) !== 0) unsupported(n, "transA = 1");
          const alpha = floatAttr(n, "alpha", 1);
          const beta = floatAttr(n, "beta", 1);
          const tB = intAttr(n, "transB", 0) === 1;
          [N, K] = tB ? bd : [bd[1], bd[0]];
          if (!tB) W = transpose2(W!, K, N);
          W = W!.map((w) => w * alpha);
          if (n.inputs[2]) {
            bias = floatInit(n.inputs[2], n);
            if (!bias || bias.length !== N) unsupported(n, `bias must be a constant of ${N} values`);
            bias = bias!.map((x) => x * beta);
          }
        } else {
          [K, N] = bd;
          W = transpose2(W!, K, N);
          // Fuse a following Add of a constant [N] bias.
          const c = soleConsumer(out);
          if (c !== undefined && g.nodes[c].opType === "Add") {
            const other = g.nodes[c].inputs.find((x) => x !== out);
            const bv = other !== undefined ? floatInit(other, g.nodes[c]) : undefined;
            if (bv && bv.length === N) {
              bias = bv;
              outName = g.nodes[c].outputs[0];
              source += `+${g.nodes[c].name}`;
              fused.add(c);
            }
          }
        }
        if (dIn[dIn.length - 1] !== K) unsupported(n, `input inner dimension ${dIn[dIn.length - 1]} ≠ weight ${K}`);
        const x = get(a, n);
        const sOut = actScale(outName);
        const { q, scales } = quantizePerChannel(W!, N, K);
        const w = constant(`${b}.q`, q, [N, K]);
        const M = prod(dIn) / K;
        emit(
          Op.matmul,
          [x.id, w, ...requantConsts(outName, x.scale, scales, bias, sOut)],
          [M, N, K],
          outName,
          sOut,
          source,
        );
        return;
      }
      case "Conv": {
        const W = floatInit(n.inputs[1], n);
        if (!W) unsupported(n, "weights must be a constant");
        const wd = inits.get(n.inputs[1])!.dims;
        const [OC, C, KH, KW] = wd;
        if (intAttr(n, "group", 1) !== 1) unsupported(n, "group ≠ 1");
        const ap = n.attributes["auto_pad"];
        if (ap && !(ap.type === "string" && ap.value === "NOTSET")) unsupported(n, "auto_pad");
        if ((intsAttr(n, "dilations") ?? [1, 1]).some((d) => d !== 1)) unsupported(n, "dilation ≠ 1");
        const st = intsAttr(n, "strides") ?? [1, 1];
        const pads = intsAttr(n, "pads") ?? [0, 0, 0, 0];
        if (st[0] !== st[1]) unsupported(n, `unequal strides [${st}]`);
        if (pads.some((p) => p !== pads[0])) unsupported(n, `asymmetric pads [${pads}]`);
        if (dIn.length !== 4 || dIn[0] !== 1 || dIn[1] !== C)
          unsupported(n, `input must be [1][${C}][H][W], is [${dIn}]`);
        const bias = n.inputs[2] ? floatInit(n.inputs[2], n) : undefined;
        const x = get(n.inputs[0], n);
        const sOut = actScale(out);
        const { q, scales } = quantizePerChannel(W!, OC, C * KH * KW);
        const w = constant(`${n.inputs[1]}.q`, q, wd);
        emit(
          Op.conv2d,
          [x.id, w, ...requantConsts(out, x.scale, scales, bias, sOut)],
          [C, dIn[2], dIn[3], OC, KH, KW, st[0], pads[0]],
          out,
          sOut,
          n.name,
        );
        return;
      }
      case "Relu": {
        const x = get(n.inputs[0], n);
        emit(Op.relu, [x.id], [prod(dIn)], out, x.scale, n.name);
        return;
      }
      case "MaxPool":
      case "AveragePool": {
        const k = intsAttr(n, "kernel_shape") ?? [];
        const st = intsAttr(n, "strides") ?? [1, 1];
        if (k.length !== 2 || k[0] !== k[1]) unsupported(n, `kernel_shape must be square 2-D, is [${k}]`);
        if (st[0] !== st[1]) unsupported(n, `unequal strides [${st}]`);
        if ((intsAttr(n, "pads") ?? [0]).some((p) => p !== 0)) unsupported(n, "padding");
        if (intAttr(n, "ceil_mode", 0) !== 0) unsupported(n, "ceil_mode = 1");
        if (dIn.length !== 4 || dIn[0] !== 1) unsupported(n, `input must be [1][C][H][W], is [${dIn}]`);
        const x = get(n.inputs[0], n);
        emit(
          n.opType === "MaxPool" ? Op.maxpool : Op.avgpool,
          [x.id],
          [dIn[1], dIn[2], dIn[3], k[0], st[0]],
          out,
          x.scale,
          n.name,
        );
        return;
      }
      case "Sigmoid":
      case "Tanh":
      case "Gelu": {
        if (n.opType === "Gelu" && n.attributes["approximate"]?.value === "tanh") unsupported(n, "approximate = tanh");
        const x = get(n.inputs[0], n);
        const sOut = actScale(out);
        const t = constant(`${out}.lut`, lutTable(NONLINEAR[n.opType], x.scale, sOut), [256]);
        emit(Op.lut, [x.id, t], [prod(dIn)], out, sOut, n.name);
        return;
      }
      case "Softmax": {
        lastAxis(n, intAttr(n, "axis", -1), dIn.length);
        const x = get(n.inputs[0], n);
        const e = constant(`${out}.exp`, expTable(x.scale), [256]);
        const L = dIn[dIn.length - 1];
        emit(Op.softmax, [x.id, e], [prod(dIn) / L, L], out, 1 / 127, n.name);
        return;
      }
      case "LayerNormalization": {
        lastAxis(n, intAttr(n, "axis", -1), dIn.length);
        const D = dIn[dIn.length - 1];
        const gamma = floatInit(n.inputs[1], n);
        const beta = n.inputs[2] ? floatInit(n.inputs[2], n) : new Float64Array(D);
        if (!gamma || gamma.length !== D || !beta || beta.length !== D)
          unsupported(n, `scale and bias must be constants of ${D} values`);
        const x = get(n.inputs[0], n);
        const sG = scaleOf(maxAbs(gamma!));
        const sOut = actScale(out);
        const sN = sG / 4096; // n_i is Q12, gamma at sG
        const eps = clampI32(Math.round((D * D * floatAttr(n, "epsilon", 1e-5)) / (x.scale * x.scale)));
        const { m, s } = quantizeMultiplier(sN / sOut, `${n.name} output`);
        const gq = constant(`${n.inputs[1]}.q`, quantizeI8(gamma!, sG), [D], sG);
        const bq = constant(
          `${out}.beta_q`,
          Int32Array.from(beta!, (b) => clampI32(roundHalfAway(b / sN))),
          [D],
        );
        emit(Op.norm, [x.id, gq, bq], [prod(dIn) / D, D, 0, eps, m, s], out, sOut, n.name);
        return;
      }
      case "Gather": {
        if (intAttr(n, "axis", 0) !== 0) unsupported(n, "axis ≠ 0");
        const table = floatInit(n.inputs[0], n);
        if (!table) unsupported(n, "the table must be a constant");
        const td = inits.get(n.inputs[0])!.dims;
        if (td.length !== 2) unsupported(n, `table must be 2-D, is [${td}]`);
        const ids = get(n.inputs[1], n);
        if (tensors[ids.id].dtype !== "i32") unsupported(n, "indices must be an integer graph input");
        const s = scaleOf(maxAbs(table!));
        const t = constant(`${n.inputs[0]}.q`, quantizeI8(table!, s), td, s);
        emit(Op.gather, [t, ids.id], [td[0], td[1], prod(dimsOf(n.inputs[1]))], out, s, n.name);
        return;
      }
      case "Add":
      case "Mul":
      case "Div": {
        const [an, bn] = n.inputs;
        const c = scalarConst(bn) ?? (n.opType === "Mul" ? scalarConst(an) : undefined);
        if (n.opType !== "Add" && c !== undefined && c > 0) {
          // Scaling by a positive constant only relabels the scale.
          const x = get(c === scalarConst(bn) ? an : bn, n);
          env.set(out, { id: x.id, scale: n.opType === "Mul" ? x.scale * c : x.scale / c });
          return;
        }
        if (n.opType === "Div" && (c === undefined || c === 0))
          unsupported(n, c === 0 ? "division by zero" : "division by a tensor");
        if (residual.has(idx)) {
          const [a, b] = [wide(an, n), wide(bn, n)];
          const s16 = (cal.maxAbs.get(out) || 1) / 32767;
          const { mA, mB, s } = quantizeMultiplierPair(a.scale / s16, b.scale / s16);
          emit(Op.add16, [a.id, b.id], [prod(dimsOf(out)), mA, mB, s], out, s16, n.name);
          return;
        }
        // Numpy broadcasting: a constant is expanded at import time, an activation by a strided view.
        const dOut = dimsOf(out);
        const operand = (name: string, recip: boolean): Env => {
          const t = inits.get(name);
          const dName = dimsOf(name);
          if (!recip && dName.join() === dOut.join()) return get(name, n);
          if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) {
            const data = broadcastFloat(recip ? Float64Array.from(t.data, (v) => 1 / v) : t.data, t.dims, dOut);
            const s = scaleOf(maxAbs(data));
            return { id: constant(`${name}→[${dOut}]`, quantizeI8(data, s), dOut, s), scale: s };
          }
          const x = get(name, n);
          if (prod(dName) === prod(dOut)) return x;
          const view = broadcastView(dName, dOut);
          if (view === undefined) unsupported(n, `[${dName}] does not broadcast to [${dOut}]`);
          if (view === null) unsupported(n, `broadcasting [${dName}] to [${dOut}] leaves more than 4 axes`);
          const bname = `${name}→[${dOut}]`;
          if (!env.has(bname)) {
            cal.dims.set(bname, dOut);
            emit(Op.strided, [x.id], [...view!.d, ...view!.st, 1, view!.n], bname, x.scale, n.name);
          }
          return env.get(bname)!;
        };
        const a = operand(an, false);
        const b = operand(bn, n.opType === "Div");
        const sOut = actScale(out);
        const size = prod(dOut);
        if (n.opType === "Add") {
          const { mA, mB, s } = quantizeMultiplierPair(a.scale / sOut, b.scale / sOut);
          emit(Op.add, [a.id, b.id], [size, mA, mB, s], out, sOut, n.name);
        } else {
          const { m, s } = quantizeMultiplier((a.scale * b.scale) / sOut, n.name);
          emit(Op.mul, [a.id, b.id], [size, m, s], out, sOut, n.name);
        }
        return;
      }
      case "Concat": {
        const rank = dIn.length;
        const axis = normAxis(n, intAttr(n, "axis", -1), rank);
        const sOut = actScale(out);
        const O = prod(dIn.slice(0, axis));
        let acc: Env | undefined;
        let width = 0;
        n.inputs.forEach((iname, j) => {
          let x = get(iname, n);
          if (Math.abs(x.scale / sOut - 1) > 1e-9) {
            // A producer with a tied scale: rescale with add(x, x, m, 0, s).
            const { mA, s } = quantizeMultiplierPair(x.scale / sOut, 0);
            const rname = `${iname}.rescaled`;
            cal.dims.set(rname, dimsOf(iname));
            emit(Op.add, [x.id, x.id], [prod(dimsOf(iname)), mA, 0, s], rname, sOut, n.name);
            x = env.get(rname)!;
          }
          const B = prod(dimsOf(iname)) / O;
          if (!acc) {
            acc = x;
            width = B;
            return;
          }
          const last = j === n.inputs.length - 1;
          const name = last ? out : `${out}.part${j}`;
          if (!last) cal.dims.set(name, [O, width + B]);
          emit(Op.concat, [acc.id, x.id], [O, width, B], name, sOut, n.name);
          acc = env.get(name)!;
          width += B;
        });
        if (n.inputs.length === 1) env.set(out, acc!);
        return;
      }
      case "Slice": {
        const ints = (i: number) => {
          const t = n.inputs[i] ? inits.get(n.inputs[i]) : undefined;
          if (n.inputs[i] && !t) unsupported(n, `input ${i} must be a constant`);
          return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
        };
        const [starts, ends] = [ints(1)!, ints(2)!];
        const axes = ints(3) ?? starts.map((_, i) => i);
        const steps = ints(4) ?? starts.map(() => 1);
        if (starts.length !== 1 || steps[0] !== 1) unsupported(n, "only one sliced axis with step 1");
        const k = normAxis(n, axes[0], dIn.length);
        const dim = dIn[k];
        const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
        const [b, e] = [clamp(starts[0]), clamp(ends[0])];
        if (e <= b) unsupported(n, "empty slice");
        const inner = prod(dIn.slice(k + 1));
        const x = get(n.inputs[0], n);
        emit(Op.slice, [x.id], [prod(dIn.slice(0, k)), dim * inner, b * inner, (e - b) * inner], out, x.scale, n.name);
        return;
      }
      case "Transpose": {
        const rank = dIn.length;
        const perm = intsAttr(n, "perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
        const x = get(n.inputs[0], n);
        // Drop size-1 axes; a rotation [k..r-1, 0..k-1] of what is left is a 2-D transpose of [R][C].
        const keep = perm.filter((a) => dIn[a] !== 1);
        const order = [...keep].sort((a, b) => a - b);
        const p = keep.map((a) => order.indexOf(a));
        const k = p[0];
        if (p.every((v, i) => v === (i + k) % p.length)) {
          const d = order.map((a) => dIn[a]);
          if (k === 0) env.set(out, x);
          else emit(Op.transpose, [x.id], [prod(d.slice(0, k)), prod(d.slice(k)), 1], out, x.scale, n.name);
          return;
        }
        // Any other permutation: one strided view (up to four axes after merging contiguous ones).
        const view = transposeView(dIn, perm);
        if (!view) unsupported(n, `perm [${perm}] of [${dIn}] leaves more than 4 axes to permute`);
        if (isIdentityView(view!)) env.set(out, x);
        else emit(Op.strided, [x.id], [...view!.d, ...view!.st, 1, view!.n], out, x.scale, n.name);
        return;
      }
      default:
        if (ALIAS_OPS.has(n.opType)) {
          const e = env.get(n.inputs[0]);
          env.set(out, e?.i16 ? e : get(n.inputs[0], n));
          return;
        }
        unsupported(n, "operator not supported by the importer");
    }
  });

  const outputs: QGraphIO[] = g.outputs.map((o) => {
    let e = env.get(o.name);
    if (!e) throw new OnnxRunError(`graph output ${o.name} was not produced`);
    if (e.i16) e = narrow(o.name, e, g.nodes[producer.get(o.name)!]);
    return { id: e.id, name: o.name, scale: e.scale, dtype: tensors[e.id].dtype, dims: dimsOf(o.name) };
  });
  return { name: g.name, tensors, nodes, inputs, outputs };
}

function transpose2(w: Float64Array, R: number, C: number): Float64Array {
  const o = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) o[c * R + r] = w[r * C + c];
  return o;
}

/** The mask of the attention pattern must be causal: 0 on and below the diagonal, ≤ −1e4 (or −∞) above. */
function checkCausalMask(t: OnnxTensor, add: OnnxNode): void {
  const d = t.dims.filter((x) => x !== 1);
  const T = d[d.length - 1];
  const ok =
    d.length === 2 &&
    d[0] === T &&
    Array.from({ length: T * T }, (_, i) => i).every((i) => {
      const v = Number(t.data[i]);
      return i % T <= Math.floor(i / T) ? v === 0 : v <= -1e4;
    });
  if (!ok)
    throw new OnnxUnsupportedError("Add", `ONNX Add (node ${add.name}): attention mask is not causal`, {
      details: "the attention op is causal: mask must be 0 on and below the diagonal and ≤ −1e4 above",
    });
}
