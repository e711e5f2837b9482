/**
 * Causal self-attention: MatMul(Q, Transpose(K)) → [Mul/Div by a positive scalar α] → Add(causal
 * mask) or Where(causal bool mask, −big, ·) → Softmax → MatMul(·, V), with Q, K, V of one shape [..][T][Dh] (the leading dims are the
 * heads), becomes one `attention` node: mS/2^sS = s_q·s_k·α/s_z with s_z the calibrated scale of
 * the scaled scores, an exp table for s_z, mO/2^sO = s_v/(127·s_out). Keyed by the last MatMul.
 */
import { Op } from "../../../ops.ts";
import { OnnxUnsupportedError } from "../../errors.ts";
import type { OnnxNode, OnnxTensor } from "../../model.ts";
import { expTable, quantizeMultiplier } from "../../quantMath.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";
import { prod } from "../prod.ts";
import { ofLength } from "../../tuple.ts";

interface Attention {
  q: string;
  k: string;
  v: string;
  alpha: number;
  score: string;
  out: string;
  nodes: number[];
}

export const attention: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const g = ctx.graph;
  g.nodes.forEach((sm, si) => {
    if (sm.opType !== "Softmax") return;
    const probs = sm.outputs[0];
    const pv = ctx.soleConsumer(probs);
    if (pv === undefined) return;
    const pvNode = ctx.node(pv);
    if (pvNode.opType !== "MatMul" || pvNode.inputs[0] !== probs) return;
    const chain = [si, pv];
    const masked = sm.inputs[0];
    let p = ctx.producerOf(masked);
    // The scores before the mask, once a mask is found.
    let score: string | undefined;
    if (p !== undefined && ctx.node(p).opType === "Where" && ctx.soleConsumer(masked) === si) {
      // Where(mask, −big, scores): the mask a bool constant, true exactly above the diagonal.
      const wh = ctx.node(p);
      const [cond, fill, other] = wh.inputs;
      const fillV = ctx.scalarConst(fill);
      const condT = ctx.initOf(cond);
      if (!condT || other === undefined || ctx.inits.has(other) || fillV === undefined || fillV > -1e4) return;
      checkCausalCondition(condT, wh);
      chain.push(p);
      score = other;
    } else if (p !== undefined && ctx.node(p).opType === "Add" && ctx.soleConsumer(masked) === si) {
      const add = ctx.node(p);
      const mask = ctx.initOf(add.inputs.find((x) => ctx.inits.has(x)));
      const other = add.inputs.find((x) => !ctx.inits.has(x));
      if (!mask || !other) return;
      checkCausalMask(mask, add);
      chain.push(p);
      score = other;
    }
    if (score === undefined) return;
    p = ctx.producerOf(score);
    let alpha = 1;
    if (p !== undefined && (ctx.node(p).opType === "Mul" || ctx.node(p).opType === "Div")) {
      const m = ctx.node(p);
      const c = ctx.scalarConst(m.inputs[1]);
      if (c === undefined || c <= 0) return;
      alpha = m.opType === "Mul" ? c : 1 / c;
      chain.push(p);
      p = ctx.producerOf(m.inputs[0]);
    }
    if (p === undefined || ctx.node(p).opType !== "MatMul") return;
    const qk = ctx.node(p);
    const [q, kT] = qk.inputs;
    const tp = ctx.producerOf(kT);
    if (q === undefined || kT === undefined || tp === undefined || ctx.node(tp).opType !== "Transpose") return;
    const perm = ctx.intsAttr(ctx.node(tp), "perm");
    const rank = ctx.dimsOf(kT).length;
    if (perm && !(perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1)) return;
    chain.push(p, tp);
    const k = ctx.node(tp).inputs[0];
    const v = pvNode.inputs[1];
    const out = pvNode.outputs[0];
    if (k === undefined || v === undefined || out === undefined) return;
    const pat: Attention = { q, k, v, alpha, score, out, nodes: chain };
    found.set(pv, { nodes: chain, lower: (c, at) => lowerAttention(c, at, pat) });
  });
  return found;
};

function lowerAttention(ctx: LowerContext, n: OnnxNode, pat: Attention): void {
  const q = ctx.get(pat.q, n);
  const k = ctx.get(pat.k, n);
  const v = ctx.get(pat.v, n);
  const qd = ctx.dimsOf(pat.q);
  const [T, Dh] = qd.slice(-2);
  if (T === undefined || Dh === undefined) ctx.unsupported(n, `attention: Q [${qd}] must be [..][T][Dh]`);
  // Heads are the leading dims of Q, K and V, each [H][T][Dh].
  const H = prod(qd) / (T * Dh);
  if (ctx.dimsOf(pat.k).join() !== qd.join() || ctx.dimsOf(pat.v).join() !== qd.join())
    ctx.unsupported(
      n,
      `attention: Q [${qd}], K [${ctx.dimsOf(pat.k)}] and V [${ctx.dimsOf(pat.v)}] must have one shape`,
    );
  const sZ = ctx.actScale(pat.score);
  const { m: mS, s: sS } = quantizeMultiplier((q.scale * k.scale * pat.alpha) / sZ, "attention scores");
  const sOut = ctx.actScale(pat.out);
  const { m: mO, s: sO } = quantizeMultiplier(v.scale / 127 / sOut, "attention output");
  const exp = ctx.constant(`${pat.out}.exp`, expTable(sZ), [256]);
  const params = [H, T, Dh, T, 0, mS, sS, mO, sO];
  ctx.emit(Op.attention, [q.id, k.id, v.id, exp], params, pat.out, sOut, ctx.sourceOf(pat.nodes));
}

/** Whether a constant's non-unit axes are [T][T] and `holds(row, col, value)` for each of its elements. */
function everyOfSquare(t: OnnxTensor, holds: (row: number, col: number, v: number) => boolean): boolean {
  const d = ofLength(
    t.dims.filter((x) => x !== 1),
    2,
  );
  if (!d || d[0] !== d[1]) return false;
  const T = d[0];
  return Array.from({ length: T * T }, (_, i) => i).every((i) => holds(Math.floor(i / T), i % T, Number(t.data[i])));
}

/** The condition of a Where mask must be causal: true exactly above the diagonal. */
function checkCausalCondition(t: OnnxTensor, where: OnnxNode): void {
  if (!everyOfSquare(t, (row, col, v) => col > row === (v !== 0)))
    throw new OnnxUnsupportedError("Where", `ONNX Where (node ${where.name}): attention mask is not causal`, {
      details: "the attention op is causal: the masked positions must be exactly those above the diagonal",
    });
}

/** The mask of the attention pattern must be causal: 0 on and below the diagonal, ≤ −1e4 (or −∞) above. */
function checkCausalMask(t: OnnxTensor, add: OnnxNode): void {
  if (!everyOfSquare(t, (row, col, v) => (col <= row ? v === 0 : v <= -1e4)))
    throw new OnnxUnsupportedError("Add", `ONNX Add (node ${add.name}): attention mask is not causal`, {
      details: "the attention op is causal: mask must be 0 on and below the diagonal and ≤ −1e4 above",
    });
}
